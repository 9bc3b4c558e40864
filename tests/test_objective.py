"""The training objective: its terms from the loss params, stage gating, and the same numbers as the
hand-written sum it replaced."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from torch.nn import functional as F

from fgcross.losses import (
    TOTAL,
    CenterLoss,
    ObjectiveInput,
    adversarial_loss,
    build_objective,
    cluster_cca_loss,
    cross_media_triplet_loss,
    quadruplet_loss,
)
from fgcross.training.loop import Stage

MEDIA = ("image", "text", "audio", "video")
CODES = {m: i for i, m in enumerate(MEDIA)}
CLASSES, WIDTH = 5, 8


def loss_params(**weights: float) -> SimpleNamespace:
    """The loss section of params.yaml, every weight positive unless given."""
    base = {"center_weight": 0.001, "center_lr_scale": 1000.0, "center_init_std": 0.01,
            "ranking_weight": 0.1, "margin1": 1.0, "margin2": 0.5,
            "ranking_form": "paper", "adversarial_weight": 0.1, "triplet_weight": 1.0, "triplet_margin": 0.5,
            "cca_weight": 0.5, "method_weight": 1.0, "supcon_weight": 0.0, "supcon_temperature": 0.1,
            "proxy_anchor_weight": 0.0, "multi_similarity_weight": 0.0, "reconstruction_weight": 0.0,
            "correlation_weight": 0.0, "pairwise_weight": 0.0, "pairwise_margin": 1.0, "gan_weight": 0.0}
    return SimpleNamespace(**{**base, **weights})


def tiny_batch(seed: int = 0, items: int = 6) -> tuple[dict, dict, dict]:
    """Logits, labels and pooled features of every media, every class present in every media."""
    g = torch.Generator().manual_seed(seed)
    logits = {m: torch.randn(items, CLASSES, generator=g, requires_grad=True) for m in MEDIA}
    labels = {m: torch.arange(items) % 3 for m in MEDIA}
    pooled = {m: torch.randn(items, WIDTH, generator=g, requires_grad=True) for m in MEDIA}
    return logits, labels, pooled


def test_terms_weights_and_order():
    objective = build_objective(loss_params(), CLASSES, WIDTH, len(MEDIA))
    assert list(objective.terms) == ["ce", "center", "ranking", "triplet", "cca", "adversarial"]
    assert {name: w for name, (w, _) in objective.terms.items()} == {
        "ce": 1.0, "center": 0.001, "ranking": 0.1, "triplet": 1.0, "cca": 0.5, "adversarial": 0.1}
    assert objective.needs_features
    assert list(objective.checkpoint_state()) == ["centers", "modality"]


def test_a_zero_weight_builds_no_term():
    objective = build_objective(loss_params(center_weight=0.0, ranking_weight=0.0, adversarial_weight=0.0,
                                            triplet_weight=0.0, cca_weight=0.0), CLASSES, WIDTH, len(MEDIA))
    assert list(objective.terms) == ["ce"]
    assert not objective.needs_features and objective.param_groups(0.1, 5e-4) == []
    assert list(objective.checkpoint_state()) == ["centers"]  # the model file always keeps the centres
    logits, labels, _ = tiny_batch()
    assert list(objective(ObjectiveInput.build(logits, labels, CODES))) == ["ce", TOTAL]


def test_the_ranking_term_trains_in_the_ranking_stage_only():
    objective = build_objective(loss_params(), CLASSES, WIDTH, len(MEDIA))
    logits, labels, pooled = tiny_batch()
    inp = ObjectiveInput.build(logits, labels, CODES, pooled)
    stage1, stage2 = Stage("stage1", 1, 0.1, ranking=False), Stage("stage2", 1, 0.1, ranking=True)
    assert "ranking" not in objective(inp, skip=stage1.skipped_terms)
    assert list(objective(inp, skip=stage2.skipped_terms)) == [*objective.terms, TOTAL]


def hand_written_sum(objective, logits, labels, pooled, ranking: bool) -> dict[str, torch.Tensor]:
    """The training loop's sum before the objective existed, term by term."""
    w, media = loss_params(), list(labels)
    out = {m: v.float() for m, v in logits.items()}
    pooled = torch.cat([pooled[m].float() for m in media])
    terms = {"ce": sum(F.cross_entropy(out[m], labels[m]) for m in media)}
    every, every_y = torch.cat([out[m] for m in media]), torch.cat([labels[m] for m in media])
    terms["center"] = w.center_weight * objective.learnable["centers"](every, every_y)
    if ranking:
        terms["ranking"] = w.ranking_weight * quadruplet_loss(every, every_y, w.margin1, w.margin2, w.ranking_form)
    every_media = torch.cat([torch.full_like(labels[m], CODES[m]) for m in media])
    terms["triplet"] = w.triplet_weight * cross_media_triplet_loss(every, every_y, every_media, w.triplet_margin)
    terms["cca"] = w.cca_weight * cluster_cca_loss(every, every_y, every_media)
    terms["adversarial"] = w.adversarial_weight * adversarial_loss(objective.learnable["modality"], pooled,
                                                                   every_media)[0]
    return {**terms, TOTAL: sum(terms.values())}


