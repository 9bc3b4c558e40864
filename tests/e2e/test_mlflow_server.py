"""Two stages logging at once to an MLflow server on PostgreSQL (workflow/cluster/local-mlflow.sh),
as jobs on a cluster do: both runs recorded, finished, with their stage tags. Root only (the
database cluster belongs to the postgres user; the script installs Debian's package if missing)."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml
from mlflow.tracking import MlflowClient

from tests.conftest import REPO
from tests.e2e.conftest import run_env, sh

SCRIPT = REPO / "workflow/cluster/local-mlflow.sh"

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(os.geteuid() != 0, reason="the database runs as postgres")]


@pytest.fixture
def server():
    folder = Path(tempfile.mkdtemp(prefix="fgcross-mlflow-", dir="/tmp"))  # pytest's tmp is private: postgres
    folder.chmod(0o755)  # must reach its data folder
    env = {**run_env(), "FGCROSS_MLFLOW_DIR": str(folder), "FGCROSS_MLFLOW_PORT": "5077"}
    subprocess.run([str(SCRIPT), "start"], env=env, check=True, timeout=600)
    yield "http://127.0.0.1:5077"
    subprocess.run([str(SCRIPT), "stop"], env=env, check=True, timeout=120)
    assert subprocess.run([str(SCRIPT), "status"], env=env, capture_output=True).returncode != 0
    shutil.rmtree(folder, ignore_errors=True)


def test_two_stages_at_once_log_to_the_server(server, repo_copy):
    params = yaml.safe_load((repo_copy / "params.yaml").read_text())
    params["tracking"]["uri"] = server
    (repo_copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    sh(["python", "-m", "steps.synthesize", "--quiet", "--out", "data/generated"], repo_copy)
    jobs = [subprocess.Popen(["python", "-m", "steps.index", "--quiet", "--out", f"build/index{n}"], cwd=repo_copy,
                             env=run_env()) for n in (1, 2)]
    assert [j.wait(timeout=600) for j in jobs] == [0, 0]
    client = MlflowClient(tracking_uri=server)
    runs = client.search_runs([client.get_experiment_by_name("fgcross").experiment_id])
    stages = sorted((r.data.tags["fgcross.stage"], r.info.status) for r in runs)
    assert stages == [("index", "FINISHED"), ("index", "FINISHED"), ("synthesize", "FINISHED")]
