# Training and embedding export. Both take every core given with --cores: Snakemake sets
# OMP_NUM_THREADS to a rule's threads (1 by default), which would run torch on one core
# (half the speed on 2 cores, and other floating-point sums than under DVC).


rule train:
    input:
        index="build/index",
        media=expand("build/media/{media}", media=["image", "text", "audio", "video"]),
        code=code("steps/train.py", "fgcross/training", "fgcross/models", "fgcross/losses", "fgcross/devices.py",
                  "fgcross/data/batches.py", "fgcross/media/stages.py"),
    output:
        model=directory("models"),
        history="plots/train_history.csv",
    params:
        model=config["model"],
        train=config["train"],
        loss=config["loss"],
        media=config["data"]["media"],
    threads: workflow.cores
    log:
        "logs/train.log",
    conda:
        "../envs/torch.yaml"
    shell:
        "python -m steps.train --params params.yaml --quiet --media build/media --index {input.index} "
        "--out {output.model} --history {output.history} > {log} 2>&1"


rule export:
    input:
        model="models",
        media=expand("build/media/{media}", media=["image", "text", "audio", "video"]),
        code=code("steps/export.py", "fgcross/embeddings.py", "fgcross/models", "fgcross/devices.py",
                  "fgcross/data/batches.py"),
    output:
        directory("exports"),
    params:
        export=config["export"],
    threads: workflow.cores
    log:
        "logs/export.log",
    conda:
        "../envs/torch.yaml"
    shell:
        "python -m steps.export --params params.yaml --quiet --model {input.model} --media build/media "
        "--out {output} > {log} 2>&1"


rule search_index:
    input:
        embeddings="exports",
        index="build/index",
        media=expand("build/media/{media}", media=["image", "text", "audio", "video"]),
        code=code("steps/search_index.py", "fgcross/search/gallery.py", "fgcross/media/preview.py",
                  "fgcross/media/kinds.py"),
    output:
        directory("build/search"),
    params:
        search=config["search"],
    log:
        "logs/search_index.log",
    conda:
        "../envs/torch.yaml"
    shell:
        "python -m steps.search_index --params params.yaml --quiet --exports {input.embeddings} "
        "--index {input.index} --media build/media --out {output} > {log} 2>&1"