@pytest.mark.parametrize("ranking", [False, True])
def test_the_total_and_its_gradient_equal_the_hand_written_sum(ranking):
    torch.manual_seed(0)
    objective = build_objective(loss_params(), CLASSES, WIDTH, len(MEDIA))
    logits, labels, pooled = tiny_batch(seed=1)
    skip = () if ranking else ("ranking",)
    got = objective(ObjectiveInput.build(logits, labels, CODES, pooled), skip=skip)
    got[TOTAL].backward()
    grads = [v.grad.clone() for v in [*logits.values(), *pooled.values()]]
    fresh_logits, _, fresh_pooled = tiny_batch(seed=1)
    expected = hand_written_sum(objective, fresh_logits, labels, fresh_pooled, ranking)
    expected[TOTAL].backward()
    assert list(got) == list(expected)
    assert all(torch.equal(got[k], expected[k]) for k in expected)  # bit for bit, not approximately
    assert all(torch.equal(a, v.grad) for a, v in zip(grads, [*fresh_logits.values(), *fresh_pooled.values()],
                                                      strict=True))


def test_param_groups_give_the_centres_their_rate_scale():
    objective = build_objective(loss_params(center_lr_scale=1000.0), CLASSES, WIDTH, len(MEDIA))
    centres, modality = objective.param_groups(0.01, 5e-4)
    assert list(centres["params"]) == [objective.learnable["centers"].centers]
    assert centres["lr"] == pytest.approx(10.0) and centres["weight_decay"] == 0.0
    assert list(modality["params"]) == list(objective.learnable["modality"].parameters())
    assert modality["lr"] == 0.01 and modality["weight_decay"] == 5e-4
    no_centre = build_objective(loss_params(center_weight=0.0), CLASSES, WIDTH, len(MEDIA))
    assert [g["lr"] for g in no_centre.param_groups(0.01, 5e-4)] == [0.01]  # the modality classifier's only


def test_given_centres_are_the_ones_trained_and_checkpointed():
    centers = CenterLoss(CLASSES, CLASSES, 0.01)
    objective = build_objective(loss_params(), CLASSES, WIDTH, len(MEDIA), centers=centers)
    assert objective.learnable["centers"] is centers
    state = objective.checkpoint_state()
    other = build_objective(loss_params(), CLASSES, WIDTH, len(MEDIA))
    other.load_checkpoint_state({**state, "model": {}})
    assert torch.equal(other.learnable["centers"].centers, centers.centers)
    assert all(torch.equal(a, b) for a, b in zip(other.learnable["modality"].state_dict().values(),
                                                 state["modality"].values(), strict=True))


def test_the_adversary_accuracy_is_that_of_the_last_batch():
    objective = build_objective(loss_params(), CLASSES, WIDTH, len(MEDIA))
    assert objective.accuracy("adversarial") is None
    logits, labels, pooled = tiny_batch()
    objective(ObjectiveInput.build(logits, labels, CODES, pooled))
    assert 0.0 <= objective.accuracy("adversarial").item() <= 1.0
    with pytest.raises(ValueError, match="pooled"):
        objective(ObjectiveInput.build(logits, labels, CODES))


def test_objective_input_concatenates_in_batch_order_in_float32():
    logits = {"text": torch.ones(2, 3, dtype=torch.bfloat16), "image": torch.zeros(1, 3, dtype=torch.bfloat16)}
    labels = {"text": torch.tensor([0, 1]), "image": torch.tensor([2])}
    inp = ObjectiveInput.build(logits, labels, CODES)
    assert inp.every.dtype == torch.float32 and inp.every[:, 0].tolist() == [1.0, 1.0, 0.0]
    assert inp.every_labels.tolist() == [0, 1, 2] and inp.every_media.tolist() == [1, 1, 0]
    assert inp.pooled is None


def test_total_is_not_a_term_name():
    from fgcross.losses import Objective

    with pytest.raises(ValueError):
        Objective({TOTAL: (1.0, torch.nn.Identity())})
