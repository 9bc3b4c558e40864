# Training and embedding export. Both take every core given with --cores: Snakemake sets
# OMP_NUM_THREADS to a rule's threads (1 by default), which would run torch on one core
# (half the speed on 2 cores, and other floating-point sums than under DVC).


rule train:
    input:
        index="build/index",
        media=expand("build/media/{media}/meta.json", media=MEDIA),
        code=code("steps/train.py", "fgcross/training", "fgcross/models", "fgcross/scoring.py", "fgcross/losses",
                  "fgcross/devices.py", "fgcross/data/batches.py", "fgcross/media/stages.py"),
    output:
        model=directory("models"),
        history="plots/train_history.csv",
    params:
        model=config["model"],
        train=config["train"],
        loss=config["loss"],
        media=config["data"]["media"],
    threads: site_threads("train", 1024)  # every core given: Snakemake lowers a rule's threads to --cores (and --report needs no --cores)
    benchmark:
        "logs/benchmarks/train.tsv"
    resources:
        **site_resources("train", gpu=True, mem_mb=8000, runtime=120),
    log:
        "logs/train.log",
    conda:
        "../envs/torch.yaml"
    shell:
        "python -m steps.train --params params.yaml --media build/media --index {input.index} "
        "--out {output.model} --history {output.history} > {log} 2>&1"


rule export:
    input:
        model="models",
        media=expand("build/media/{media}/meta.json", media=MEDIA),
        code=code("steps/export.py", "fgcross/embeddings.py", "fgcross/models", "fgcross/scoring.py",
                  "fgcross/devices.py", "fgcross/data/batches.py"),
    output:
        directory("exports"),
    params:
        export=config["export"],
    threads: site_threads("export", 1024)  # every core given: Snakemake lowers a rule's threads to --cores (and --report needs no --cores)
    benchmark:
        "logs/benchmarks/export.tsv"
    resources:
        **site_resources("export", gpu=True, mem_mb=8000, runtime=60),
    log:
        "logs/export.log",
    conda:
        "../envs/torch.yaml"
    shell:
        "python -m steps.export --params params.yaml --model {input.model} --media build/media "
        "--out {output} > {log} 2>&1"


rule search_index:
    input:
        embeddings="exports",
        index="build/index",
        media=expand("build/media/{media}/meta.json", media=MEDIA),
        code=code("steps/search_index.py", "fgcross/search/gallery.py", "fgcross/media/preview.py",
                  "fgcross/media/kinds.py"),
    output:
        directory("build/search"),
    params:
        search=config["search"],
    benchmark:
        "logs/benchmarks/search_index.tsv"
    resources:
        **site_resources("search_index", mem_mb=4000, runtime=30),
    log:
        "logs/search_index.log",
    conda:
        "../envs/torch.yaml"
    shell:
        "python -m steps.search_index --params params.yaml --exports {input.embeddings} "
        "--index {input.index} --media build/media --out {output} > {log} 2>&1"
