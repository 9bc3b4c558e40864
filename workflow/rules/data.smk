# The dataset: generate the embedded one, then validate the lists into a manifest.


rule synthesize:
    input:
        code("steps/synthesize.py", "fgcross/data/synthetic", "fgcross/data/taxonomy.py"),
    output:
        directory("data/generated"),
    params:
        synthetic=config["synthetic"],
        source=config["data"]["source"],
    benchmark:
        "logs/benchmarks/synthesize.tsv"
    resources:
        **site_resources("synthesize", mem_mb=2000, runtime=30),
    log:
        "logs/synthesize.log",
    conda:
        "../envs/data.yaml"
    shell:
        "python -m steps.synthesize --params params.yaml --out {output} > {log} 2>&1"


rule index:
    input:
        root=config["data"]["root"],
        code=code("steps/index.py", "fgcross/data/manifest.py", "fgcross/data/layout.py", "fgcross/data/probe.py",
                  "fgcross/data/index_files.py", "fgcross/data/taxonomy.py", "fgcross/media/kinds.py"),
    output:
        directory("build/index"),
    params:
        data=config["data"],
    benchmark:
        "logs/benchmarks/index.tsv"
    resources:
        **site_resources("index", mem_mb=2000, runtime=30),
    log:
        "logs/index.log",
    conda:
        "../envs/data.yaml"
    shell:
        "python -m steps.index --params params.yaml --out {output} > {log} 2>&1"
