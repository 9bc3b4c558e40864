import multiprocessing as mp
from pathlib import Path

from mlflow.tracking import MlflowClient

from fgcross.params import TrackingParams
from fgcross.tracking import project_root, resume_run, stage_run, tracking_uri
from tests.conftest import override, tiny_params


def test_project_root_maps_dvc_temp_copies_back_to_the_repo(tmp_path):
    assert project_root({"DVC_ROOT": "/work/repo"}) == Path("/work/repo")
    assert project_root({"DVC_ROOT": "/work/repo/.dvc/tmp/exps/tmpab12cd"}) == Path("/work/repo")
    assert project_root({}, cwd=tmp_path) == tmp_path.resolve()


def test_default_uri_is_sqlite_at_the_root_by_absolute_path(tmp_path):
    assert tracking_uri(TrackingParams(True, "", "fgcross"), tmp_path) == f"sqlite:///{tmp_path}/mlflow.db"
    assert tracking_uri(TrackingParams(True, "http://server:5000", "fgcross"), tmp_path) == "http://server:5000"


def _log_one(args):
    root, stage = args
    import os

    os.chdir(root)
    params = tiny_params()
    with stage_run(stage, params) as tracker:
        tracker.log_metrics({"value": 1.0})
    return tracker.run_id


def test_parallel_stages_lose_no_run(tmp_path, monkeypatch):
    monkeypatch.delenv("DVC_ROOT", raising=False)
    with mp.get_context("spawn").Pool(4) as pool:
        ids = pool.map(_log_one, [(str(tmp_path), f"stage{i}") for i in range(8)])
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    exp = client.get_experiment_by_name("fgcross")
    runs = client.search_runs([exp.experiment_id])
    assert sorted(r.info.run_id for r in runs) == sorted(ids)
    assert {r.data.tags["fgcross.pipeline"] for r in runs} == {runs[0].data.tags["fgcross.pipeline"]}
    assert all(r.info.status == "FINISHED" and r.data.metrics["value"] == 1.0 for r in runs)


def test_later_stages_add_to_the_train_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DVC_ROOT", raising=False)
    params = tiny_params()
    with stage_run("train", params, log_all_params=True) as tracker:
        run_id = tracker.run_id
    with resume_run(run_id, params) as tracker:
        tracker.log_metrics({"map.bi_avg": 0.5})
    run = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db").get_run(run_id)
    assert run.data.metrics["map.bi_avg"] == 0.5 and run.data.params["loss.margin1"] == "1.0"


def test_disabled_tracking_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    params = override(tiny_params(), {"tracking": {"enabled": False}})
    with stage_run("x", params) as tracker:
        tracker.log_metrics({"a": 1})
    assert not (tmp_path / "mlflow.db").exists()
