# Preparation: each media into compact arrays under build/media/<media>/.


rule frames:
    input:
        index="build/index",
        code=code("steps/frames.py", "steps/_prepare.py", "fgcross/media/video.py",
                  "fgcross/media/images.py", "fgcross/data/prepared.py"),
    output:
        directory("build/media/video"),
    params:
        frames=config["frames"],
    log:
        "logs/frames.log",
    conda:
        "../envs/data.yaml"
    shell:
        "python -m steps.frames --params params.yaml --quiet --index {input.index} --out {output} > {log} 2>&1"


rule spectrograms:
    input:
        index="build/index",
        code=code("steps/spectrograms.py", "steps/_prepare.py", "fgcross/media/audio.py",
                  "fgcross/media/images.py", "fgcross/data/prepared.py"),
    output:
        directory("build/media/audio"),
    params:
        spectrogram=config["spectrogram"],
    log:
        "logs/spectrograms.log",
    conda:
        "../envs/data.yaml"
    shell:
        "python -m steps.spectrograms --params params.yaml --quiet --index {input.index} --out {output} > {log} 2>&1"


rule text:
    input:
        index="build/index",
        code=code("steps/text.py", "steps/_prepare.py", "fgcross/media/text.py", "fgcross/data/prepared.py"),
    output:
        directory("build/media/text"),
    params:
        text=config["text"],
    log:
        "logs/text.log",
    conda:
        "../envs/data.yaml"
    shell:
        "python -m steps.text --params params.yaml --quiet --index {input.index} --out {output} > {log} 2>&1"


rule images:
    input:
        index="build/index",
        code=code("steps/images.py", "steps/_prepare.py", "fgcross/media/images.py", "fgcross/data/prepared.py"),
    output:
        directory("build/media/image"),
    params:
        images=config["images"],
    log:
        "logs/images.log",
    conda:
        "../envs/data.yaml"
    shell:
        "python -m steps.images --params params.yaml --quiet --index {input.index} --out {output} > {log} 2>&1"
