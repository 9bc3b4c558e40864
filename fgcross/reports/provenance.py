"""The provenance page: which code, params, packages and machine made these results."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import pandas as pd

from fgcross.machine import cpu_model

PACKAGES = ("fgcross", "torch", "torchvision", "numpy", "pandas", "scikit-learn", "librosa", "soundfile",
            "opencv-python-headless", "pillow", "matplotlib", "snakemake", "dvc", "mlflow", "papermill",
            "nbconvert", "faiss-cpu")


def changed_files(porcelain_z: str) -> list[str]:
    """The paths of `git status --porcelain -z`: one NUL-terminated entry per file, "XY PATH",
    where X or Y may be a space (" M plots/x.csv": modified, not staged). A rename or copy
    ("R  NEW") is followed by an entry holding its old path, which is skipped. Parsed entry by
    entry, never from stripped text, so the first path keeps its first letter; -z also keeps
    paths with spaces or non-ASCII letters unquoted."""
    entries, paths = porcelain_z.split("\0"), []
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        paths.append(entry[3:])
        if "R" in entry[:2] or "C" in entry[:2]:
            i += 1
    return paths


def git_state(root: str | Path = ".") -> dict[str, str]:
    """The commit checked out and whether the work tree differs from it (tracked files)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=20,
                              check=True).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        changed = changed_files(git("status", "--porcelain", "-z", "--untracked-files=no"))
        subject = git("log", "-1", "--format=%s").strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": "not a git checkout", "state": "", "subject": ""}
    return {"commit": commit, "state": "modified" if changed else "clean", "subject": subject,
            "changed files": ", ".join(changed[:20])}


def package_versions(names: tuple[str, ...] = PACKAGES) -> pd.DataFrame:
    rows = []
    for name in names:
        try:
            rows.append({"package": name, "version": metadata.version(name)})
        except metadata.PackageNotFoundError:
            rows.append({"package": name, "version": "not installed"})
    return pd.DataFrame(rows)


def machine() -> dict[str, str]:
    """OS, Python, CPU model and cores, memory, and the GPU torch sees (if any)."""
    info = {"platform": platform.platform(), "python": platform.python_version(),
            "processor": f"{cpu_model()} ({platform.machine()})", "cpu cores": str(os.cpu_count())}
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        info["memory"] = f"{pages * size / 2**30:.1f} GiB"
    except (ValueError, OSError, AttributeError):
        pass
    try:
        import torch

        info["cuda"] = (", ".join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))
                        if torch.cuda.is_available() else "none")
    except ImportError:
        info["cuda"] = "torch not installed"
    return info


def pipeline_run_id(tracking_uri: str, experiment: str, params_path: str | Path) -> str:
    """The MLflow pipeline run of the model these params train: found through its tags, as the
    stages find it (fgcross.tracking), since no run id is written into an output."""
    if not tracking_uri or not Path(params_path).exists():
        return ""
    from mlflow.tracking import MlflowClient

    from fgcross.config import load_params
    from fgcross.digests import training_digest

    client = MlflowClient(tracking_uri=tracking_uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return ""
    tags = f"tags.`fgcross.stage` = 'train' and tags.`fgcross.training` = '{training_digest(load_params(params_path))}'"
    runs = client.search_runs([exp.experiment_id], tags, max_results=1, order_by=["attributes.start_time DESC"])
    return runs[0].info.run_id if runs else ""
