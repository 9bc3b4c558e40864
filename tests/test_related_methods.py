"""The related methods' losses on hand-computed cases, and each method training for real."""

from __future__ import annotations

import math

import pytest
import torch

from fgcross.config import params_digest
from fgcross.digests import TRAINING_SECTIONS
from fgcross.losses import (
    ModalityClassifier,
    adversarial_loss,
    cluster_cca_loss,
    cross_media_triplet_loss,
    reverse_gradient,
)
from fgcross.models.fgcrossnet import ModelConfig, build_model
from fgcross.models.saved import load_model
from fgcross.training.pipeline import train_model
from tests.conftest import override


def test_gradient_reversal_flips_and_scales_the_gradient():
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = reverse_gradient(x, 2.0)
    assert torch.equal(y, x)
    (y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert torch.equal(x.grad, torch.tensor([-2.0, -4.0, -6.0]))


def test_adversarial_loss_trains_the_classifier_and_reverses_for_the_features():
    torch.manual_seed(0)
    classifier = ModalityClassifier(4, 2, hidden=8)
    features = torch.randn(6, 4, requires_grad=True)
    media = torch.tensor([0, 0, 0, 1, 1, 1])
    loss, accuracy = adversarial_loss(classifier, features, media)
    expected = torch.nn.functional.cross_entropy(classifier.net(features), media)
    assert torch.allclose(loss, expected) and 0.0 <= accuracy.item() <= 1.0
    loss.backward()
    plain = features.detach().clone().requires_grad_(True)
    torch.nn.functional.cross_entropy(classifier.net(plain), media).backward()
    assert torch.allclose(features.grad, -plain.grad)  # the network is pushed the other way


def test_cross_media_triplet_loss_by_hand():
    # anchor A (media 0, class 0) at (1, 0); positive P (media 1, class 0) at (1, 0);
    # negative N (media 1, class 1) at (0, 1). Only A has a cross-media positive and negative:
    # one triplet, d(A, P) = 0, d(A, N) = sqrt(2).
    emb = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    labels, media = torch.tensor([0, 0, 1]), torch.tensor([0, 1, 1])
    assert cross_media_triplet_loss(emb, labels, media, margin=2.0).item() == pytest.approx(2 - math.sqrt(2), abs=1e-5)
    assert cross_media_triplet_loss(emb, labels, media, margin=0.5).item() == 0.0  # satisfied with room
    # a same-media positive is no triplet
    assert cross_media_triplet_loss(emb, labels, torch.tensor([0, 0, 0]), margin=2.0).item() == 0.0


def test_cluster_cca_loss_by_hand():
    # media a: values 1, 2, 3, 4 with classes 0, 0, 1, 1; media b: 0, 0, 10, 10 with the same classes.
    # a -> centres of b: targets 0, 0, 10, 10: correlation 2/sqrt(5). b -> centres of a
    # (1.5, 3.5): targets 1.5, 1.5, 3.5, 3.5: correlation 1. Loss: mean of 1 - each.
    emb = torch.tensor([[1.0], [2.0], [3.0], [4.0], [0.0], [0.0], [10.0], [10.0]])
    labels = torch.tensor([0, 0, 1, 1, 0, 0, 1, 1])
    media = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
    expected = ((1 - 2 / math.sqrt(5)) + 0.0) / 2
    assert cluster_cca_loss(emb, labels, media).item() == pytest.approx(expected, abs=1e-4)
    reversed_b = torch.tensor([[1.0], [2.0], [3.0], [4.0], [10.0], [10.0], [0.0], [0.0]])
    assert cluster_cca_loss(reversed_b, labels, media).item() == pytest.approx(2 - expected, abs=1e-4)
    assert cluster_cca_loss(emb[:4], labels[:4], media[:4]).item() == 0.0  # one media: nothing to correlate


def test_separate_backbones_share_only_the_head():
    shared = build_model(ModelConfig("resnet18", 5, 32, 16, "charcnn", shared=True, text_branch="paper"))
    separate = build_model(ModelConfig("resnet18", 5, 32, 16, "charcnn", shared=False, text_branch="paper"))
    assert shared.backbone is not None and len(separate.backbones) == 4 and separate.backbone is None
    image = torch.zeros(2, 3, 32, 32)
    out = separate({"image": image, "video": image + 1})
    assert out["image"].shape == (2, 5) and out["video"].shape == (2, 5)
    count = sum(p.numel() for p in separate.parameters()) - sum(p.numel() for p in shared.parameters())
    assert count == 3 * sum(p.numel() for p in shared.backbone.parameters())


@pytest.mark.parametrize("method", ["separate", "adversarial", "tnn-c-cca"])
def test_each_method_trains_saves_and_reloads(tmp_path, params, media_dir, index_dir, method):
    extra = {"separate": {"model": {"shared": False}},
             "adversarial": {"loss": {"adversarial_weight": 0.1}},
             "tnn-c-cca": {"loss": {"triplet_weight": 1.0, "cca_weight": 0.5}}}[method]
    history = train_model(override(params, extra), media_dir, index_dir, tmp_path / "m", progress=False,
                          state_dir=tmp_path / "s")
    columns = set(history[-1])
    if method == "adversarial":
        assert "loss_adversarial" in columns and 0.0 <= history[-1]["acc_modality"] <= 1.0
    if method == "tnn-c-cca":
        assert {"loss_triplet", "loss_cca"} <= columns and history[-1]["loss_cca"] >= 0
    model, config = load_model(tmp_path / "m")
    assert config["model"]["shared"] is (method != "separate")
    assert all(math.isfinite(row["loss_total"]) for row in history)


def test_training_digest_ignores_the_new_keys_at_their_neutral_values(params):
    from fgcross.digests import training_digest
    from fgcross.params import NEUTRAL_KEYS

    old = params.as_dict()
    for section, key in NEUTRAL_KEYS:  # the related methods' keys and the official code's options
        old[section].pop(key)
    # records made before these keys still match (the digest of the old, shorter params.yaml)
    assert params_digest({s: old[s] for s in TRAINING_SECTIONS}) == training_digest(params)
    assert training_digest(override(params, {"model": {"shared": False}})) != training_digest(params)
    assert training_digest(override(params, {"loss": {"cca_weight": 0.5}})) != training_digest(params)
    assert training_digest(override(params, {"train": {"sampler": "sequential"}})) != training_digest(params)
