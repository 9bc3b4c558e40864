import numpy as np
import pytest

from fgcross.embeddings import Embeddings
from fgcross.metrics import average_precision_loop, average_precisions, evaluate_retrieval, mean_ap


def test_hand_computed_ap():
    query = np.array([[1.0, 0.0]])
    gallery = np.array([[1.0, 0.1], [0.0, 1.0], [1.0, 0.0], [-1.0, 0.0]])
    labels = np.array([1, 0, 1, 1])
    # ranking by cosine: g2 (1.0), g0 (.995), g1 (0), g3 (-1); relevant: g2, g0, g3
    # precisions at hits: 1/1, 2/2, 3/4 -> AP = (1 + 1 + .75) / 3
    ap = average_precisions(query, gallery, np.array([1]), labels)
    assert ap[0] == pytest.approx(2.75 / 3)


def test_ties_keep_gallery_order():
    query = np.array([[1.0, 0.0]])
    gallery = np.array([[2.0, 0.0], [1.0, 0.0]])  # identical cosine
    assert average_precisions(query, gallery, np.array([0]), np.array([1, 0]))[0] == pytest.approx(0.5)
    assert average_precisions(query, gallery, np.array([0]), np.array([0, 1]))[0] == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(3))
def test_vectorised_equals_the_loop(seed):
    rng = np.random.default_rng(seed)
    q, g = rng.random((40, 6)), rng.random((70, 6))
    g[5] = g[6]  # a tie
    ql, gl = rng.integers(0, 5, 40), rng.integers(0, 5, 70)
    fast = average_precisions(q, g, ql, gl, chunk=9)
    slow = average_precision_loop(q, g, ql, gl)
    np.testing.assert_allclose(fast, slow, atol=1e-9)
    own = np.where(rng.random(40) < 0.5, rng.integers(0, 70, 40), -1)
    np.testing.assert_allclose(average_precisions(q, g, ql, gl, own, chunk=7),
                               average_precision_loop(q, g, ql, gl, own), atol=1e-9)


def test_query_without_relevant_items_is_left_out():
    aps = average_precisions(np.eye(2), np.eye(2), np.array([0, 5]), np.array([0, 1]))
    assert aps[0] == 1.0 and np.isnan(aps[1]) and mean_ap(aps) == 1.0


def _embeddings(media, rng, n=12, classes=3, noise=0.5):
    labels = np.arange(n) % classes
    return {m: Embeddings(m, (np.eye(classes)[labels] + noise * rng.random((n, classes))).astype(np.float32),
                          labels, np.array([f"{m}{i}" for i in range(n)])) for m in media}


def test_protocol_keys_for_four_and_two_media():
    rng = np.random.default_rng(0)
    four = evaluate_retrieval(_embeddings(["image", "text", "audio", "video"], rng))
    assert set(four) == {"i2t", "i2a", "i2v", "t2i", "t2a", "t2v", "a2i", "a2t", "a2v", "v2i", "v2t", "v2a",
                         "bi_avg", "i2all", "t2all", "a2all", "v2all", "multi_avg"}
    assert four["bi_avg"] == pytest.approx(np.mean([four[k] for k in four if len(k) == 3]))
    two = evaluate_retrieval(_embeddings(["image", "text"], rng))
    assert set(two) == {"i2t", "t2i", "bi_avg", "i2all", "t2all", "multi_avg"}


def test_exclude_self_removes_the_query_item():
    rng = np.random.default_rng(1)
    emb = _embeddings(["image", "text"], rng, noise=3.0)
    with_self = evaluate_retrieval(emb)
    without = evaluate_retrieval(emb, exclude_self=True)
    assert with_self["i2t"] == without["i2t"]
    assert with_self["i2all"] > without["i2all"]  # the query itself ranks first when included
    e = emb["image"]
    gallery = np.concatenate([emb["image"].features, emb["text"].features])
    labels = np.concatenate([emb["image"].labels, emb["text"].labels])
    own = np.arange(len(e.labels))
    expected = np.nanmean(average_precision_loop(e.features, gallery, e.labels, labels, own))
    assert without["i2all"] == pytest.approx(expected, abs=1e-9)
