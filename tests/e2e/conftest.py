"""A temporary copy of the repository (the files git would commit) with tiny params."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, write_tiny_params

GIT_ENV = {"GIT_AUTHOR_NAME": "fgcross-tests", "GIT_AUTHOR_EMAIL": "tests@fgcross.invalid",
           "GIT_COMMITTER_NAME": "fgcross-tests", "GIT_COMMITTER_EMAIL": "tests@fgcross.invalid"}


def run_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DVC_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env.update(GIT_ENV)
    return env


def sh(args: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    out = subprocess.run(args, cwd=cwd, env=run_env(), capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        logs = "".join(f"\n--- {p}\n{p.read_text()[-3000:]}" for p in sorted((cwd / "logs").glob("*.log"))) \
            if (cwd / "logs").exists() else ""
        raise AssertionError(f"{' '.join(args)} failed ({out.returncode}):\n{out.stdout[-4000:]}\n"
                             f"{out.stderr[-4000:]}{logs}")
    return out


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    dest = tmp_path / "repo"
    for rel in filter(None, files):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    write_tiny_params(dest / "params.yaml")
    return dest
