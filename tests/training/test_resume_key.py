"""Resume only what was made from the same params, data, media and code."""

from __future__ import annotations

import json
import logging
import shutil

import pytest

from fgcross.training import resume_key as rk
from fgcross.training.pipeline import train_model
from tests.conftest import override


class Interrupted(Exception):
    pass


def _stop_at_epoch_2(row):
    if row["epoch"] == 2:
        raise Interrupted


def test_every_part_of_the_key_moves(tmp_path, index_dir, media_dir):
    index, media = tmp_path / "index", tmp_path / "media"
    shutil.copytree(index_dir, index)
    shutil.copytree(media_dir / "image", media / "image")
    key = rk.resume_key("p", index, media, ["image"])
    assert rk.mismatch(key, key) == [] and rk.mismatch(None, key) == ["params", "data", "media", "code"]
    manifest = (index / "manifest.csv").read_text()
    (index / "manifest.csv").write_text(manifest.replace(",0,", ",1,", 1))  # one label changed
    assert rk.mismatch(key, rk.resume_key("p", index, media, ["image"])) == ["data"]
    (index / "manifest.csv").write_text(manifest)
    meta = json.loads((media / "image" / "meta.json").read_text())  # one shard prepared anew (its sha256)
    meta["splits"]["train"]["shards"][0]["sha256"] = "0" * 64
    (media / "image" / "meta.json").write_text(json.dumps(meta))
    assert rk.mismatch(key, rk.resume_key("p", index, media, ["image"])) == ["media"]
    shutil.copyfile(media_dir / "image" / "meta.json", media / "image" / "meta.json")
    assert rk.mismatch(key, rk.resume_key("p", index, media, ["image"])) == []
    with open(media / "image" / "train-000000.tar", "ab") as f:  # a shard of another size
        f.write(b"\0" * 512)
    assert rk.mismatch(key, rk.resume_key("p", index, media, ["image"])) == ["media"]
    assert rk.mismatch(key, rk.resume_key("q", index, media, [])) == ["params", "media"]


@pytest.fixture
def train_params(params):
    return override(params, {"train": {"stage1": {"epochs": 2}, "stage2": {"epochs": 1}}})


def test_a_state_made_by_other_code_is_not_resumed(tmp_path, train_params, media_dir, index_dir, monkeypatch,
                                                    caplog):
    """Today's main resumed a state made by other code, or from other data or media."""
    with pytest.raises(Interrupted):
        train_model(train_params, media_dir, index_dir, tmp_path / "m", progress=False, state_dir=tmp_path / "s",
                    on_epoch=_stop_at_epoch_2)
    monkeypatch.setattr(rk, "code_digest", lambda: "edited")
    with caplog.at_level(logging.INFO, logger="fgcross.training.loop"):
        history = train_model(train_params, media_dir, index_dir, tmp_path / "m", progress=False,
                              state_dir=tmp_path / "s")
    assert "other code; starting afresh" in caplog.text and "resuming after" not in caplog.text
    assert [row["epoch"] for row in history] == [1, 2, 3]


def test_a_non_finite_loss_stops_training_naming_the_term_and_keeps_the_last_good_state(
        tmp_path, train_params, media_dir, index_dir, monkeypatch):
    """Today's main trained on through a NaN loss (and saved the NaN model)."""
    import torch

    from fgcross.errors import TrainingError
    from fgcross.models.checkpoint import load_checkpoint
    from fgcross.training.loop import Trainer

    real, epochs_done = Trainer._losses, []

    def poisoned(self, batch, stage):
        losses, inp = real(self, batch, stage)
        if epochs_done:  # from the second epoch on, the center term goes NaN
            losses = {**losses, "center": losses["center"] * torch.nan}
        return losses, inp

    monkeypatch.setattr(Trainer, "_losses", poisoned)
    with pytest.raises(TrainingError, match=r"stage1 epoch 2 step 1: loss term center = nan is not finite.*kept in"):
        train_model(train_params, media_dir, index_dir, tmp_path / "m", progress=False, state_dir=tmp_path / "s",
                    on_epoch=epochs_done.append)
    [state_file] = (tmp_path / "s").glob("*.pt")
    state = load_checkpoint(state_file)
    assert state["epoch"] == 1 and all(torch.isfinite(v).all() for v in state["model"].values())
    assert not (tmp_path / "m" / "model.pt").exists()
