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
            deps |= {str(p.relative_to(REPO)) for p in sorted(path.rglob("*.py"))} if is_code else {dep}
        outs = {next(iter(o)) if isinstance(o, dict) else o for key in ("outs", "metrics", "plots")
                for o in stage.get(key, [])}
        out[name] = {"cmd": " ".join(stage["cmd"].split()), "inputs": deps, "outputs": outs}
    return out


def test_same_stages(snakemake_jobs, dvc_stages):
    assert set(snakemake_jobs) - {"all"} == set(dvc_stages)


def test_same_commands(snakemake_jobs, dvc_stages):
    for name, stage in dvc_stages.items():
        assert snakemake_jobs[name]["cmd"] == stage["cmd"], name
        assert stage["cmd"].startswith(f"python -m steps.{name} --params params.yaml")


def test_same_inputs_and_outputs(snakemake_jobs, dvc_stages):
    for name, stage in dvc_stages.items():
        assert snakemake_jobs[name]["inputs"] == stage["inputs"], name
        assert snakemake_jobs[name]["outputs"] == stage["outputs"], name


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
