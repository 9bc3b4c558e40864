# Preparation: each media into a store of WebDataset tar shards under build/media/<media>/.
# Each stage runs as prepare.shards jobs (`<stage>_shard`, in parallel with --cores N, or spread
# over a cluster), each writing its shard files in place (nothing is merged by copying) and a
# small part file recording them (temporary), and a finishing job writing the tables and
# meta.json, the file that marks the store complete and that later rules depend on. dvc.yaml
# runs each stage as one command with a process pool instead; the stores are byte-identical.
#
# The four stages differ only in the row of this table, so their rules are made by one loop.
# The shell commands take the stage from `params`, not from an f-string: Snakemake runs a
# rule's shell command as code evaluated when the job runs, when the loop variable holds the
# last stage (an f-string here ran `steps.images` for every stage while `-p` printed the right
# command; tests/test_workflows.py runs each preparation rule for real to catch that).
# A stage is named like its params section (fgcross/media/stages.py): the step is
# `steps.<stage>`, its params `config[<stage>]`.

PREPARATION = {  # stage -> (media, the library modules its converter calls besides the shared ones)
    "frames": ("video", ["fgcross/media/video.py", "fgcross/media/images.py", "fgcross/media/kinds.py"]),
    "spectrogram": ("audio", ["fgcross/media/audio.py", "fgcross/media/birdnet.py", "fgcross/media/images.py",
                              "fgcross/media/kinds.py"]),
    "text": ("text", ["fgcross/media/text.py", "fgcross/media/glyph.py"]),
    "images": ("image", ["fgcross/media/images.py"]),
}
PREPARATION_CODE = ["steps/_prepare.py", "fgcross/media/converters.py", "fgcross/media/stages.py"]
STORE_CODE = ["fgcross/data/prepared.py", "fgcross/data/store"]


for _stage, (_media, _modules) in PREPARATION.items():

    rule:
        name:
            f"{_stage}_shard"
        input:
            index="build/index",
            code=code(f"steps/{_stage}.py", *PREPARATION_CODE, *_modules, *STORE_CODE),
        output:
            temp(f"build/parts/{_media}/{{shard}}.json"),
        params:
            stage=_stage,
            section=config[_stage],
            store=config["prepare"],
            media=_media,
        wildcard_constraints:
            shard=r"\d+",
        benchmark:
            f"logs/benchmarks/{_stage}/{{shard}}.tsv"
        resources:
            **site_resources(f"{_stage}_shard", mem_mb=2000, runtime=60),
        log:
            f"logs/{_stage}/{{shard}}.log",
        conda:
            "../envs/data.yaml"
        shell:
            "python -m steps.{params.stage} --params params.yaml --index {input.index} "
            "--shard {wildcards.shard} --part {output} --out build/media/{params.media} > {log} 2>&1"

    rule:
        name:
            _stage
        input:
            index="build/index",
            parts=expand(f"build/parts/{_media}/{{shard}}.json", shard=range(SHARDS)),
        output:
            f"build/media/{_media}/meta.json",
        params:
            stage=_stage,
            media=_media,
        benchmark:
            f"logs/benchmarks/{_stage}.tsv"
        resources:
            **site_resources(_stage, mem_mb=2000, runtime=30),
        log:
            f"logs/{_stage}.log",
        conda:
            "../envs/data.yaml"
        shell:
            "python -m steps.{params.stage} --params params.yaml --index {input.index} --finish {input.parts} "
            "--out build/media/{params.media} > {log} 2>&1"
