# Evaluation and the HTML report.


rule evaluate:
    input:
        embeddings="exports",
        index="build/index",
        code=code("steps/evaluate.py", "fgcross/evaluation.py", "fgcross/metrics.py", "fgcross/inner_product.py",
                  "fgcross/scoring.py", "fgcross/diagnostics.py", "fgcross/reports/tables.py", "fgcross/rerank.py"),
    output:
        metrics="metrics/eval.json",
        retrieval="metrics/retrieval.json",
        diagnostics="metrics/diagnostics.json",
        per_class="metrics/per_class_ap.csv",
        reranked="metrics/reranked.json",
        by_direction="plots/map_by_direction.csv",
        per_class_plot="plots/per_class_ap.csv",
        pr_curve="plots/pr_curve.csv",
    params:
        eval=config["eval"],
    benchmark:
        "logs/benchmarks/evaluate.tsv"
    resources:
        **site_resources("evaluate", mem_mb=4000, runtime=30),
    log:
        "logs/evaluate.log",
    conda:
        "../envs/torch.yaml"
    shell:
        "python -m steps.evaluate --params params.yaml --embeddings {input.embeddings} "
        "--out {output.metrics} --classes {input.index}/classes.csv --plots plots > {log} 2>&1"


rule report:
    input:
        metrics="metrics/eval.json",
        retrieval="metrics/retrieval.json",
        diagnostics="metrics/diagnostics.json",
        per_class="metrics/per_class_ap.csv",
        ablation="metrics/ablation.csv",  # from python -m steps.ablation (committed; not a stage)
        methods="metrics/methods.csv",  # from python -m steps.ablation --study methods (committed)
        methods_pr="metrics/methods_pr.csv",  # the same runs' precision-recall curves (committed)
        beyond="metrics/beyond_ablation.csv",  # from python -m steps.ablation --study beyond (committed)
        history="plots/train_history.csv",
        pr_curve="plots/pr_curve.csv",
        embeddings="exports",
        model="models",
        index="build/index",
        media=expand("build/media/{media}/meta.json", media=MEDIA),
        code=code("steps/report.py", "fgcross/reports", "fgcross/media/preview.py", "fgcross/media/kinds.py",
                  "fgcross/stage_times.py", "fgcross/ablation.py", "fgcross/data/taxonomy.py"),
        templates=sorted(str(p) for p in Path("reports/templates").glob("*.ipynb")),
    output:
        html=directory("reports/html"),
        executed=directory("reports/executed"),
    params:
        report=config["report"],
    benchmark:
        "logs/benchmarks/report.tsv"
    resources:
        **site_resources("report", mem_mb=4000, runtime=60),
    log:
        "logs/report.log",
    conda:
        "../envs/torch.yaml"
    shell:
        "python -m steps.report --params params.yaml --out reports/html --executed reports/executed "
        "> {log} 2>&1"
