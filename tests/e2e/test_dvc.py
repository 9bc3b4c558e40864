"""The same pipeline through DVC: repro, then an experiment (in a temporary copy) that re-runs only
what depends on the changed param and still records its MLflow run in this repository."""

import csv
import io
import json
import re
import time

import pytest
import yaml
from mlflow.tracking import MlflowClient

from tests.e2e.conftest import sh


@pytest.mark.e2e
def test_dvc_repro_and_experiment(repo_copy):
    sh(["git", "init", "-q"], repo_copy)
    sh(["git", "add", "-A"], repo_copy)
    sh(["git", "commit", "-q", "-m", "tiny"], repo_copy)
    sh(["dvc", "repro"], repo_copy)
    base = json.loads((repo_copy / "metrics/eval.json").read_text())
    assert len(base) == 18
    sh(["git", "add", "-A"], repo_copy)
    sh(["git", "commit", "-q", "-m", "baseline"], repo_copy)

    # --temp runs in a copy under .dvc/tmp/exps: its MLflow run must still reach this repo's store
    out = sh(["dvc", "exp", "run", "--temp", "-S", "loss.center_weight=0.01"], repo_copy)
    ran = set(re.findall(r"Running stage '([a-z_]+)'", out.stdout + out.stderr))
    assert ran == {"train", "export", "search_index", "evaluate", "report"}
    client = MlflowClient(tracking_uri=f"sqlite:///{repo_copy}/mlflow.db")
    exp = client.get_experiment_by_name("fgcross")
    train_runs = client.search_runs([exp.experiment_id], "tags.`fgcross.stage` = 'train'")
    experiment_run = [r for r in train_runs if r.data.params["loss.center_weight"] == "0.01"]
    assert len(experiment_run) == 1 and "map.bi_avg" in experiment_run[0].data.metrics
    assert experiment_run[0].data.tags["fgcross.runner"] == "dvc" and experiment_run[0].data.tags["fgcross.dvc_exp"]

    rows = list(csv.DictReader(io.StringIO(sh(["dvc", "exp", "show", "--csv"], repo_copy).stdout)))
    assert {row["loss.center_weight"] for row in rows} >= {"0.001", "0.01"}
    experiment = next(row for row in rows if row["loss.center_weight"] == "0.01")
    assert 0.0 <= float(experiment["bi_avg"]) <= 1.0  # the experiment's metrics are recorded

    # the glyph text encoder end to end: only text and what follows re-run, not the other media
    out = sh(["dvc", "exp", "run", "--temp", "-S", "text.encoder=glyph"], repo_copy)
    ran = set(re.findall(r"Running stage '([a-z_]+)'", out.stdout + out.stderr))
    assert ran == {"text", "train", "export", "search_index", "evaluate", "report"}
    rows = list(csv.DictReader(io.StringIO(sh(["dvc", "exp", "show", "--csv"], repo_copy).stdout)))
    glyph = next(row for row in rows if row["text.encoder"] == "glyph")
    assert 0.0 <= float(glyph["t2i"]) <= 1.0 and 0.0 <= float(glyph["bi_avg"]) <= 1.0

    # the related methods (issue 9) as one experiment: separate backbones, adversarial, TNN-C-CCA
    out = sh(["dvc", "exp", "run", "--temp", "-S", "model.shared=false", "-S", "loss.adversarial_weight=0.1",
              "-S", "loss.triplet_weight=1.0", "-S", "loss.cca_weight=0.5"], repo_copy)
    ran = set(re.findall(r"Running stage '([a-z_]+)'", out.stdout + out.stderr))
    assert ran == {"train", "export", "search_index", "evaluate", "report"}
    rows = list(csv.DictReader(io.StringIO(sh(["dvc", "exp", "show", "--csv"], repo_copy).stdout)))
    methods = next(row for row in rows if row["model.shared"] == "False")
    assert methods["loss.cca_weight"] == "0.5" and 0.0 <= float(methods["bi_avg"]) <= 1.0


def _committed_repro(repo_copy):
    sh(["git", "init", "-q"], repo_copy)
    sh(["git", "add", "-A"], repo_copy)
    sh(["git", "commit", "-q", "-m", "tiny"], repo_copy)
    sh(["dvc", "repro"], repo_copy)
    sh(["git", "add", "-A"], repo_copy)
    sh(["git", "commit", "-q", "-m", "baseline"], repo_copy)


@pytest.mark.e2e
def test_a_forced_rerun_changes_no_tracked_file_and_shows_progress(repo_copy):
    """Same params, same code, same machine: every stage runs again and git sees no change. The stages
    are not called with --quiet, so `dvc repro` shows their progress."""
    _committed_repro(repo_copy)
    lock = yaml.safe_load((repo_copy / "dvc.lock").read_text())
    out = sh(["dvc", "repro", "--force"], repo_copy)
    changed = sh(["git", "status", "--porcelain"], repo_copy).stdout.split("\n")
    assert [line for line in changed if line and not line.endswith("dvc.lock")] == []
    again = yaml.safe_load((repo_copy / "dvc.lock").read_text())
    # the report shows the stages' wall times, and papermill stamps each executed notebook: only its hashes move
    assert {k: v for k, v in again["stages"].items() if k != "report"} == \
        {k: v for k, v in lock["stages"].items() if k != "report"}
    assert "--quiet" not in (repo_copy / "dvc.yaml").read_text()
    assert re.search(r"stage1 \d+/\d+", out.stdout + out.stderr)  # the training bar reached the output
    shown = sh(["dvc", "exp", "show", "--csv"], repo_copy).stdout
    header = next(csv.reader(io.StringIO(shown)))
    assert "bi_avg" in header and not any(h.endswith("map_at_r") or "modality_gap" in h for h in header)


@pytest.mark.e2e
def test_parallel_queued_experiments(repo_copy):
    _committed_repro(repo_copy)
    for weight in ("0.0", "0.1"):
        sh(["dvc", "exp", "run", "--queue", "-S", f"loss.center_weight={weight}"], repo_copy)
    sh(["dvc", "queue", "start", "-j", "2"], repo_copy)
    deadline = time.time() + 1800  # two workers: wait until neither is queued nor running
    while "Running" in (status := sh(["dvc", "queue", "status"], repo_copy).stdout) or "Queued" in status:
        assert time.time() < deadline, status
        time.sleep(10)
    assert "Failed" not in status, status
    rows = list(csv.DictReader(io.StringIO(sh(["dvc", "exp", "show", "--csv"], repo_copy).stdout)))
    done = {row["loss.center_weight"]: row for row in rows if row["Experiment"]}
    assert {"0.0", "0.1"} <= set(done) and all(0.0 <= float(done[w]["bi_avg"]) <= 1.0 for w in ("0.0", "0.1"))
    client = MlflowClient(tracking_uri=f"sqlite:///{repo_copy}/mlflow.db")
    runs = client.search_runs([client.get_experiment_by_name("fgcross").experiment_id])
    weights = {r.data.params["loss.center_weight"]: r for r in runs}
    assert {"0.0", "0.1"} <= set(weights)  # both queued runs reached this repository's store
    assert all(weights[w].data.tags["fgcross.stage.evaluate"] == "FINISHED" for w in ("0.0", "0.1"))
