"""The same pipeline through DVC: repro, then an experiment (in a temporary copy) that re-runs only
what depends on the changed param and still records its MLflow run in this repository."""

import csv
import io
import json
import re

import pytest
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
