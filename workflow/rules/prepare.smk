# Preparation: each media into compact arrays under build/media/<media>/.
# Each stage runs as prepare.shards jobs (`<stage>_shard`, in parallel with --cores N, or spread
# over a cluster), each writing one shard folder, and a merge job joining them in order. The shard
# folders are temporary: Snakemake deletes them once merged. dvc.yaml runs each stage as one
# command with a process pool instead; the outputs are byte-identical.


rule frames_shard:
    input:
        index="build/index",
        code=code("steps/frames.py", "steps/_prepare.py", "fgcross/media/converters.py", "fgcross/media/video.py", "fgcross/media/images.py", "fgcross/data/prepared.py"),
    output:
        temp(directory("build/shards/video/{shard}")),
    params:
        frames=config["frames"],
        shards=SHARDS,
    wildcard_constraints:
        shard=r"\d+",
    log:
        "logs/frames/{shard}.log",
    conda:
        "../envs/data.yaml"
    shell:
        "python -m steps.frames --params params.yaml --quiet --index {input.index} --shard {wildcards.shard} --out {output} > {log} 2>&1"


rule frames:
    input:
        shards=expand("build/shards/video/{shard}", shard=range(SHARDS)),
    output:
        directory("build/media/video"),
    log:
        "logs/frames.log",
    conda:
        "../envs/data.yaml"
    shell:
        "python -m steps.frames --params params.yaml --quiet --merge {input.shards} --out {output} > {log} 2>&1"


rule spectrograms_shard:
    input:
        index="build/index",
        code=code("steps/spectrograms.py", "steps/_prepare.py", "fgcross/media/converters.py", "fgcross/media/audio.py", "fgcross/media/images.py", "fgcross/data/prepared.py"),
    output:
        temp(directory("build/shards/audio/{shard}")),
    params:
        spectrogram=config["spectrogram"],
        shards=SHARDS,
    wildcard_constraints:
        shard=r"\d+",
    log:
        "logs/spectrograms/{shard}.log",
    conda:
        "../envs/data.yaml"
    shell:
        "python -m steps.spectrograms --params params.yaml --quiet --index {input.index} --shard {wildcards.shard} --out {output} > {log} 2>&1"


rule spectrograms:
    input:
        shards=expand("build/shards/audio/{shard}", shard=range(SHARDS)),
    output:
        directory("build/media/audio"),
    log:
        "logs/spectrograms.log",
    conda:
        "../envs/data.yaml"
    shell:
        "python -m steps.spectrograms --params params.yaml --quiet --merge {input.shards} --out {output} > {log} 2>&1"


rule text_shard:
    input:
        index="build/index",
        code=code("steps/text.py", "steps/_prepare.py", "fgcross/media/converters.py", "fgcross/media/text.py", "fgcross/media/glyph.py", "fgcross/data/prepared.py"),
    output:
        temp(directory("build/shards/text/{shard}")),
    params:
        text=config["text"],
        shards=SHARDS,
    wildcard_constraints:
        shard=r"\d+",
    log:
        "logs/text/{shard}.log",
    conda:
        "../envs/data.yaml"
    shell:
        "python -m steps.text --params params.yaml --quiet --index {input.index} --shard {wildcards.shard} --out {output} > {log} 2>&1"


rule text:
    input:
        shards=expand("build/shards/text/{shard}", shard=range(SHARDS)),
    output:
        directory("build/media/text"),
    log:
        "logs/text.log",
    conda:
        "../envs/data.yaml"
    shell:
        "python -m steps.text --params params.yaml --quiet --merge {input.shards} --out {output} > {log} 2>&1"


rule images_shard:
    input:
        index="build/index",
        code=code("steps/images.py", "steps/_prepare.py", "fgcross/media/converters.py", "fgcross/media/images.py", "fgcross/data/prepared.py"),
    output:
        temp(directory("build/shards/image/{shard}")),
    params:
        images=config["images"],
        shards=SHARDS,
    wildcard_constraints:
        shard=r"\d+",
    log:
        "logs/images/{shard}.log",
    conda:
        "../envs/data.yaml"
    shell:
        "python -m steps.images --params params.yaml --quiet --index {input.index} --shard {wildcards.shard} --out {output} > {log} 2>&1"


rule images:
    input:
        shards=expand("build/shards/image/{shard}", shard=range(SHARDS)),
    output:
        directory("build/media/image"),
    log:
        "logs/images.log",
    conda:
        "../envs/data.yaml"
    shell:
        "python -m steps.images --params params.yaml --quiet --merge {input.shards} --out {output} > {log} 2>&1"
