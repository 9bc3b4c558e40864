"""The same pipeline through DVC: repro, then an experiment (in a temporary copy) that re-runs only
what depends on the changed param and still records its MLflow run in this repository."""

import csv
import io
import json
import re
import subprocess
import time

import pytest
from mlflow.tracking import MlflowClient

from tests.e2e.conftest import run_env, sh


def _committed_repro(repo_copy):
    sh(["git", "init", "-q"], repo_copy)
    sh(["git", "add", "-A"], repo_copy)
    sh(["git", "commit", "-q", "-m", "tiny"], repo_copy)
    sh(["dvc", "repro"], repo_copy)
    sh(["git", "add", "-A"], repo_copy)
    sh(["git", "commit", "-q", "-m", "baseline"], repo_copy)


def _ran(out) -> set[str]:
    return set(re.findall(r"Running stage '([a-z_]+)'", out.stdout + out.stderr))


def _rows(repo_copy) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(sh(["dvc", "exp", "show", "--csv"], repo_copy).stdout)))


@pytest.mark.e2e
def test_dvc_repro_rerun_and_experiments(repo_copy):
    """One repository through every DVC use the README shows (one test, so the tiny pipeline is built
    once: each repro costs minutes of CI): repro; a forced re-run that changes no tracked file (not even
    dvc.lock) and shows progress; experiments in temporary copies that re-run only what depends on the
    changed key and record their MLflow runs here; two queued experiments, the baselines CCL and CM-GANs
    from their presets, run in parallel."""
    _committed_repro(repo_copy)
    base = json.loads((repo_copy / "metrics/eval.json").read_text())
    assert len(base) == 18

    # same params, same code, same machine: every stage runs again and no tracked file changes, dvc.lock
    # included (goal: the wall times, the machine and the MLflow runs are on the live pages, and
    # the executed notebooks carry no papermill or kernel timestamps)
    lock = (repo_copy / "dvc.lock").read_text()
    out = sh(["dvc", "repro", "--force"], repo_copy)
    assert sh(["git", "status", "--porcelain"], repo_copy).stdout == ""
    assert (repo_copy / "dvc.lock").read_text() == lock
    assert (repo_copy / "reports/live/provenance.html").exists()  # rebuilt, untracked
    assert "--quiet" not in (repo_copy / "dvc.yaml").read_text()
    assert re.search(r"stage1 \d+/\d+", out.stdout + out.stderr)  # the training bar reached the output
    header = next(csv.reader(io.StringIO(sh(["dvc", "exp", "show", "--csv"], repo_copy).stdout)))
    assert "bi_avg" in header and not any(h.endswith("map_at_r") or "modality_gap" in h for h in header)

    # --temp runs in a copy under .dvc/tmp/exps: its MLflow run must still reach this repo's store
    out = sh(["dvc", "exp", "run", "--temp", "-S", "loss.center_weight=0.01"], repo_copy)
    assert _ran(out) == {"train", "export", "search_index", "evaluate", "report"}
    client = MlflowClient(tracking_uri=f"sqlite:///{repo_copy}/mlflow.db")
    exp = client.get_experiment_by_name("fgcross")
    runs = client.search_runs([exp.experiment_id])
    experiment_run = [r for r in runs if r.data.params.get("loss.center_weight") == "0.01"]
    assert len(experiment_run) == 1 and "map.bi_avg" in experiment_run[0].data.metrics
    assert experiment_run[0].data.tags["fgcross.runner"] == "dvc" and experiment_run[0].data.tags["fgcross.dvc_exp"]
    rows = _rows(repo_copy)
    assert {row["loss.center_weight"] for row in rows} >= {"0.001", "0.01"}
    experiment = next(row for row in rows if row["loss.center_weight"] == "0.01")
    assert 0.0 <= float(experiment["bi_avg"]) <= 1.0  # the experiment's metrics are recorded

    # the glyph text encoder end to end: only text and what follows re-run, not the other media
    out = sh(["dvc", "exp", "run", "--temp", "-S", "text.encoder=glyph"], repo_copy)
    assert _ran(out) == {"text", "train", "export", "search_index", "evaluate", "report"}
    glyph = next(row for row in _rows(repo_copy) if row["text.encoder"] == "glyph")
    assert 0.0 <= float(glyph["t2i"]) <= 1.0 and 0.0 <= float(glyph["bi_avg"]) <= 1.0

    # two queued experiments in parallel, each a baseline from its preset: CCL and CM-GANs
    # (whose discriminators train in alternate steps)
    for method in ("ccl", "cm_gans"):
        sh(["dvc", "exp", "run", "--queue", *sh(["fgcross", "preset", method, "--dvc-args"], repo_copy).stdout.split()],
           repo_copy)
    # the workers DVC spawns keep the streams they inherit open until the queue drains: a pipe would
    # block this call until then, so the output goes to a file
    with (repo_copy.parent / "queue-start.log").open("w+") as log:
        subprocess.run(["dvc", "queue", "start", "-j", "2"], cwd=repo_copy, env=run_env(), stdout=log,
                       stderr=subprocess.STDOUT, timeout=120, check=True)
    deadline = time.time() + 1800  # two workers: wait until neither is queued nor running
    while "Running" in (status := sh(["dvc", "queue", "status"], repo_copy).stdout) or "Queued" in status:
        assert time.time() < deadline, status
        time.sleep(10)
    assert "Failed" not in status, status
    rows = _rows(repo_copy)
    queued_rows = {row["model.method"]: row for row in rows
                   if row["Experiment"] and row["model.method"] != "fgcrossnet"}
    assert set(queued_rows) == {"ccl", "cm_gans"} and queued_rows["cm_gans"]["loss.gan_weight"] == "0.1"
    assert all(0.0 <= float(row["bi_avg"]) <= 1.0 for row in queued_rows.values())
    runs = client.search_runs([exp.experiment_id])
    queued = [r for r in runs if r.data.params.get("model.method") in ("ccl", "cm_gans")]
    assert len(queued) == 2  # both queued runs reached this repository's store
    assert all(r.data.tags["fgcross.stage.evaluate"] == "FINISHED" for r in queued)
