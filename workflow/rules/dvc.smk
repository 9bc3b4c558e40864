# One cache for both runners: after a complete successful run, record what Snakemake made in
# dvc.lock and DVC's cache (`dvc commit`), so that `dvc repro`, `dvc exp run` and `dvc status`
# take those outputs as their own and re-run only what a change affects (docs/tracking.md).
#
# Why a hook and not a note in the docs: a user who runs `snakemake` and then `dvc exp run -S ...`
# otherwise re-runs every stage (the outputs are "not in cache" for DVC, and on a fresh clone the
# committed dvc.lock was made with other params or on another CPU). Why only after a complete run:
# `dvc commit` records every stage's deps and outs as they are, which is right only when Snakemake
# has brought every stage up to date; after a run limited by targets, --until, --omit-from,
# --allowed-rules or --batch it prints the command instead. FGCROSS_DVC_COMMIT=0 turns it off.
import os
from pathlib import Path
import shutil
import subprocess

from snakemake.logging import logger


def _partial_run() -> str:
    """What limited this run to part of the DAG, or "" for a complete run."""
    dag = workflow.dag_settings
    limits = {"targets": set(dag.targets) - {"all"}, "--until": dag.until, "--omit-from": dag.omit_from,
              "--allowed-rules": dag.allowed_rules, "--batch": dag.batch}
    return ", ".join(name for name, value in limits.items() if value)


def share_with_dvc() -> None:
    if os.environ.get("FGCROSS_DVC_COMMIT", "1") == "0":
        return
    if not Path(".dvc").is_dir() or shutil.which("dvc") is None:
        logger.info("dvc: no DVC repository or no dvc command here; nothing recorded for DVC")
        return
    partial = _partial_run()
    if partial:
        logger.info(f"dvc: a partial run ({partial}): run `dvc commit <stage>` for the stages it brought up to date")
        return
    done = subprocess.run(["dvc", "commit", "--force", "--quiet"], capture_output=True, text=True)
    if done.returncode:
        logger.warning(f"dvc commit failed ({done.returncode}); DVC will re-run the stages: {done.stderr.strip()}")
    else:
        logger.info("dvc: outputs committed to dvc.lock and the DVC cache (dvc repro / dvc exp run reuse them)")


onsuccess:
    share_with_dvc()
