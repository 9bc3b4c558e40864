import multiprocessing as mp
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from fgcross.digests import data_digest
from fgcross.evaluation import Evaluation, tracked_metrics
from fgcross.params import TrackingParams
from fgcross.tracking import (
    find_pipeline_run,
    pipeline_run,
    project_root,
    stage_run,
    system_metrics,
    tracking_uri,
)
from tests.conftest import REPO, override, tiny_params


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


def client(root: Path) -> MlflowClient:
    return MlflowClient(tracking_uri=f"sqlite:///{root}/mlflow.db")


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("DVC_ROOT", "FGCROSS_RUNNER", "DVC_EXP_NAME"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_later_stages_find_the_pipeline_run_through_its_tags(project):
    params = tiny_params()
    with stage_run("train", params, log_all_params=True, data="d1") as tracker:
        run_id = tracker.run_id
    assert find_pipeline_run(params) == run_id == find_pipeline_run(params, data="d1")
    assert find_pipeline_run(params, data="other") is None
    assert find_pipeline_run(override(params, {"loss": {"center_weight": 0.5}})) is None  # another model
    with pipeline_run("evaluate", override(params, {"eval": {"chunk": 7}})) as tracker:  # eval params: same model
        tracker.log_metrics({"map.bi_avg": 0.5})
    run = client(project).get_run(run_id)
    assert run.data.metrics["map.bi_avg"] == 0.5 and run.data.params["loss.margin1"] == "1.0"
    assert run.data.tags["fgcross.stage.train"] == run.data.tags["fgcross.stage.evaluate"] == "FINISHED"
    assert run.info.status == "FINISHED" and run.data.tags["fgcross.data"] == "d1"


def test_standard_source_tags_and_the_runner(project, monkeypatch):
    subprocess.run(["git", "init", "-q"], check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x"],
                   check=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    monkeypatch.setenv("FGCROSS_RUNNER", "snakemake")
    with stage_run("train", tiny_params()) as tracker:
        pass
    tags = client(project).get_run(tracker.run_id).data.tags
    assert tags["mlflow.source.git.commit"] == commit and len(commit) == 40
    assert tags["mlflow.source.name"] == "steps.train" and tags["mlflow.source.type"] == "LOCAL"
    assert tags["fgcross.runner"] == "snakemake" and "fgcross.git_commit" not in tags
    monkeypatch.delenv("FGCROSS_RUNNER")
    monkeypatch.setenv("DVC_ROOT", str(project))
    with stage_run("train", tiny_params()) as tracker:
        pass
    assert client(project).get_run(tracker.run_id).data.tags["fgcross.runner"] == "dvc"


def test_a_stage_under_snakemake_says_so(tmp_path):
    """Snakemake exports nothing a job could tell it by: the runner is found among the stage's ancestors."""
    tool = tmp_path / "bin" / "snakemake"
    tool.parent.mkdir()
    tool.write_text(f"#!{sys.executable}\nimport subprocess, sys\nsys.exit(subprocess.call(sys.argv[1:]))\n")
    tool.chmod(0o755)
    code = "from fgcross.tracking import runner; print(runner())"
    env = {"PYTHONPATH": str(REPO), "PATH": os.environ["PATH"]}
    out = subprocess.run([str(tool), "bash", "-c", f"{sys.executable} -c '{code}'"], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "snakemake"
    direct = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert direct.stdout.strip() == "direct"


@pytest.mark.parametrize(("error", "status"), [(RuntimeError("boom"), "FAILED"), (KeyboardInterrupt(), "KILLED"),
                                               (SystemExit(2), "FAILED"), (SystemExit(0), "FINISHED")])
def test_runs_end_with_the_status_of_how_the_stage_ended(project, error, status):
    params = tiny_params()
    with pytest.raises(type(error)), stage_run("train", params) as tracker:
        raise error
    assert client(project).get_run(tracker.run_id).info.status == status
    with pytest.raises(type(error)), pipeline_run("evaluate", params):
        raise error
    run = client(project).get_run(tracker.run_id)
    assert run.info.status == status and run.data.tags["fgcross.stage.evaluate"] == status


STAGE = """
import sys, time
from fgcross.tracking import stage_run
from tests.conftest import tiny_params
with stage_run("train", tiny_params()) as tracker:
    print(tracker.run_id, flush=True)
    time.sleep(60)
"""


def _started_stage(project: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DVC_ROOT", None)
    proc = subprocess.Popen([sys.executable, "-c", STAGE], cwd=project, env=env, stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def test_sigterm_ends_the_run_killed(project):
    proc, run_id = _started_stage(project)
    assert client(project).get_run(run_id).info.status == "RUNNING"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) != 0
    run = client(project).get_run(run_id)
    assert run.info.status == "KILLED" and run.data.tags["fgcross.stage.train"] == "KILLED"


def test_a_run_left_running_by_sigkill_is_marked_killed_by_the_next_stage(project):
    proc, run_id = _started_stage(project)
    alive = client(project).get_run(run_id)
    proc.kill()
    proc.wait(timeout=60)
    assert client(project).get_run(run_id).info.status == "RUNNING"  # nobody could say otherwise
    with stage_run("evaluate", tiny_params()) as tracker:  # a run whose process lives is left alone
        assert client(project).get_run(tracker.run_id).info.status == "RUNNING"
    run = client(project).get_run(run_id)
    assert alive.info.status == "RUNNING" and run.info.status == "KILLED"
    assert "was gone" in run.data.tags["fgcross.ended_by"]


def test_artifacts_stay_inside_a_copied_project(tmp_path, monkeypatch):
    monkeypatch.delenv("DVC_ROOT", raising=False)
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    monkeypatch.chdir(first)
    (first / "note.txt").write_text("hello")
    with stage_run("train", tiny_params()) as tracker:
        tracker.log_artifact(first / "note.txt", "notes")
    old_run = tracker.run_id
    shutil.copytree(first, second)
    shutil.rmtree(first)  # the original is gone: every path must now point into the copy
    monkeypatch.chdir(second)
    with stage_run("train", tiny_params()) as tracker:
        tracker.log_artifact(second / "note.txt", "notes")
    c = client(second)
    exp = c.get_experiment_by_name("fgcross")
    assert exp.artifact_location == (second / "mlartifacts" / "fgcross").as_uri()
    for run_id in (old_run, tracker.run_id):
        assert c.get_run(run_id).info.artifact_uri.startswith((second / "mlartifacts").as_uri())
        local = c.download_artifacts(run_id, "notes/note.txt", str(tmp_path))
        assert Path(local).read_text() == "hello"


def test_the_prepared_data_is_the_runs_input(project, media_dir):
    digest = data_digest(media_dir)
    assert digest == data_digest(media_dir) and len(digest) == 16
    with stage_run("train", tiny_params(), data=digest) as tracker:
        tracker.log_input("prepared media", digest, str(media_dir))
    run = client(project).get_run(tracker.run_id)
    (dataset_input,) = run.inputs.dataset_inputs
    assert dataset_input.dataset.digest == digest == run.data.tags["fgcross.data"]
    assert {t.key: t.value for t in dataset_input.tags}["mlflow.data.context"] == "training"


def test_data_digest_follows_the_content(tmp_path):
    for name in ("image", "text"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "meta.json").write_text("{}")
        (tmp_path / name / "train.csv").write_text("id,label\na,0\n")
    before = data_digest(tmp_path)
    assert data_digest(tmp_path, ["image"]) != before
    (tmp_path / "image" / ".snakemake_timestamp").write_text("")  # Snakemake's marker: not data
    assert data_digest(tmp_path) == before
    (tmp_path / "text" / "train.csv").write_text("id,label\na,1\n")
    assert data_digest(tmp_path) != before


def test_system_metrics_are_logged_while_the_block_runs(project):
    with stage_run("train", tiny_params()) as tracker, system_metrics(tracker, interval=0.2):
        time.sleep(1.0)
    names = client(project).get_run(tracker.run_id).data.metrics
    assert any(k.startswith("system/cpu_utilization") for k in names), sorted(names)


def test_tracked_metric_names_are_each_figure_once():
    evaluation = Evaluation({"i2t": 0.5, "bi_avg": 0.5, "i2all": 0.7, "multi_avg": 0.7},
                            {"i2t": {"map": 0.5, "map@r": 0.4, "p@1": 1.0},
                             "i2all": {"map": 0.7, "p@1": 1.0}, "i2all-self": {"map": 0.6, "p@1": 0.9}}, None, {})
    names = tracked_metrics(evaluation)
    assert names == {"map.i2t": 0.5, "map.bi_avg": 0.5, "map.i2all": 0.7, "map.multi_avg": 0.7,
                     "map_at_r.i2t": 0.4, "p_at_1.i2t": 1.0, "p_at_1.i2all": 1.0, "map.i2all-self": 0.6,
                     "p_at_1.i2all-self": 0.9}
    assert not any(n.endswith(".map") for n in names)


def test_disabled_tracking_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    params = override(tiny_params(), {"tracking": {"enabled": False}})
    with stage_run("x", params) as tracker:
        tracker.log_metrics({"a": 1})
    assert not (tmp_path / "mlflow.db").exists()
