# Evaluation and the HTML report.


rule evaluate:
    input:
        embeddings="exports",
        code=code("steps/evaluate.py", "fgcross/metrics.py"),
    output:
        "metrics/eval.json",
    params:
        eval=config["eval"],
    log:
        "logs/evaluate.log",
    conda:
        "../envs/torch.yaml"
    shell:
        "python -m steps.evaluate --params params.yaml --quiet --embeddings {input.embeddings} --out {output} "
        "> {log} 2>&1"


rule report:
    input:
        metrics="metrics/eval.json",
        history="plots/train_history.csv",
        embeddings="exports",
        model="models",
        index="build/index",
        media=expand("build/media/{media}", media=["image", "text", "audio", "video"]),
        code=code("steps/report.py", "fgcross/reporting.py", "fgcross/notebooks.py"),
        templates="reports/templates/index.ipynb",
    output:
        html="reports/html/index.html",
        executed="reports/executed/index.ipynb",
    params:
        report=config["report"],
    log:
        "logs/report.log",
    conda:
        "../envs/torch.yaml"
    shell:
        "python -m steps.report --params params.yaml --quiet --out reports/html --executed reports/executed "
        "> {log} 2>&1"
