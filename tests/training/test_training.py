import json

import pytest
import torch

from fgcross.models.checkpoint import load_checkpoint
from fgcross.models.saved import load_model
from fgcross.training.pipeline import train_model
from tests.conftest import override


class Interrupted(Exception):
    pass


@pytest.fixture
def train_params(params):
    return override(params, {"train": {"stage1": {"epochs": 2}, "stage2": {"epochs": 1}}})


def _weights(folder):
    return load_checkpoint(folder / "model.pt")["model"]


def test_train_writes_a_loadable_model(tmp_path, train_params, media_dir, index_dir):
    history = train_model(train_params, media_dir, index_dir, tmp_path / "m", progress=False,
                          state_dir=tmp_path / "state")
    assert [row["stage"] for row in history] == ["stage1", "stage1", "stage2"]
    assert "loss_ranking" in history[-1] and "loss_ranking" not in history[0]
    assert {"acc_image", "acc_text", "acc_audio", "acc_video", "samples_per_s"} <= set(history[0])
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["media"] == ["image", "text", "audio", "video"] and len(config["classes"]) == 4
    model, _ = load_model(tmp_path / "m")
    assert not model.training
    assert not list((tmp_path / "state").glob("*.pt"))  # resume state removed once finished


def test_same_params_same_weights_and_resume_is_exact(tmp_path, train_params, media_dir, index_dir):
    train_model(train_params, media_dir, index_dir, tmp_path / "a", progress=False, state_dir=tmp_path / "sa")
    train_model(train_params, media_dir, index_dir, tmp_path / "b", progress=False, state_dir=tmp_path / "sb")
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert all(torch.equal(a[k], b[k]) for k in a)

    def stop_after_first(row):
        if row["epoch"] == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        train_model(train_params, media_dir, index_dir, tmp_path / "c", progress=False, state_dir=tmp_path / "sc",
                    on_epoch=stop_after_first)
    assert not (tmp_path / "c" / "model.pt").exists() and list((tmp_path / "sc").glob("*.pt"))
    history = train_model(train_params, media_dir, index_dir, tmp_path / "c", progress=False,
                          state_dir=tmp_path / "sc")
    assert [row["epoch"] for row in history] == [1, 2, 3]
    c = _weights(tmp_path / "c")
    assert all(torch.equal(a[k], c[k]) for k in a)


def test_zero_weights_skip_the_terms(tmp_path, train_params, media_dir, index_dir):
    params = override(train_params, {"loss": {"center_weight": 0.0, "ranking_weight": 0.0}})
    history = train_model(params, media_dir, index_dir, tmp_path / "m", progress=False, state_dir=tmp_path / "s")
    assert not any(k in row for row in history for k in ("loss_center", "loss_ranking"))


def test_compiled_network_trains(tmp_path, train_params, media_dir, index_dir):
    from fgcross.training.pipeline import setup_training

    run = setup_training(train_params, media_dir, index_dir, progress=False, state_dir=tmp_path / "s")
    plain = run.trainer
    compiled = type(plain)(plain.model, plain.objective, plain.batches, plain.stages[:1], plain.optim,
                           plain.device, tmp_path / "c.pt", progress=False, compile_backend="eager")
    assert isinstance(compiled.net, torch._dynamo.eval_frame.OptimizedModule)
    opt, _ = compiled._optimizer(compiled.stages[0])
    row = compiled._epoch(compiled.stages[0], 0, 0, opt)
    assert row["samples"] > 0 and row["loss_total"] == row["loss_total"]  # finite, not NaN


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_paths_train(tmp_path, train_params, media_dir, index_dir, precision):
    from fgcross.training.pipeline import setup_training

    params = override(train_params, {"train": {"precision": precision}})
    run = setup_training(params, media_dir, index_dir, progress=False, state_dir=tmp_path / "s")
    trainer = run.trainer
    assert trainer.amp and trainer.scaler.is_enabled() == (precision == "fp16")
    opt, _ = trainer._optimizer(trainer.stages[0])
    row = trainer._epoch(trainer.stages[0], 0, 0, opt)
    assert row["loss_total"] == row["loss_total"] and row["samples"] > 0


def test_the_official_options_train_and_stage2_draws_fresh_centres(tmp_path, train_params, media_dir, index_dir):
    from fgcross.losses import CenterLoss

    params = override(train_params, {
        "model": {"text_branch": "official"},
        "train": {"sampler": "sequential", "augment": False, "text_shifts": [0, 2, 4, 6, 8],
                  "stage2_centers": "fresh", "optimizer": "sgd", "weight_decay": 0.0,
                  "stage1": {"epochs": 1}, "stage2": {"epochs": 1, "lr": 1e-9}},
        "loss": {"center_init_std": 1.0}})
    history = train_model(params, media_dir, index_dir, tmp_path / "m", progress=False, state_dir=tmp_path / "s")
    assert [row["stage"] for row in history] == ["stage1", "stage2"]
    centres = load_checkpoint(tmp_path / "m" / "model.pt")["centers"]["centers"]
    fresh = CenterLoss(*centres.shape, 1.0)
    fresh.redraw(1.0, params.train.seed)
    assert torch.allclose(centres, fresh.centers.detach(), atol=1e-4)  # stage 2 (lr ~0) starts from them
    carried = override(params, {"train": {"stage2_centers": "carry"}})
    train_model(carried, media_dir, index_dir, tmp_path / "c", progress=False, state_dir=tmp_path / "sc")
    assert not torch.allclose(load_checkpoint(tmp_path / "c" / "model.pt")["centers"]["centers"], centres, atol=1e-2)


def test_throughput_is_logged_apart_from_the_tracked_history():
    """samples/s measures the machine: the tracked history leaves it out, the untracked log keeps it."""
    from fgcross.training.pipeline import history_frame, throughput_frame

    history = [{"epoch": 1, "stage": "stage1", "lr": 1e-3, "loss_total": 2.0, "samples_per_s": 120.5}]
    assert "samples_per_s" not in history_frame(history)
    assert throughput_frame(history).to_dict("records") == [{"epoch": 1, "stage": "stage1", "samples_per_s": 120.5}]


def test_steps_per_epoch_caps_every_epoch(tmp_path, train_params, media_dir, index_dir):
    """train.steps_per_epoch: N takes the sampler's first N steps of each epoch (a fixed amount of training
    whatever the data size), which the samples of each history row show."""
    full = train_model(train_params, media_dir, index_dir, tmp_path / "a", progress=False, state_dir=tmp_path / "sa")
    capped = train_model(override(train_params, {"train": {"steps_per_epoch": 1}}), media_dir, index_dir,
                         tmp_path / "b", progress=False, state_dir=tmp_path / "sb")
    per_step = train_params.train.classes_per_batch * train_params.train.items_per_class
    assert all(row["samples"] == per_step * len(train_params.data.media) for row in capped)
    assert all(row["samples"] > per_step * len(train_params.data.media) for row in full)
