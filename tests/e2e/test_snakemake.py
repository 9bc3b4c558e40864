"""The whole pipeline through Snakemake on a tiny generated dataset, then nothing left to do."""

import json
import re

import pytest
import yaml
from mlflow.tracking import MlflowClient

from tests.e2e.conftest import sh

KEYS = {"i2t", "i2a", "i2v", "t2i", "t2a", "t2v", "a2i", "a2t", "a2v", "v2i", "v2t", "v2a", "bi_avg",
        "i2all", "t2all", "a2all", "v2all", "multi_avg"}


@pytest.mark.e2e
def test_snakemake_pipeline(repo_copy):
    sh(["snakemake", "--cores", "2"], repo_copy)
    metrics = json.loads((repo_copy / "metrics/eval.json").read_text())
    assert set(metrics) == KEYS and all(0.0 <= v <= 1.0 for v in metrics.values())
    html = (repo_copy / "reports/html/index.html").read_text()
    assert f"{metrics['bi_avg']:.3f}" in html and f"{metrics['multi_avg']:.3f}" in html
    assert "data:image/png;base64" in html and "Traceback" not in html
    for split in ("train", "test"):
        for media in ("image", "text", "audio", "video"):
            assert (repo_copy / "exports" / split / f"{media}.npz").exists()

    client = MlflowClient(tracking_uri=f"sqlite:///{repo_copy}/mlflow.db")
    run_id = json.loads((repo_copy / "models/run.json").read_text())["run_id"]
    run = client.get_run(run_id)
    assert run.data.metrics["map.bi_avg"] == pytest.approx(metrics["bi_avg"])
    assert run.data.params["loss.center_weight"] == "0.001"
    artifacts = {a.path for a in client.list_artifacts(run_id, "model")}
    assert artifacts == {"model/model.pt", "model/config.json"}
    assert any(a.path == "report/index.html" for a in client.list_artifacts(run_id, "report"))
    exp = client.get_experiment_by_name("fgcross")
    stages = {r.data.tags["fgcross.stage"] for r in client.search_runs([exp.experiment_id])}
    assert stages == {"synthesize", "index", "frames", "spectrograms", "text", "images", "train"}
    pipelines = {r.data.tags["fgcross.pipeline"] for r in client.search_runs([exp.experiment_id])}
    assert len(pipelines) == 1

    again = sh(["snakemake", "--cores", "2"], repo_copy)
    assert "Nothing to be done" in again.stdout + again.stderr

    # a frames param re-runs frames and what follows, not the spectrograms, text or images
    params = yaml.safe_load((repo_copy / "params.yaml").read_text())
    params["frames"]["per_video"] += 1
    (repo_copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    dry = sh(["snakemake", "-n", "--cores", "2"], repo_copy).stdout
    jobs = set(re.findall(r"^(\w+)\s+\d+$", dry.split("Job stats:")[1].split("Reasons:")[0], flags=re.M))
    assert jobs == {"frames_shard", "frames", "train", "export", "evaluate", "report", "all", "total"}
