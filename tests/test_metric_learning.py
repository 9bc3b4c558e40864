"""pytorch-metric-learning's losses as objective terms: built by weight, computed by the
library on the common representation, proxies trained at their own rate and kept in the checkpoint."""

from __future__ import annotations

import pytest
import torch
from pytorch_metric_learning import losses

from fgcross.losses import ObjectiveInput, build_objective
from fgcross.losses.metric_learning import PROXY_LR_SCALE, build_metric_loss
from tests.test_objective import CLASSES, CODES, MEDIA, WIDTH, loss_params, tiny_batch

OFF = {"center_weight": 0.0, "ranking_weight": 0.0, "adversarial_weight": 0.0, "triplet_weight": 0.0,
       "cca_weight": 0.0}


def metric_params(**weights: float):
    base = {"supcon_weight": 0.0, "supcon_temperature": 0.1, "proxy_anchor_weight": 0.0,
            "multi_similarity_weight": 0.0}
    return loss_params(**{**OFF, **base, **weights})


def test_terms_follow_the_fgcrossnet_terms_in_a_fixed_order():
    params = loss_params(supcon_weight=1.0, supcon_temperature=0.1, proxy_anchor_weight=0.5,
                         multi_similarity_weight=0.2)
    objective = build_objective(params, CLASSES, WIDTH, len(MEDIA))
    assert list(objective.terms)[-3:] == ["supcon", "proxy_anchor", "multi_similarity"]
    assert list(objective.checkpoint_state()) == ["centers", "modality", "proxies"]


def test_each_term_is_the_librarys_loss_on_every_media_together():
    logits, labels, _ = tiny_batch()
    inp = ObjectiveInput.build(logits, labels, CODES)
    expected = {"supcon": losses.SupConLoss(temperature=0.1)(inp.every, inp.every_labels),
                "multi_similarity": losses.MultiSimilarityLoss(2, 50, 0.5)(inp.every, inp.every_labels)}
    for name, value in expected.items():
        objective = build_objective(metric_params(**{f"{name}_weight": 2.0}), CLASSES, WIDTH, len(MEDIA))
        parts = objective(inp)
        assert torch.allclose(parts[name], 2.0 * value)
        assert torch.allclose(parts["total"], parts["ce"] + parts[name])
        assert value.item() > 0  # random logits: far from the minimum


def test_supcon_is_lower_when_media_agree_on_the_class():
    labels = {m: torch.arange(6) % 3 for m in MEDIA}
    agree = {m: 5.0 * torch.nn.functional.one_hot(labels[m], CLASSES).float() for m in MEDIA}
    g = torch.Generator().manual_seed(1)
    scattered = {m: torch.randn(6, CLASSES, generator=g) for m in MEDIA}
    objective = build_objective(metric_params(supcon_weight=1.0), CLASSES, WIDTH, len(MEDIA))
    good = objective(ObjectiveInput.build(agree, labels, CODES))["supcon"]
    bad = objective(ObjectiveInput.build(scattered, labels, CODES))["supcon"]
    assert good < bad


def test_proxies_learn_at_their_rate_and_survive_a_checkpoint():
    objective = build_objective(metric_params(proxy_anchor_weight=1.0), CLASSES, WIDTH, len(MEDIA))
    (group,) = objective.param_groups(1e-3, 5e-4)
    assert group["lr"] == pytest.approx(1e-3 * PROXY_LR_SCALE) and group["weight_decay"] == 0.0
    assert [p.shape for p in group["params"]] == [(CLASSES, CLASSES)]
    logits, labels, _ = tiny_batch()
    objective(ObjectiveInput.build(logits, labels, CODES))["total"].backward()
    assert group["params"][0].grad is not None and group["params"][0].grad.abs().sum() > 0
    state = objective.checkpoint_state()
    other = build_objective(metric_params(proxy_anchor_weight=1.0), CLASSES, WIDTH, len(MEDIA))
    other.load_checkpoint_state(state)
    assert torch.equal(other.learnable["proxies"].proxies, objective.learnable["proxies"].proxies)


def test_unknown_term_is_named():
    with pytest.raises(ValueError, match="unknown metric-learning term 'arcface'"):
        build_metric_loss("arcface", CLASSES, CLASSES, 0.1)
