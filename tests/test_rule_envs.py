"""Each rule environment (workflow/envs/*.yaml) is enough for its rules' stages.

conda cannot run here, so each environment's pip list is installed, exactly as listed and with
constraints.txt, into a plain virtual environment of its own (`uv venv` + `uv pip install`: no
system site-packages, nothing of the test environment), and each of the env's stages runs for real
on a tiny set with that environment's python. The steps import fgcross from the working tree
(PYTHONPATH), as under `snakemake --use-conda`, which runs them from the repository root.

Why uv: the torch environment is about 5 GB of wheels (torch and its CUDA libraries). uv keeps
them unpacked in its cache and links them into each new environment, so a build with a warm cache
takes seconds (6 s measured for the torch environment, against minutes for pip); a cold cache
downloads once (87 s here). UV_CACHE_DIR moves the cache; CI may keep it between runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, write_tiny_params


def pip_list(env: str) -> list[str]:
    """The pip requirements of workflow/envs/<env>, as a conda user's environment installs them."""
    spec = yaml.safe_load((REPO / "workflow/envs" / env).read_text())
    return next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))


def uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found is None:
        pytest.fail("uv is not installed: pip install -c constraints.txt -e '.[test]'")
    return found


def build_venv(env: str, dest: Path) -> Path:
    """A plain virtual environment holding exactly the env's pip list (and what it requires); its python."""
    subprocess.run([uv(), "venv", "--quiet", "--python", sys.executable, str(dest)], check=True,
                   capture_output=True, text=True)
    python = dest / "bin" / "python"
    out = subprocess.run([uv(), "pip", "install", "--quiet", "--python", str(python), "-c",
                          str(REPO / "constraints.txt"), *pip_list(env)], capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, f"{env}: {out.stderr[-3000:]}"
    return python


def _stage(cwd, python, module, *args):
    env = {"PYTHONPATH": str(REPO), "PATH": f"{python.parent}{os.pathsep}{os.environ['PATH']}", "HOME": str(cwd),
           "OMP_NUM_THREADS": "1"}
    out = subprocess.run([str(python), "-m", module, "--params", "params.yaml", *args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, f"{module} in {python.parent.parent.name}: {out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    work = tmp_path_factory.mktemp("rule_envs")
    write_tiny_params(work / "params.yaml", {"tracking": {"uri": f"sqlite:///{work}/mlflow.db"}})
    return work


def test_data_env_runs_the_data_stages(workdir):
    python = build_venv("data.yaml", workdir / "venv-data")
    probe = "import numpy, cv2, librosa\ntry:\n    import torch\nexcept ImportError:\n    print('no torch')"
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
    assert out.stdout.strip() == "no torch", out.stderr[-2000:]  # a plain environment: only what it lists
    _stage(workdir, python, "steps.synthesize", "--quiet")
    _stage(workdir, python, "steps.index", "--quiet")
    for stage, media in (("images", "image"), ("text", "text"), ("spectrogram", "audio"), ("frames", "video")):
        _stage(workdir, python, f"steps.{stage}", "--quiet", "--processes", "1", "--out", f"build/media/{media}")
    assert all((workdir / "build/media" / m / "meta.json").exists() for m in ("image", "text", "audio", "video"))


def test_torch_env_runs_the_model_stages(workdir):
    if not (workdir / "build/media/video/meta.json").exists():
        pytest.skip("needs the data stages' outputs (test_data_env_runs_the_data_stages)")
    python = build_venv("torch.yaml", workdir / "venv-torch")
    _stage(workdir, python, "steps.train", "--quiet")
    _stage(workdir, python, "steps.export", "--quiet")
    _stage(workdir, python, "steps.evaluate", "--quiet")
    _stage(workdir, python, "steps.search_index", "--quiet")
    assert json.loads((workdir / "metrics/eval.json").read_text())["bi_avg"] >= 0
