"""The Snakefile and dvc.yaml describe the same pipeline: stages, commands, inputs, outputs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


@pytest.fixture(scope="module")
def snakemake_jobs():
    """rule -> {cmd, inputs, outputs} from a forced dry run (what Snakemake would really run)."""
    out = subprocess.run(["snakemake", "-n", "-p", "--forceall", "--cores", "1"], cwd=REPO, env=ENV,
                         capture_output=True, text=True, check=True).stdout
    jobs = {}
    for block in out.split("\nrule ")[1:]:
        name = block.split(":", 1)[0]
        fields = dict(re.findall(r"^\s+(input|output): (.*)$", block, flags=re.M))
        cmd = re.search(r"^Shell command: (.*)$", block, flags=re.M)
        jobs[name] = {
            "cmd": re.sub(r"\s*>\s*logs/\S+ 2>&1$", "", cmd.group(1)).strip() if cmd else None,
            "inputs": set(fields.get("input", "").split(", ")) - {""},
            "outputs": set(fields.get("output", "").split(", ")) - {""},
        }
    return jobs


@pytest.fixture(scope="module")
def dvc_stages():
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    stages = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]
    out = {}
    for name, stage in stages.items():
        deps = set()
        for dep in stage["deps"]:
            dep = dep.replace("${data.root}", params["data"]["root"])
            path = REPO / dep
            is_code = path.is_dir() and (dep.startswith("fgcross") or dep.startswith("steps"))
            is_templates = path.is_dir() and dep == "reports/templates"
            if is_code or is_templates:  # Snakemake lists a folder's files (a folder's mtime misses edits)
                deps |= {str(p.relative_to(REPO)) for p in sorted(path.rglob("*.ipynb" if is_templates else "*.py"))}
            else:
                deps.add(dep)
        outs = {next(iter(o)) if isinstance(o, dict) else o for key in ("outs", "metrics", "plots")
                for o in stage.get(key, [])}
        out[name] = {"cmd": " ".join(stage["cmd"].split()), "inputs": deps, "outputs": outs}
    return out


SHARDED = {"images": "image", "frames": "video", "spectrogram": "audio", "text": "text"}


def as_one_command(jobs, name):
    """A sharded stage (Snakemake: `<name>_shard` jobs, then `<name>` merging them) as the one
    command, inputs and outputs that dvc.yaml runs with a process pool."""
    if name not in SHARDED:
        return jobs[name]
    media, shard, merge = SHARDED[name], jobs[f"{name}_shard"], jobs[name]
    n = re.search(r"--shard (\d+)", shard["cmd"]).group(1)
    assert merge["cmd"].startswith(f"python -m steps.{name} --params params.yaml --quiet --merge build/shards/")
    assert merge["inputs"] == {f"build/shards/{media}/{i}" for i in range(len(merge["inputs"]))}
    return {"cmd": shard["cmd"].replace(f"--shard {n} --out build/shards/{media}/{n}", f"--out build/media/{media}"),
            "inputs": shard["inputs"], "outputs": merge["outputs"]}


def test_same_stages(snakemake_jobs, dvc_stages):
    assert set(snakemake_jobs) - {"all"} == set(dvc_stages) | {f"{s}_shard" for s in SHARDED}


def test_same_commands(snakemake_jobs, dvc_stages):
    for name, stage in dvc_stages.items():
        assert as_one_command(snakemake_jobs, name)["cmd"] == stage["cmd"], name
        assert stage["cmd"].startswith(f"python -m steps.{name} --params params.yaml")


def test_same_inputs_and_outputs(snakemake_jobs, dvc_stages):
    for name, stage in dvc_stages.items():
        job = as_one_command(snakemake_jobs, name)
        assert job["inputs"] == stage["inputs"], name
        assert job["outputs"] == stage["outputs"], name


def test_shard_count_follows_params(snakemake_jobs):
    shards = yaml.safe_load((REPO / "params.yaml").read_text())["prepare"]["shards"]
    for name, media in SHARDED.items():
        assert snakemake_jobs[name]["inputs"] == {f"build/shards/{media}/{i}" for i in range(shards)}


def test_step_code_is_a_dependency(dvc_stages):
    for name, stage in dvc_stages.items():
        assert f"steps/{name}.py" in stage["inputs"]


def test_snakemake_lint_is_clean():
    out = subprocess.run(["snakemake", "--lint"], cwd=REPO, env=ENV, capture_output=True, text=True)
    assert out.returncode == 0 and "good condition" in out.stdout + out.stderr


def test_config_overrides_are_refused():
    out = subprocess.run(["snakemake", "-n", "--config", "loss={'center_weight': 0.5}"], cwd=REPO, env=ENV,
                         capture_output=True, text=True)
    assert out.returncode != 0 and "params.yaml" in out.stdout + out.stderr


def test_slurm_profile_parses_and_sizes_the_jobs():
    out = subprocess.run(["snakemake", "--profile", "workflow/profiles/slurm", "-n", "--forceall"], cwd=REPO,
                         env=ENV, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    assert "frames_shard" in log and re.search(r"slurm_partition=gpu.*slurm_extra=--gres=gpu:1", log)
