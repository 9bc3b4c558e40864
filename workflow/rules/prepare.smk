# Preparation: each media into compact arrays under build/media/<media>/.
# Each stage runs as prepare.shards jobs (`<stage>_shard`, in parallel with --cores N, or spread
# over a cluster), each writing one shard folder, and a merge job joining them in order. The shard
# folders are temporary: Snakemake deletes them once merged. dvc.yaml runs each stage as one
# command with a process pool instead; the outputs are byte-identical.
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
    "spectrogram": ("audio", ["fgcross/media/audio.py", "fgcross/media/images.py", "fgcross/media/kinds.py"]),
    "text": ("text", ["fgcross/media/text.py", "fgcross/media/glyph.py"]),
    "images": ("image", ["fgcross/media/images.py"]),
}
PREPARATION_CODE = ["steps/_prepare.py", "fgcross/media/converters.py", "fgcross/media/stages.py"]


for _stage, (_media, _modules) in PREPARATION.items():

    rule:
        name:
            f"{_stage}_shard"
        input:
            index="build/index",
            code=code(f"steps/{_stage}.py", *PREPARATION_CODE, *_modules, "fgcross/data/prepared.py"),
        output:
            temp(directory(f"build/shards/{_media}/{{shard}}")),
        params:
            stage=_stage,
            section=config[_stage],
            shards=SHARDS,
        wildcard_constraints:
            shard=r"\d+",
        benchmark:
            f"logs/benchmarks/{_stage}/{{shard}}.tsv"
        resources:
            mem_mb=2000,
            runtime=60,
        log:
            f"logs/{_stage}/{{shard}}.log",
        conda:
            "../envs/data.yaml"
        shell:
            "python -m steps.{params.stage} --params params.yaml --index {input.index} "
            "--shard {wildcards.shard} --out {output} > {log} 2>&1"

    rule:
        name:
            _stage
        input:
            shards=expand(f"build/shards/{_media}/{{shard}}", shard=range(SHARDS)),
        output:
            directory(f"build/media/{_media}"),
        params:
            stage=_stage,
        benchmark:
            f"logs/benchmarks/{_stage}.tsv"
        resources:
            mem_mb=2000,
            runtime=30,
        log:
            f"logs/{_stage}.log",
        conda:
            "../envs/data.yaml"
        shell:
            "python -m steps.{params.stage} --params params.yaml --merge {input.shards} --out {output} "
            "> {log} 2>&1"
