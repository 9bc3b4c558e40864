"""Neighbourhood re-ranking (alpha-DBA): hand-checked expansion, off at k = 1, and a gain
where neighbours agree on the class."""

from __future__ import annotations

import numpy as np

from fgcross.config import default_params, with_overrides
from fgcross.embeddings import Embeddings
from fgcross.evaluation import evaluate_embeddings, reranked_metrics
from fgcross.rerank import neighbourhood_expand


def test_expansion_by_hand():
    x = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    out = neighbourhood_expand(x, k=2, alpha=1.0)
    # row 0: itself (sim 1) and row 1 (sim 0.8): 1*[1,0] + 0.8*[0.8,0.6] = [1.64, 0.48]
    expected = np.array([1.64, 0.48]) / np.hypot(1.64, 0.48)
    assert np.allclose(out[0], expected, atol=1e-6)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)
    # chunks do not change the result
    assert np.allclose(neighbourhood_expand(x, 2, 1.0, chunk=1), out, atol=1e-7)


def test_k_one_is_plain_cosine():
    x = np.random.default_rng(0).random((6, 4)).astype(np.float32)
    assert np.allclose(neighbourhood_expand(x, 1, 3.0), x / np.linalg.norm(x, axis=1, keepdims=True), atol=1e-7)


def noisy_embeddings(seed: int = 0) -> dict[str, Embeddings]:
    """Two media, 4 classes, 6 items each: class prototypes plus much noise."""
    rng = np.random.default_rng(seed)
    protos = rng.random((4, 8))
    out = {}
    for media in ("image", "text"):
        labels = np.repeat(np.arange(4), 6)
        feats = protos[labels] + rng.normal(0, 0.35, (24, 8))
        out[media] = Embeddings(media, np.abs(feats).astype(np.float32), labels,
                                np.array([f"{media}{i}" for i in range(24)]))
    return out


def test_reranking_helps_where_neighbours_agree_and_is_off_at_k_one():
    embeddings = noisy_embeddings()
    ev = with_overrides(default_params(), {"eval.rerank_k": 6, "eval.rerank_alpha": 3.0}, "test").eval
    plain = evaluate_embeddings(embeddings, ev).metrics
    moved = reranked_metrics(embeddings, ev)
    assert set(moved) == set(plain)
    assert moved["bi_avg"] > plain["bi_avg"] and moved["multi_avg"] > plain["multi_avg"]
    off = with_overrides(default_params(), {"eval.rerank_k": 1}, "test").eval
    assert reranked_metrics(embeddings, off) == plain
