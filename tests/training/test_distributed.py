"""train.nproc: 2 CPU processes on gloo through torchrun, started by the train step itself."""

import json
import math
import os
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from fgcross.config import params_from_dict
from fgcross.models.saved import load_model
from fgcross.training.pipeline import train_model
from tests.conftest import REPO, merge


@pytest.fixture
def ddp_params(params, tmp_path):
    return merge(params.as_dict(), {"train": {"nproc": 2, "device": "cpu", "threads": 1, "stage1": {"epochs": 2},
                                    "stage2": {"epochs": 1}},
                          "tracking": {"uri": f"sqlite:///{tmp_path}/mlflow.db"}})


def _step(name, args, cwd):
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([sys.executable, "-m", f"steps.{name}", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_two_processes_train_export_and_evaluate(tmp_path, ddp_params, media_dir, index_dir):
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(ddp_params))
    common = ["--params", str(tmp_path / "params.yaml"), "--quiet"]
    out = _step("train", [*common, "--media", str(media_dir), "--index", str(index_dir), "--out",
                          str(tmp_path / "models"), "--history", str(tmp_path / "history.csv")], REPO)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "rank 1 of 2 (gloo)" in out.stderr
    model, config = load_model(tmp_path / "models")
    assert config["media"] == ["image", "text", "audio", "video"]
    history = pd.read_csv(tmp_path / "history.csv")
    assert len(history) == 3 and all(math.isfinite(v) for v in history["loss_total"])
    assert history.filter(like="acc_").stack().between(0, 1).all()

    # the two processes together see as many samples per epoch as one process does
    one = params_from_dict(merge(ddp_params, {"train": {"nproc": 1}}))
    single = train_model(one, media_dir, index_dir, tmp_path / "one", progress=False, state_dir=tmp_path / "state")
    batch = 4 * 2 * 4  # classes_per_batch x items_per_class x media
    assert single[0]["samples"] <= history["samples"].iloc[0] < single[0]["samples"] + 2 * batch  # rounded up

    assert _step("export", [*common, "--model", str(tmp_path / "models"), "--media", str(media_dir), "--out",
                            str(tmp_path / "exports")], REPO).returncode == 0
    ev = _step("evaluate", [*common, "--embeddings", str(tmp_path / "exports"), "--out",
                            str(tmp_path / "metrics" / "eval.json"), "--classes", str(index_dir / "classes.csv"),
                            "--plots", str(tmp_path / "plots")], REPO)
    assert ev.returncode == 0, ev.stderr[-3000:]
    metrics = json.loads((tmp_path / "metrics" / "eval.json").read_text())
    assert len(metrics) == 18 and all(0.0 <= v <= 1.0 for v in metrics.values())
    # one pipeline run: rank 0's train run, with the registered model, found again by evaluate through its tags
    from mlflow.tracking import MlflowClient

    (run,) = MlflowClient(ddp_params["tracking"]["uri"]).search_runs(["1"])
    assert run.data.metrics["map.bi_avg"] == pytest.approx(metrics["bi_avg"])
    assert run.data.tags["fgcross.stage.evaluate"] == "FINISHED" and run.data.tags["fgcross.registered_model"]
    assert not (tmp_path / "models" / "run.json").exists()


def test_launch_gives_each_process_its_threads(monkeypatch):
    from fgcross.training import distributed

    calls = []
    monkeypatch.setattr(distributed.subprocess, "run",
                        lambda cmd, env: calls.append((cmd, env)) or subprocess.CompletedProcess(cmd, 0))
    monkeypatch.setattr(distributed.torch, "get_num_threads", lambda: 8)
    assert distributed.launch(2, "steps.train", ["--quiet"]) == 0
    assert distributed.launch(2, "steps.train", ["--quiet"], threads=3) == 0
    assert [env["OMP_NUM_THREADS"] for _, env in calls] == ["4", "3"]  # shared cores, or train.threads each
    assert calls[0][0][-4:] == ["--nproc_per_node=2", "-m", "steps.train", "--quiet"]
