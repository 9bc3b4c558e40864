"""benchmarks.gpu_check: the CPU mode announces every skipped check and runs the CPU steps;
the epochs it prices are the samplers' own; the lines measured on CUDA run here at a tiny size."""

import json
import math
import subprocess
import sys

import pytest
import torch

from benchmarks import gpu_check
from fgcross.config import load_params, with_overrides
from tests.conftest import REPO

SKIPPED = ["GPU names", "fp16 autocast + gradient scaler", "bf16 + channels_last + torch.compile",
           "DDP on every visible GPU through torchrun", "export images/s",
           *(f"{p} {what}" for p in gpu_check.PKU_PRESETS
             for what in ("training images/s", "loader cores per GPU", "hours per epoch"))]


@pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU mode is what runs without CUDA")
def test_cpu_mode_announces_the_skips_and_runs_the_cpu_steps(tmp_path):
    out = subprocess.run([sys.executable, "-m", "benchmarks.gpu_check", "--json", str(tmp_path / "gpu.json")],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert lines[0].startswith(f"torch {torch.__version__}; built for CUDA ")
    for what in SKIPPED:
        line = next((x for x in lines if x.strip().startswith(f"{what}")), None)
        assert line is not None and "skipped: needs CUDA" in line, (what, out.stdout)
    for name in ("fp32", "bf16 autocast", "bf16 + channels_last (training on CUDA)"):
        line = next(x for x in lines if x.strip().startswith(f"{name}: loss "))
        assert " finite; first step " in line and line.endswith(" ms/step")
    assert "pku_fgcrossnet: resnet50 at 448 px, sampler pk" in out.stdout
    assert lines[-1] == "gpu check: all run checks passed"
    results = json.loads((tmp_path / "gpu.json").read_text())
    assert sorted(results["steps"]) == ["bf16 + channels_last (training on CUDA)", "bf16 autocast", "fp32"]
    assert all(r["finite"] and r["step_s"] > 0 for r in results["steps"].values())
    assert [s for s in results["skipped"] if s.startswith("export")] and len(results["skipped"]) == len(SKIPPED)


def test_epochs_of_the_pku_presets_as_their_samplers_define_them():
    # pk: ceil(12,666 videos / (8 classes x 2)) steps of 64 samples; sequential: 4,000 texts / 4 per step
    assert gpu_check.epoch_size(gpu_check.preset("pku_fgcrossnet")) == (792, 792 * 64)
    assert gpu_check.epoch_size(gpu_check.preset("pku_official")) == (1000, 4 * 4000)


def test_a_sequential_epoch_ends_with_the_shortest_media_and_counts_its_short_batch():
    params = with_overrides(load_params(REPO / "params.yaml"), {
        "train.sampler": "sequential", "train.classes_per_batch": 2, "train.items_per_class": 2})
    # 4 per step: text runs out after 2 steps (7 items: 4 + 3); image gives 8 of its 10 by then
    assert gpu_check.epoch_size(params, {"image": 10, "text": 7}, classes=2) == (2, 8 + 7)


def test_the_cuda_measurements_run_at_a_tiny_size(monkeypatch, capsys):
    tiny = {"model.backbone": "resnet18", "model.input_size": 32, "images.size": 36, "frames.size": 36,
            "spectrogram.size": 36, "text.length": 48, "train.classes_per_batch": 2, "export.batch_size": 8}
    real = gpu_check.preset
    monkeypatch.setattr(gpu_check, "preset", lambda name: with_overrides(real(name), tiny))
    monkeypatch.setattr(gpu_check, "LOADER_STEPS", 2)
    report = gpu_check.Report()
    gpu_check.export_rate(report, torch.device("cpu"), measure=True, items=16)
    gpu_check.preset_rates(report, torch.device("cpu"), gpu_check.ON_CPU, measure=True)
    assert report.results["export"]["images_per_s"] > 0 and "skipped" not in report.results
    for name in gpu_check.PKU_PRESETS:
        row = report.results["presets"][name]
        assert row["train_images_per_s"] > 0 and row["loader_items_per_s_one_core"] > 0
        assert row["loader_cores"] == math.ceil(row["train_images_per_s"] / row["loader_items_per_s_one_core"])
        assert row["hours_per_epoch"] == pytest.approx(row["epoch_samples"] / row["train_images_per_s"] / 3600)
    printed = capsys.readouterr().out
    assert printed.count("  one epoch: ") == 2 and "loader core(s) per GPU (train.workers: 8)" in printed
