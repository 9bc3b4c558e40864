"""The Snakefile and dvc.yaml describe the same pipeline: stages, commands, inputs, outputs."""

import os
import re
import shutil
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
STORE_MARKER = re.compile(r"^(build/media/\w+)/meta\.json$")


def as_dvc_paths(paths):
    """Snakemake names a store by its meta.json (the file written last, that later rules wait
    for), DVC by its folder: the same output."""
    return {STORE_MARKER.sub(r"\1", p) for p in paths}


def as_one_command(jobs, name):
    """A sharded stage (Snakemake: `<name>_shard` jobs writing shard files in place, then
    `<name>` writing meta.json from their part files) as the one command, inputs and outputs
    that dvc.yaml runs with a process pool."""
    if name not in SHARDED:
        job = jobs[name]
        return {**job, "inputs": as_dvc_paths(job["inputs"]), "outputs": as_dvc_paths(job["outputs"])}
    media, shard, finish = SHARDED[name], jobs[f"{name}_shard"], jobs[name]
    n = re.search(r"--shard (\d+)", shard["cmd"]).group(1)
    assert shard["outputs"] == {f"build/parts/{media}/{n}.json"}
    assert finish["cmd"].startswith(f"python -m steps.{name} --params params.yaml --index build/index "
                                    f"--finish build/parts/{media}/")
    assert finish["cmd"].endswith(f"--out build/media/{media}")
    parts = finish["inputs"] - {"build/index"}
    assert parts == {f"build/parts/{media}/{i}.json" for i in range(len(parts))}
    return {"cmd": shard["cmd"].replace(f"--shard {n} --part build/parts/{media}/{n}.json ", ""),
            "inputs": shard["inputs"], "outputs": as_dvc_paths(finish["outputs"])}


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
        assert snakemake_jobs[name]["inputs"] == {f"build/parts/{media}/{i}.json" for i in range(shards)} | {
            "build/index"}


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
    """The site file's account, partitions and PKU sizes reach the jobs; a command-line
    --default-resources adds to them instead of replacing them."""
    site = {**ENV, "FGCROSS_SITE": "workflow/profiles/slurm/site.yaml"}
    out = subprocess.run(["snakemake", "--profile", "workflow/profiles/slurm", "-n", "--forceall",
                          "--default-resources", "slurm_qos=normal"], cwd=REPO, env=site, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    assert "frames_shard" in log and re.search(r"slurm_partition=gpu", log)
    train = log[log.index("rule train:"):][:3000]
    assert re.search(r"resources:.*\bgpu=1\b", train) and re.search(r"mem_mb=64000", train)  # the rule's gpu, the
    # site's size
    assert re.search(r"slurm_account=your_account", train) and re.search(r"cpus_per_task=8", train)


def test_a_job_larger_than_the_sites_largest_node_is_refused_naming_the_rule(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text("account: a\npartitions: {cpu: c, gpu: g}\nnode: {cpus: 4, mem_mb: 16000}\n"
                    "rules:\n  train: {cpus: 8}\n", encoding="utf-8")
    out = subprocess.run(["snakemake", "-n", "--forceall", "--cores", "2"], cwd=REPO,
                         env={**ENV, "FGCROSS_SITE": str(site)}, capture_output=True, text=True)
    assert out.returncode != 0
    assert "rule train asks cpus_per_task=8, more than the largest node has (4)" in out.stdout + out.stderr


def test_every_rule_has_a_benchmark_and_its_resources():
    """Without a profile: each job's memory and time, and a GPU for training and export, come from the rules."""
    out = subprocess.run(["snakemake", "-n", "--forceall", "--cores", "2"], cwd=REPO, env=ENV, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    blocks = re.split(r"\n(?=rule \w+:)", out.stdout + out.stderr)
    jobs = {re.match(r"rule (\w+):", b).group(1): b for b in blocks if re.match(r"rule \w+:", b)}
    jobs.pop("all")  # the default target: runs nothing
    assert {"synthesize", "index", "frames_shard", "frames", "train", "export", "evaluate", "report"} <= set(jobs)
    for name, block in jobs.items():
        assert re.search(r"benchmark: logs/benchmarks/", block), name
        resources = re.search(r"resources: (.*)", block).group(1)
        assert re.search(r"\bmem_mb=\d+", resources) and re.search(r"\bruntime=\d+", resources), (name, resources)
        assert ("gpu=1" in resources) == (name in ("train", "export")), (name, resources)
        if name in ("train", "export"):
            assert "threads: 2" in block  # every core given


def test_snakemake_report_builds(tmp_path):
    """`snakemake --report` on the workflow as committed (no run needed): the rules, their code and the DAG."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for rel in filter(None, files):
        if (REPO / rel).is_file():
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, tmp_path / rel)
    out = subprocess.run(["snakemake", "--report", "report.html"], cwd=tmp_path, env=ENV, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0 and "Report created" in out.stdout + out.stderr, out.stderr[-3000:]
    html = (tmp_path / "report.html").read_text(errors="replace")
    assert len(html) > 10_000 and "train" in html and "evaluate" in html
