import numpy as np
import pytest

from benchmarks.ap_definition import average_precision_loop
from fgcross.exported import Embeddings
from fgcross.metrics import (
    average_precisions,
    evaluate_retrieval,
    extended_metrics,
    mean_ap,
    per_class_ap,
    retrieval_scores,
)


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


def _hand_case():
    query = np.array([[1.0, 0.0]])
    gallery = np.array([[1.0, 0.1], [0.0, 1.0], [1.0, 0.0], [-1.0, 0.0]])
    return {"image": Embeddings("image", query, np.array([1]), np.array(["q"])),
            "text": Embeddings("text", gallery, np.array([1, 0, 1, 1]), np.array(["a", "b", "c", "d"]))}


def test_precision_recall_and_map_at_r_hand_computed():
    scores = retrieval_scores(_hand_case(), ks=(1, 2, 5))["i2t"]
    # relevant items rank 1, 2 and 4 (R = 3)
    assert scores.ap[0] == pytest.approx((1 + 1 + 0.75) / 3)
    assert scores.ap_at_r[0] == pytest.approx(2 / 3)  # only ranks 1 and 2 lie within the top R = 3
    assert scores.precision[1][0] == 1.0 and scores.recall[1][0] == pytest.approx(1 / 3)
    assert scores.precision[2][0] == 1.0 and scores.recall[2][0] == pytest.approx(2 / 3)
    assert scores.precision[5][0] == pytest.approx(3 / 5) and scores.recall[5][0] == 1.0


@pytest.mark.parametrize("backend", ["numpy", "torch", "faiss"])
def test_backends_and_chunks_give_the_same_numbers(backend):
    rng = np.random.default_rng(4)
    emb = _embeddings(["image", "text", "audio"], rng, n=30, classes=4, noise=2.0)
    reference = evaluate_retrieval(emb, chunk=1024)
    assert evaluate_retrieval(emb, chunk=7, backend=backend) == pytest.approx(reference, abs=1e-12)


def test_protocol_directions_equal_the_loop_definition():
    rng = np.random.default_rng(5)
    emb = _embeddings(["image", "text", "video"], rng, n=25, classes=4, noise=2.0)
    metrics = evaluate_retrieval(emb)
    for q, g, key in [("image", "text", "i2t"), ("video", "image", "v2i"), ("text", "video", "t2v")]:
        expected = np.nanmean(average_precision_loop(emb[q].features, emb[g].features, emb[q].labels,
                                                     emb[g].labels))
        assert metrics[key] == pytest.approx(expected, abs=1e-9)


def test_per_class_ap_averages_to_map_for_balanced_classes():
    rng = np.random.default_rng(6)
    emb = _embeddings(["image", "text"], rng, n=12, classes=3, noise=2.0)
    scores = retrieval_scores(emb)
    rows = [r for r in per_class_ap(scores) if r["direction"] == "i2t"]
    assert [r["label"] for r in rows] == [0, 1, 2] and all(r["queries"] == 4 for r in rows)
    assert np.mean([r["ap"] for r in rows]) == pytest.approx(extended_metrics(scores)["i2t"]["map"])


def test_unknown_backend_is_rejected():
    with pytest.raises(ValueError, match="unknown eval backend"):
        evaluate_retrieval(_embeddings(["image", "text"], np.random.default_rng(0)), backend="gpu")


def test_the_official_variant_counts_an_empty_query_as_zero():
    # queries of class 0 and 1; the gallery holds class 1 only: the class-0 query has no relevant item
    rng = np.random.default_rng(0)
    q = Embeddings("image", rng.normal(size=(2, 4)).astype(np.float32), np.array([0, 1]), np.array(["a", "b"]))
    g = Embeddings("text", rng.normal(size=(3, 4)).astype(np.float32), np.array([1, 1, 1]), np.array(["c", "d", "e"]))
    row = extended_metrics(retrieval_scores({"image": q, "text": g}))["i2t"]
    assert row["map"] == pytest.approx(1.0)  # ours: the empty query is left out
    assert row["map_empty_as_zero"] == pytest.approx(0.5)  # retrieval.py: res += [0]


def _interpolated_loop(query, gallery, labels_q, labels_g):
    """11-point interpolated precision by its definition: max precision at any recall >= the level."""
    from fgcross.metrics import l2_normalize

    sims = l2_normalize(query) @ l2_normalize(gallery).T
    rows = []
    for i in range(len(query)):
        order = np.argsort(-sims[i], kind="stable")
        rel = labels_g[order] == labels_q[i]
        if not rel.any():
            continue
        precision = np.cumsum(rel) / np.arange(1, len(rel) + 1)
        recall = np.cumsum(rel) / rel.sum()
        rows.append([precision[recall >= level - 1e-12].max() for level in np.linspace(0, 1, 11)])
    return np.mean(rows, axis=0)


def test_hand_computed_pr_curve():
    from fgcross.metrics import pr_curve

    # one query, relevant at ranks 1 and 3 of 4: precision 1 at recall .5, 2/3 at recall 1
    emb = {"image": Embeddings("image", np.array([[1.0, 0.0]]), np.array([1]), np.array(["q"])),
           "text": Embeddings("text", np.array([[1.0, 0.0], [0.9, 0.1], [0.8, 0.3], [0.0, 1.0]]),
                              np.array([1, 0, 1, 0]), np.array(list("abcd")))}
    curve = pr_curve(retrieval_scores(emb), ["i2t"])["i2t"]
    assert curve == pytest.approx([1.0] * 6 + [2 / 3] * 5)


@pytest.mark.parametrize("seed", range(3))
def test_pr_curve_equals_the_loop_definition(seed):
    from fgcross.metrics import pr_curve

    rng = np.random.default_rng(seed)
    emb = {m: Embeddings(m, rng.normal(size=(n, 6)).astype(np.float32), rng.integers(0, 4, n),
                         np.array([f"{m}{i}" for i in range(n)])) for m, n in (("image", 23), ("audio", 31))}
    curve = pr_curve(retrieval_scores(emb, chunk=7), ["i2a", "a2i"])
    np.testing.assert_allclose(curve["i2a"], _interpolated_loop(emb["image"].features, emb["audio"].features,
                                                                emb["image"].labels, emb["audio"].labels), atol=1e-6)
    np.testing.assert_allclose(curve["a2i"], _interpolated_loop(emb["audio"].features, emb["image"].features,
                                                                emb["audio"].labels, emb["image"].labels), atol=1e-6)
