# Shared helpers of the rules.
import os

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


SITE_FILE = os.environ.get("FGCROSS_SITE", "")
"""A cluster's own values (account, partitions, its largest node, the sizes for PKU FG-XMedia):
a small YAML file named by FGCROSS_SITE (workflow/profiles/slurm/site.yaml shows the keys). They
go into each rule's own resources, so that --default-resources or --set-resources on the command
line add to them instead of replacing the profile's whole block."""
SITE = {}
if SITE_FILE:
    with open(SITE_FILE) as _handle:
        SITE = yaml.safe_load(_handle) or {}
    for _key in ("account", "partitions"):
        if _key not in SITE:
            raise ValueError(f"{SITE_FILE}: no {_key!r} (workflow/profiles/slurm/site.yaml shows the keys)")


def site_resources(rule, gpu=False, **sizes):
    """A rule's resources: its own sizes (for the embedded set), then the site's sizes for it, the
    site's account and partition, and cpus_per_task from its threads. A request larger than the
    site's largest node (`node:`) is refused here, naming the rule: SLURM would keep it PENDING
    for ever without a word."""
    own = {**sizes, **SITE.get("rules", {}).get(rule, {})}
    cpus = own.pop("cpus", None)
    if SITE:
        own["slurm_account"] = SITE["account"]
        own["slurm_partition"] = SITE["partitions"]["gpu" if gpu else "cpu"]
        own["cpus_per_task"] = cpus or 1
        node = SITE.get("node", {})
        for key, have in (("cpus_per_task", node.get("cpus")), ("mem_mb", node.get("mem_mb"))):
            if have is not None and own.get(key, 0) > have:
                raise ValueError(f"{SITE_FILE}: rule {rule} asks {key}={own[key]}, more than the largest node "
                                 f"has ({have}); lower rules.{rule} there or name a larger node")
    if gpu:
        own["gpu"] = 1
    return own


def site_threads(rule, default):
    """A rule's threads: the site's cpus for it; else `default` locally, 1 on a site (what
    site_resources asks SLURM for)."""
    return SITE.get("rules", {}).get(rule, {}).get("cpus", 1 if SITE else default)
