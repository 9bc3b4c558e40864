"""MCSM and CRAN: the mechanism that sets each apart, on tiny tensors, and the pairwise scoring path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from fgcross import MEDIA
from fgcross.data.prepared import PreparedSplit
from fgcross.embeddings import Embeddings, as_embeddings, embed_split, load_embeddings, save_embeddings
from fgcross.metrics import evaluate_retrieval
from fgcross.models.cran import CRANHead
from fgcross.models.factory import build_model
from fgcross.models.fgcrossnet import ModelConfig
from fgcross.models.fgcrossnet import build_model as build_fgcrossnet
from fgcross.models.mcsm import MCSMHead
from fgcross.scoring import Scorer, normalise


def config(method: str, classes: int = 3) -> ModelConfig:
    return ModelConfig("resnet18", classes, 32, 4, "charcnn", True, "paper", method, 8)


def test_mcsm_fusion_weights_are_non_negative_and_sum_to_one() -> None:
    head = MCSMHead(width=16, dim=8)
    torch.testing.assert_close(head.fusion_weights(), torch.full((4, 4, 4), 0.25))  # uniform at the start
    with torch.no_grad():  # far from the uniform start, one logit very large
        head.fusion.copy_(torch.randn(head.fusion.shape, generator=torch.Generator().manual_seed(0)) * 3)
        head.fusion[0, 0, 0] = 1e4
    weights = head.fusion_weights()
    assert torch.isfinite(weights).all() and weights[0, 0, 0] == 1
    assert weights.shape == (len(MEDIA), len(MEDIA), len(MEDIA))
    assert (weights >= 0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(len(MEDIA), len(MEDIA)))
    assert not torch.allclose(weights[0, 1], weights[1, 0])  # adaptive: each direction its own weights


def test_mcsm_embeds_every_media_into_every_space_guided_by_the_space_attention() -> None:
    torch.manual_seed(0)
    head = MCSMHead(width=16, dim=8)
    maps = torch.randn(3, 16, 2, 2)
    image, audio = head.items("image", maps)["spaces"], head.items("audio", maps)["spaces"]
    assert image.shape == (3, len(MEDIA), 8)
    torch.testing.assert_close(image.norm(dim=-1), torch.ones(3, len(MEDIA)))
    assert not torch.allclose(image, audio)  # the same cells, another media: another projection
    attention = head.attention(maps.flatten(2).transpose(1, 2))
    torch.testing.assert_close(attention.sum(-1), torch.ones(3, len(MEDIA)))


def test_mcsm_scorer_is_the_fused_similarity_training_uses() -> None:
    torch.manual_seed(1)
    head = MCSMHead(width=16, dim=8)
    with torch.no_grad():
        head.fusion.copy_(torch.randn(head.fusion.shape))
    q, g = head.items("image", torch.randn(3, 16, 2, 2)), head.items("text", torch.randn(5, 16, 2, 2))
    scorer = Scorer("mcsm", {k: v.detach().numpy() for k, v in head.scorer_params().items()})
    got = scorer.block("image", {"spaces": q["spaces"].detach().numpy()}, "text",
                       {"spaces": g["spaces"].detach().numpy()})
    w = head.fusion_weights()[MEDIA.index("image"), MEDIA.index("text")]
    expected = sum(w[s] * q["spaces"][:, s] @ g["spaces"][:, s].T for s in range(len(MEDIA)))  # the definition
    np.testing.assert_allclose(got, expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    both = torch.cat([q["spaces"], g["spaces"]])  # the loss's fused matrix, image rows x text columns
    codes = torch.tensor([MEDIA.index("image")] * 3 + [MEDIA.index("text")] * 5)
    fused = (head.space_similarities(both) * head.fusion_weights()[codes][:, codes].permute(2, 0, 1)).sum(0)
    np.testing.assert_allclose(got, fused[:3, 3:].detach().numpy(), rtol=1e-5, atol=1e-6)


def test_cran_permuted_patches_change_the_relation_term_not_the_global_one() -> None:
    torch.manual_seed(2)
    head = CRANHead(width=16, dim=8)
    maps = torch.randn(4, 16, 3, 3)
    permuted = maps.flatten(2)[:, :, torch.randperm(9, generator=torch.Generator().manual_seed(0))].view_as(maps)
    labels = {"image": torch.tensor([0, 1, 0, 1]), "audio": torch.tensor([0, 1, 1, 0])}
    before = head.level_losses({"image": head.items("image", maps), "audio": head.items("audio", maps)}, labels)
    after = head.level_losses({"image": head.items("image", permuted), "audio": head.items("audio", maps)}, labels)
    torch.testing.assert_close(after["global"], before["global"])
    assert abs(after["relation"].item() - before["relation"].item()) > 1e-4
    a, b = head.items("image", maps), head.items("image", permuted)
    torch.testing.assert_close(a["global"], b["global"])
    assert not torch.allclose(a["relation"], b["relation"], atol=1e-4)


def test_cran_patches_per_media_and_the_local_level_by_definition() -> None:
    torch.manual_seed(3)
    head = CRANHead(width=16, dim=8, text_windows=True)
    image, text = head.items("image", torch.randn(2, 16, 2, 3)), head.items("text", torch.randn(3, 16, 2, 3))
    assert image["patches"].shape == (2, 6, 8) and text["patches"].shape == (3, 3, 8)  # text: character windows
    torch.testing.assert_close(image["attention"].sum(1), torch.ones(2))
    arrays = {k: v.detach().numpy() for k, v in image.items()}, {k: v.detach().numpy() for k, v in text.items()}
    got = Scorer("cran", {"levels": head.levels.numpy()}).block("image", arrays[0], "text", arrays[1])
    q, g = arrays
    for i in range(2):
        for j in range(3):
            local = sum(q["attention"][i, p] * max(q["patches"][i, p] @ g["patches"][j, k] for k in range(3))
                        for p in range(6))
            expected = (q["global"][i] @ g["global"][j] + local + q["relation"][i] @ g["relation"][j]) / 3
            assert got[i, j] == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_scorer_chunks_the_gallery_without_changing_a_score(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    items = lambda n: {"global": rng.normal(size=(n, 4)).astype(np.float32),  # noqa: E731
                       "patches": rng.normal(size=(n, 3, 4)).astype(np.float32),
                       "attention": rng.dirichlet(np.ones(3), n).astype(np.float32),
                       "relation": rng.normal(size=(n, 4)).astype(np.float32)}
    q, g = items(5), items(11)
    scorer = Scorer("cran", {"levels": np.full(3, 1 / 3, np.float32)})
    whole = scorer.block("image", q, "audio", g)
    monkeypatch.setattr("fgcross.scoring.BLOCK_ELEMENTS", 50)  # one gallery item per chunk
    # the same products, summed by BLAS in blocks of another size: equal to float32 rounding
    np.testing.assert_allclose(scorer.block("image", q, "audio", g), whole, rtol=0, atol=1e-6)
    np.testing.assert_allclose(scorer.block("image", q, "audio", g, rows=np.array([3, 7])), whole[:, [3, 7]],
                               rtol=0, atol=1e-6)


def test_evaluation_ranks_by_the_scorer() -> None:
    """MCSM with every space holding the same unit vectors is the cosine, whatever the fusion
    weights: the same mAPs as the inner-product path; other spaces give other mAPs."""
    rng = np.random.default_rng(4)
    fusion = rng.dirichlet(np.ones(len(MEDIA)), (len(MEDIA), len(MEDIA))).astype(np.float32)
    plain, scored, shuffled = {}, {}, {}
    for m in ("image", "text", "audio"):
        feats = rng.normal(size=(12, 6)).astype(np.float32)
        labels, ids = np.arange(12) % 3, np.array([f"{m}{i}" for i in range(12)])
        unit = feats / np.linalg.norm(feats, axis=1, keepdims=True)
        plain[m] = Embeddings(m, feats, labels, ids)
        spaces = np.repeat(unit[:, None], len(MEDIA), axis=1)
        scored[m] = Embeddings(m, feats, labels, ids, Scorer("mcsm", {"fusion": fusion}), {"spaces": spaces})
        other = spaces.copy()
        other[:, 1] = unit[::-1]
        shuffled[m] = Embeddings(m, feats, labels, ids, Scorer("mcsm", {"fusion": fusion}), {"spaces": other})
    expected = evaluate_retrieval(plain)
    got = evaluate_retrieval(scored)
    assert got == pytest.approx(expected, abs=1e-6)
    assert evaluate_retrieval(shuffled) != pytest.approx(expected, abs=1e-6)
    with pytest.raises(ValueError, match="share a scorer"):
        evaluate_retrieval({"image": scored["image"], "text": plain["text"]})


def test_factory_keeps_fgcrossnet_and_draws_a_method_head_last() -> None:
    torch.manual_seed(0)
    plain = build_fgcrossnet(config("fgcrossnet")).state_dict()
    torch.manual_seed(0)
    same = build_model(config("fgcrossnet")).state_dict()
    torch.manual_seed(0)
    method = build_model(config("mcsm")).state_dict()
    assert list(same) == list(plain) and all(torch.equal(same[k], plain[k]) for k in plain)
    assert all(torch.equal(method[k], plain[k]) for k in plain)  # the shared parts start the same
    assert any(k.startswith("head.") for k in method)
    with pytest.raises(ValueError, match="model.method"):
        build_model(config("nope"))


@pytest.mark.parametrize("method", ["mcsm", "cran"])
def test_method_logits_are_fgcrossnets_and_export_writes_the_scorer(method: str, tmp_path) -> None:
    torch.manual_seed(0)
    model = build_model(config(method)).eval()
    base = build_fgcrossnet(config("fgcrossnet")).eval()
    base.load_state_dict({k: v for k, v in model.state_dict().items() if not k.startswith("head.")})
    x = {"image": torch.randn(2, 3, 32, 32), "text": torch.randint(1, 60, (2, 40))}
    with torch.no_grad():
        for m, logits in model(x).items():
            torch.testing.assert_close(logits, base(x)[m])  # feature map + pooling = the backbone's forward
    video = PreparedSplit("video", "test", np.random.default_rng(0).integers(0, 255, (3, 2, 36, 36, 3), np.uint8),
                          ["a", "b", "c"], np.array([0, 1, 2]))
    arrays = embed_split(model, video, 32, torch.device("cpu"))
    assert str(arrays["scorer"]) == method and len(arrays["features"]) == 3
    items = {k: v for k, v in arrays.items() if k.startswith("item_")}
    assert items and all(len(v) == 3 for v in items.values())  # one row per video
    save_embeddings(tmp_path / "video.npz", arrays)
    loaded = load_embeddings(tmp_path, "video")
    assert loaded.scorer is not None and loaded.scorer.name == method
    assert set(loaded.items) == {k[len("item_"):] for k in items}
    assert as_embeddings({"video": arrays})["video"].scorer.name == method
    sims = loaded.scorer.block("video", loaded.items, "video", loaded.items)
    assert sims.shape == (3, 3) and np.allclose(np.diag(sims), sims.max(1), atol=1e-5)  # an item is its own best


def test_method_trains_its_head_through_the_objective() -> None:
    from types import SimpleNamespace

    from fgcross.losses import build_objective
    from fgcross.losses.objective import ObjectiveInput

    torch.manual_seed(0)
    model = build_model(config("cran"))
    weights = {"center_weight": 0.0, "center_lr_scale": 1.0, "center_init_std": 0.01, "ranking_weight": 0.0,
               "margin1": 1.0, "margin2": 0.5, "ranking_form": "paper", "adversarial_weight": 0.0,
               "triplet_weight": 0.0, "triplet_margin": 0.5, "cca_weight": 0.0, "method_weight": 0.5,
               "supcon_weight": 0.0, "supcon_temperature": 0.1, "proxy_anchor_weight": 0.0,
               "multi_similarity_weight": 0.0, "reconstruction_weight": 0.0, "correlation_weight": 0.0,
               "pairwise_weight": 0.0, "pairwise_margin": 1.0, "gan_weight": 0.0}
    objective = build_objective(SimpleNamespace(**weights), 3, 512, 4, method="cran", method_loss=model.head.loss)
    assert objective.needs_aux and "method" in objective.terms
    assert "method" not in build_objective(SimpleNamespace(**weights), 3, 512, 4).terms  # fgcrossnet: none
    x = {"image": torch.randn(4, 3, 32, 32), "audio": torch.randn(4, 3, 32, 32)}
    labels = {m: torch.tensor([0, 1, 0, 1]) for m in x}
    logits, pooled, aux = model(x, return_features=True, return_aux=True)
    out = objective(ObjectiveInput.build(logits, labels, {m: MEDIA.index(m) for m in MEDIA}, None, aux))
    out["total"].backward()
    assert out["method"].item() > 0 and model.head.relate.weight.grad.abs().sum() > 0
    assert normalise(torch.ones(1, 2)).norm().item() == pytest.approx(1.0)


def test_the_schema_offers_exactly_the_factory_methods_and_presets_name_them() -> None:
    import yaml

    from fgcross.ablation import METHOD_VARIANTS, variant_overrides
    from fgcross.models import METHODS

    schema = yaml.safe_load(Path("fgcross/defaults/params.schema.yaml").read_text(encoding="utf-8"))
    assert tuple(schema["properties"]["model"]["properties"]["method"]["enum"]) == METHODS
    for method in ("mcsm", "cran"):
        assert variant_overrides(METHOD_VARIANTS[method]) == {"model.method": method, "model.method_dim": 64,
                                                              "loss.method_weight": 1.0}
    for method in ("ccl", "cm_gans"):  # the baselines on the shared CNN's maps (tests/test_baselines.py)
        assert variant_overrides(METHOD_VARIANTS[method])["model.method"] == method
    assert set(METHODS) - {"fgcrossnet"} <= set(METHOD_VARIANTS)
