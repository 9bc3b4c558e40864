"""Exact inner-product search: numpy and faiss give the same rows, scores and similarities
(where no two scores are equal: faiss promises no order among ties, numpy keeps row order)."""

from __future__ import annotations

import numpy as np
import pytest

from fgcross.inner_product import InnerProductIndex, faiss_available
from fgcross.metrics import l2_normalize


@pytest.fixture(scope="module")
def vectors():
    rng = np.random.default_rng(0)
    gallery = l2_normalize(rng.normal(size=(200, 16))).astype(np.float32)
    return gallery, l2_normalize(gallery[10:11] + 0.01)


def test_numpy_ranks_by_score_then_row(vectors):
    gallery, query = vectors[0].copy(), vectors[1]
    gallery[50] = gallery[10]  # an exact tie
    scores, rows = InnerProductIndex(gallery, "numpy").top_k(query, 5)
    assert list(rows[:2]) == [10, 50] and np.all(np.diff(scores) <= 0)
    _, within = InnerProductIndex(gallery, "numpy").top_k(query, 5, (100, 200))
    assert within.min() >= 100


@pytest.mark.skipif(not faiss_available(), reason="faiss not installed")
def test_faiss_and_numpy_agree(vectors):
    gallery, query = vectors
    by_numpy, by_faiss = InnerProductIndex(gallery, "numpy"), InnerProductIndex(gallery, "faiss")
    for within in (None, (0, 60), (100, 200)):
        (a_scores, a_rows), (b_scores, b_rows) = by_numpy.top_k(query, 7, within), by_faiss.top_k(query, 7, within)
        assert list(a_rows) == list(b_rows)
        np.testing.assert_allclose(a_scores, b_scores, atol=1e-5)
    queries = gallery[:9]
    np.testing.assert_allclose(by_numpy.similarities(queries), by_faiss.similarities(queries), atol=1e-5)


def test_unknown_backend_names_the_setting(vectors):
    with pytest.raises(ValueError, match="unknown search.backend 'gpu'"):
        InnerProductIndex(vectors[0], "gpu", "search.backend")
