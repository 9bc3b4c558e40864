"""Search with a pairwise scorer (CRAN): the index keeps the scorer's arrays, a query brings its own,
and the hits are the scorer's best among the first stage's shortlist (the whole range here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fgcross.cli import run_query
from fgcross.data.index_files import read_index
from fgcross.search.gallery import SearchIndex
from fgcross.search.query import QueryEncoder
from tests.conftest import override
from tests.search.conftest import trained_search


@pytest.fixture(scope="module")
def cran_search(tmp_path_factory, params, media_dir, index_dir) -> dict[str, Path]:
    p = override(params, {"model": {"method": "cran", "method_dim": 8},
                          "train": {"stage1": {"epochs": 1}, "stage2": {"epochs": 1}}})
    return trained_search(tmp_path_factory.mktemp("cran_search"), p, media_dir, index_dir)


def full_ranking(index: SearchIndex, query, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The scorer over every item of every range: what the evaluation ranks by."""
    scores = np.concatenate([index.scorer.block(query.media, query.items, m, index.scored[m])[0] for m in index.media])
    rows = np.concatenate([np.arange(*index.ranges[m]) for m in index.media])
    best = np.lexsort((rows, -scores))[:k]
    return scores[best], rows[best]


def test_search_ranks_by_the_scorer(cran_search, index_dir, monkeypatch) -> None:
    index = SearchIndex(cran_search["search"], "numpy")
    assert index.scorer is not None and index.scorer.name == "cran" and set(index.scored) == set(index.media)
    encoder = QueryEncoder(cran_search["models"])
    manifest = read_index(index_dir).manifest
    path = read_index(index_dir).root / manifest[manifest["media"] == "image"]["path"].iloc[0]
    query = encoder.encode_file(path, "image")
    assert set(query.items) == {"global", "patches", "attention", "relation"}
    hits = index.search(query.vector, "all", 7, query)
    scores, rows = full_ranking(index, query, 7)
    assert [h.row for h in hits] == rows.tolist()
    np.testing.assert_allclose([h.score for h in hits], scores, rtol=1e-6)
    text = run_query("a small brown bird", encoder, index, "audio", 3, 2**20)
    assert len(text) == 3 and {h.media for h in text} == {"audio"}

    monkeypatch.setattr("fgcross.search.gallery.SHORTLIST", 4)  # the first stage now cuts
    short = index.search(query.vector, "text", 3, query)
    start, end = index.ranges["text"]
    _, first = index._ranker.top_k(query.vector[None] / np.linalg.norm(query.vector), 4, (start, end))
    assert {h.row for h in short} <= set(first.tolist())
