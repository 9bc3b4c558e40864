"""One cache for both runners: what Snakemake made, DVC takes as its own, and the other
way round; and DVC's linked cache holds no second copy of the outputs."""

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.e2e.conftest import sh

DATA_STAGES = {"synthesize", "index", "frames", "spectrogram", "text", "images"}
OUTPUTS = ("data/generated", "build", "models", "exports", "reports/html", "reports/executed")


def _git_commit(repo, message):
    if not (repo / ".git").exists():
        sh(["git", "init", "-q"], repo)
    sh(["git", "add", "-A"], repo)
    sh(["git", "commit", "-q", "-m", message], repo)


def _ran(out) -> set[str]:
    return set(re.findall(r"Running stage '([a-z_]+)'", out.stdout + out.stderr))


def _outs(repo) -> dict[str, list]:
    """stage -> the hashes of its outs in dvc.lock."""
    lock = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]
    return {name: sorted((o["path"], o["md5"]) for o in stage.get("outs", [])) for name, stage in lock.items()}


def _bytes(paths) -> int:
    """Bytes on disk under `paths`, each inode counted once (as `du` counts hard links)."""
    seen, total = set(), 0
    for top in paths:
        for root, _, files in os.walk(top):
            for name in files:
                st = os.lstat(Path(root) / name)
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    total += st.st_blocks * 512
    return total


@pytest.mark.e2e
def test_snakemake_then_dvc_then_snakemake(repo_copy, tmp_path):
    """A fresh clone with the preset cran applied: `snakemake`, then an experiment with the preset
    mcsm (`dvc exp run $(fgcross preset mcsm --dvc-args)`) re-runs training and what follows and
    no data stage; a second fresh clone: `dvc repro`, then `snakemake` has nothing to do; the DVC
    cache adds under 10 % to the workspace. The two baselines that rank with a scorer
    of their own thus run, and are searched and reported, under both runners."""
    import shutil

    sh(["fgcross", "preset", "cran", "--apply"], repo_copy)
    other = tmp_path / "other"
    shutil.copytree(repo_copy, other)
    _git_commit(repo_copy, "tiny")
    _git_commit(other, "tiny")

    out = sh(["snakemake", "--cores", "2"], repo_copy)
    assert "outputs committed to dvc.lock" in out.stdout + out.stderr  # the onsuccess hook (workflow/rules/dvc.smk)
    assert (repo_copy / "build/index/.snakemake_timestamp").exists()  # Snakemake's marker, which .dvcignore hides
    status = sh(["dvc", "status"], repo_copy)
    assert "up to date" in status.stdout, status.stdout
    by_snakemake = _outs(repo_copy)
    assert json.loads((repo_copy / "models/config.json").read_text())["model"]["method"] == "cran"
    with np.load(repo_copy / "exports/test/audio.npz") as export:
        assert str(export["scorer"]) == "cran" and "item_relation" in export
    mcsm = sh(["fgcross", "preset", "mcsm", "--dvc-args"], repo_copy).stdout.split()
    out = sh(["dvc", "exp", "run", *mcsm], repo_copy)
    assert _ran(out) == {"train", "export", "search_index", "evaluate", "report"}, out.stdout[-3000:]
    assert json.loads((repo_copy / "models/config.json").read_text())["model"]["method"] == "mcsm"
    assert len(json.loads((repo_copy / "metrics/eval.json").read_text())) == 18

    out = sh(["dvc", "repro"], other)
    assert _ran(out) >= DATA_STAGES | {"train", "report"}
    by_dvc = _outs(other)  # the same bytes whichever runner wrote them: no marker, path, time or id inside
    assert {s: by_dvc[s] for s in DATA_STAGES} == {s: by_snakemake[s] for s in DATA_STAGES}
    dry = sh(["snakemake", "-n", "--cores", "2"], other)
    assert "Nothing to be done" in dry.stdout + dry.stderr, (dry.stdout + dry.stderr)[-3000:]

    # hard links (.dvc/config): the cache and the workspace share the bytes
    workspace = _bytes([other / p for p in OUTPUTS])
    both = _bytes([*(other / p for p in OUTPUTS), other / ".dvc/cache"])
    print(f"workspace {workspace / 1e6:.1f} MB, workspace + DVC cache {both / 1e6:.1f} MB "
          f"({both / workspace:.3f}x)")
    assert both <= 1.1 * workspace
    manifest = other / "build/index/manifest.csv"
    assert manifest.is_symlink() or os.lstat(manifest).st_nlink >= 2  # a link into the cache, not a copy
    assert not os.stat(manifest).st_mode & 0o222  # and read-only (DVC protects linked outputs)
