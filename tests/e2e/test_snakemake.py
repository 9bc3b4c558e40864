"""The whole pipeline through Snakemake on a tiny generated dataset, then nothing left to do."""

import json
import re

import pytest
import yaml
from mlflow.tracking import MlflowClient

from fgcross.media.stages import STAGES
from fgcross.params import store_info
from fgcross.reports.pages import PAGES
from fgcross.stage_times import latest_stage_times
from tests.browser import load_pages
from tests.e2e.conftest import sh

KEYS = {"i2t", "i2a", "i2v", "t2i", "t2a", "t2v", "a2i", "a2t", "a2v", "v2i", "v2t", "v2a", "bi_avg",
        "i2all", "t2all", "a2all", "v2all", "multi_avg"}


@pytest.mark.e2e
def test_snakemake_pipeline(repo_copy):
    sh(["snakemake", "--cores", "2"], repo_copy)
    # each preparation rule ran its own step (the rules are made in a loop: a late-bound name ran one step for all)
    params = yaml.safe_load((repo_copy / "params.yaml").read_text())
    for stage in STAGES.values():
        meta = json.loads((repo_copy / "build/media" / stage.media / "meta.json").read_text())
        # the section as the store records it: a key added since, at its neutral value, is left out
        assert meta["media"] == stage.media, stage.name
        assert meta["info"] == store_info(stage.section, params[stage.section]), stage.name
        assert f"[{stage.name}]" in (repo_copy / f"logs/{stage.name}.log").read_text()
    metrics = json.loads((repo_copy / "metrics/eval.json").read_text())
    assert set(metrics) == KEYS and all(0.0 <= v <= 1.0 for v in metrics.values())
    pages = sorted((repo_copy / "reports/html").glob("*.html"))
    assert [p.stem for p in pages] == sorted(["index", *(p.slug for p in PAGES if p.tracked)])
    pages += sorted((repo_copy / "reports/live").glob("*.html"))  # wall times, the machine, the MLflow runs
    assert len(pages) == len(PAGES) + 1
    loaded = load_pages([p.as_uri() for p in pages], repo_copy / "screenshots")
    for url, page in loaded.items():
        assert page.errors == [] and f"{metrics['bi_avg']:.3f}" in page.text, (url, page.errors)
    index_text = loaded[(repo_copy / "reports/html/index.html").as_uri()].text
    assert [k for k, v in metrics.items() if f"{v:.3f}" not in index_text] == []
    examples = (repo_copy / "reports/html/examples.html").read_text()
    assert "data:image/png;base64" in examples and "data:audio/wav;base64" in examples
    assert "Traceback" not in examples
    # the search index is built by the pipeline: a dataset video finds itself first
    video = (repo_copy / "data/generated/list/video/test.txt").read_text().split()[0]
    found = json.loads(sh(["fgcross", "search", f"data/generated/{video}", "--json", "-k", "3"], repo_copy).stdout)
    assert found["results"][0]["id"] == video and found["results"][0]["score"] == pytest.approx(1.0, abs=1e-4)
    times = latest_stage_times(repo_copy / "logs/stage_times.jsonl")
    assert {"index", "frames", "train", "report"} <= set(times["stage"])
    for split in ("train", "test"):
        for media in ("image", "text", "audio", "video"):
            assert (repo_copy / "exports" / split / f"{media}.npz").exists()

    client = MlflowClient(tracking_uri=f"sqlite:///{repo_copy}/mlflow.db")
    exp = client.get_experiment_by_name("fgcross")
    runs = client.search_runs([exp.experiment_id])
    # the data stages record their own runs; train opens the pipeline run that the later stages find by tags
    assert sorted(r.data.tags["fgcross.stage"] for r in runs) == sorted(
        ["synthesize", "index", "frames", "spectrogram", "text", "images", "train"])
    (run,) = [r for r in runs if r.data.tags["fgcross.stage"] == "train"]
    run_id = run.info.run_id
    assert not (repo_copy / "models/run.json").exists()
    assert run.data.metrics["map.bi_avg"] == pytest.approx(metrics["bi_avg"])
    assert run.data.params["loss.center_weight"] == "0.001"
    assert run.data.tags["fgcross.runner"] == "snakemake" and run.info.status == "FINISHED"
    assert {run.data.tags[f"fgcross.stage.{s}"] for s in ("train", "evaluate", "report")} == {"FINISHED"}
    assert run.inputs.dataset_inputs and run.data.tags["fgcross.registered_model"] == "models:/fgcross/1"
    artifacts = {a.path for a in client.list_artifacts(run_id, "model")}
    assert {"model/MLmodel", "model/artifacts"} <= artifacts
    assert any(a.path == "report/index.html" for a in client.list_artifacts(run_id, "report"))
    assert exp.artifact_location == (repo_copy / "mlartifacts" / "fgcross").as_uri()

    again = sh(["snakemake", "--cores", "2"], repo_copy)
    assert "Nothing to be done" in again.stdout + again.stderr

    # a frames param re-runs frames and what follows, not the spectrogram, text or images
    params = yaml.safe_load((repo_copy / "params.yaml").read_text())
    params["frames"]["per_video"] += 1
    (repo_copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    dry = sh(["snakemake", "-n", "--cores", "2"], repo_copy).stdout
    jobs = set(re.findall(r"^(\w+)\s+\d+$", dry.split("Job stats:")[1].split("Reasons:")[0], flags=re.M))
    assert jobs == {"frames_shard", "frames", "train", "export", "search_index", "evaluate", "report", "all", "total"}

    # the related methods end to end: separate backbones, adversarial training and
    # TNN-C-CCA's losses, all at once, through the same stages
    params["model"]["shared"] = False
    params["loss"].update({"adversarial_weight": 0.1, "triplet_weight": 1.0, "cca_weight": 0.5})
    (repo_copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    sh(["snakemake", "--cores", "2"], repo_copy)
    history = (repo_copy / "plots/train_history.csv").read_text().splitlines()[0].split(",")
    assert {"loss_adversarial", "loss_triplet", "loss_cca", "acc_modality"} <= set(history)
    assert json.loads((repo_copy / "models/config.json").read_text())["model"]["shared"] is False
    assert set(json.loads((repo_copy / "metrics/eval.json").read_text())) == KEYS
