# fgcross: the whole pipeline as Snakemake rules. Same stages, commands, inputs and outputs as
# dvc.yaml (tests/test_workflows.py keeps the two in step); every step reads params.yaml.
#   snakemake --cores 8                # everything (add --use-conda for the per-rule envs)
#   snakemake --cores 8 -n             # what would run, and why
#   snakemake --profile workflow/profiles/slurm   # on a SLURM cluster
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "params.yaml"


validate(config, "workflow/schemas/params.schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/prepare.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/dvc.smk"


rule all:
    default_target: True
    input:
        "metrics/eval.json",
        "reports/html",
        "build/search",
