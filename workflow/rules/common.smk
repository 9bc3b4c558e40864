# Shared helpers of the rules.
import yaml

from fgcross import MEDIA  # the media kinds (fgcross.media.kinds): every media's store, never retyped here

PARAMS = "params.yaml"
SHARDS = config["prepare"]["shards"]

with open(PARAMS) as _handle:
    if yaml.safe_load(_handle) != {k: v for k, v in config.items()}:
        raise ValueError(
            "the Snakemake config differs from params.yaml: the steps read params.yaml, so change "
            "values there (or with `dvc exp run -S`) rather than with --config/--configfile"
        )


def code(*paths):
    """The code a stage's output depends on, as files (a folder stands for its .py files),
    so that editing a step or the library modules it calls re-runs the stage."""
    files = []
    for path in paths:
        if path.endswith(".py"):
            files.append(path)
        else:
            files.extend(sorted(str(p) for p in Path(path).rglob("*.py")))
    return files
