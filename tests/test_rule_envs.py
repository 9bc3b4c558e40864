"""Each rule environment (workflow/envs/*.yaml) is enough for its rules' stages.

Building a virtual environment with torch per test is far too heavy here, and conda cannot run.
The strongest cheap equivalent: the distributions a plain `pip install` of the env's pip list would
bring (the list and, through the installed metadata, everything it requires, at the versions of
constraints.txt, which the envs pin) are computed, linked into a folder of their own (their
packages and metadata, nothing else), and each of the env's stages runs for real on a tiny set with
`python -S` and that folder as the only site-packages: any other third-party import fails."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO, write_tiny_params


def closure(names: list[str]) -> set[str]:
    """The distributions installing `names` brings, from the installed metadata (extras not asked for left out)."""
    todo, seen = [(canonicalize_name(n), frozenset()) for n in names], set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue  # e.g. a platform-only requirement
        for line in requires:
            req = Requirement(line)
            envs = [{"extra": e} for e in extras] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in envs):
                todo.append((canonicalize_name(req.name), frozenset(req.extras)))
    return {name for name, _ in seen}


def env_dists(env: str) -> set[str]:
    spec = yaml.safe_load((REPO / "workflow/envs" / env).read_text())
    pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
    return closure([p.split("==")[0] for p in pip] + ["pip", "setuptools"])


def linked_site(dists: set[str], dest) -> str:
    """A site-packages holding only `dists`: a link to each top-level file or folder of their RECORDs."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in dists:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        for top in {f.parts[0] for f in dist.files or [] if f.parts and f.parts[0] != ".."}:
            source = dist.locate_file(top)
            if source.exists() and not (dest / top).exists():
                (dest / top).symlink_to(source)
    return str(dest)


def _stage(cwd, site, module, *args, check=True):
    env = {"PYTHONPATH": f"{REPO}{os.pathsep}{site}", "PATH": os.environ["PATH"], "HOME": str(cwd)}
    out = subprocess.run([sys.executable, "-S", "-m", module, "--params", "params.yaml", *args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0 or not check, f"{module}: {out.stderr[-3000:]}"
    return out


def test_a_linked_site_refuses_what_the_env_lacks(tmp_path):
    allowed = env_dists("data.yaml")
    assert "torch" not in allowed and {"librosa", "opencv-python-headless", "numpy"} <= allowed
    site = linked_site(allowed, tmp_path / "site")
    env = {"PYTHONPATH": site, "PATH": os.environ["PATH"]}
    probe = "import numpy, cv2, librosa\ntry:\n    import torch\nexcept ImportError:\n    print('no torch')"
    out = subprocess.run([sys.executable, "-S", "-c", probe], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "no torch", out.stderr[-2000:]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    work = tmp_path_factory.mktemp("rule_envs")
    write_tiny_params(work / "params.yaml", {"tracking": {"uri": f"sqlite:///{work}/mlflow.db"}})
    return work


def test_data_env_runs_the_data_stages(workdir):
    allowed = linked_site(env_dists("data.yaml"), workdir / "site-data")
    _stage(workdir, allowed, "steps.synthesize", "--quiet")
    _stage(workdir, allowed, "steps.index", "--quiet")
    for stage, media in (("images", "image"), ("text", "text"), ("spectrogram", "audio"), ("frames", "video")):
        _stage(workdir, allowed, f"steps.{stage}", "--quiet", "--processes", "1", "--out", f"build/media/{media}")
    assert all((workdir / "build/media" / m / "meta.json").exists() for m in ("image", "text", "audio", "video"))


def test_torch_env_runs_the_model_stages(workdir):
    if not (workdir / "build/media/video/meta.json").exists():
        pytest.skip("needs the data stages' outputs (test_data_env_runs_the_data_stages)")
    allowed = linked_site(env_dists("torch.yaml"), workdir / "site-torch")
    _stage(workdir, allowed, "steps.train", "--quiet")
    _stage(workdir, allowed, "steps.export", "--quiet")
    _stage(workdir, allowed, "steps.evaluate", "--quiet")
    _stage(workdir, allowed, "steps.search_index", "--quiet")
    assert json.loads((workdir / "metrics/eval.json").read_text())["bi_avg"] >= 0
