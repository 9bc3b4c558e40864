"""Retrieval mAP of the published protocol, vectorised.

For each query the whole gallery is ranked by cosine similarity (descending; ties keep
gallery order, a stable sort); AP is the mean, over the positions of the gallery items of
the query's class, of the precision at that position; mAP is the mean AP over queries.
A query with no relevant gallery item has no AP and is left out of the mean.

Bi-modality: query media X, gallery media Y (X != Y), 12 directions for four media.
Multi-modality (X->All): the gallery is all media stacked; the query's own item is in it
unless `exclude_self` (it is then removed from the ranking entirely).
"""

from __future__ import annotations

from itertools import permutations

import numpy as np

from fgcross import MEDIA, MEDIA_LETTER
from fgcross.embeddings import Embeddings


def l2_normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def average_precisions(query: np.ndarray, gallery: np.ndarray, query_labels: np.ndarray,
                       gallery_labels: np.ndarray, self_index: np.ndarray | None = None,
                       chunk: int = 1024) -> np.ndarray:
    """AP of every query (NaN where no gallery item is relevant), in chunks of queries.

    self_index[q], when given, is the gallery position of query q's own item (-1: none);
    that item is excluded from q's ranking.
    """
    q, g = l2_normalize(query), l2_normalize(gallery)
    gallery_labels = np.asarray(gallery_labels)
    out = np.empty(len(q), dtype=np.float64)
    ranks = np.arange(1, len(g) + 1, dtype=np.float64)
    for start in range(0, len(q), chunk):
        stop = min(start + chunk, len(q))
        sim = q[start:stop] @ g.T
        relevant = gallery_labels[None, :] == np.asarray(query_labels)[start:stop, None]
        if self_index is not None:
            rows = np.arange(stop - start)
            own = np.asarray(self_index[start:stop])
            has = own >= 0
            sim[rows[has], own[has]] = -np.inf  # last in the ranking ...
            relevant[rows[has], own[has]] = False  # ... and not counted: as if absent
        order = np.argsort(-sim, axis=1, kind="stable")
        hits = np.take_along_axis(relevant, order, axis=1)
        cum = np.cumsum(hits, axis=1)
        n_rel = cum[:, -1] if len(g) else np.zeros(stop - start)
        precision_sum = (cum / ranks * hits).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:stop] = np.where(n_rel > 0, precision_sum / n_rel, np.nan)
    return out


def average_precision_loop(query: np.ndarray, gallery: np.ndarray, query_labels: np.ndarray,
                           gallery_labels: np.ndarray, self_index: np.ndarray | None = None) -> np.ndarray:
    """The definition written as plain loops: the reference for tests and benchmarks."""
    aps = []
    for qi in range(len(query)):
        qv = np.asarray(query[qi], dtype=np.float64)
        scored = []
        for gi in range(len(gallery)):
            if self_index is not None and self_index[qi] == gi:
                continue
            gv = np.asarray(gallery[gi], dtype=np.float64)
            cos = float(qv @ gv / max(np.linalg.norm(qv) * np.linalg.norm(gv), 1e-12))
            scored.append((-cos, gi, gallery_labels[gi] == query_labels[qi]))
        scored.sort(key=lambda t: (t[0], t[1]))
        found, total = 0, 0.0
        for rank, (_, _, rel) in enumerate(scored, start=1):
            if rel:
                found += 1
                total += found / rank
        aps.append(total / found if found else float("nan"))
    return np.array(aps)


def mean_ap(aps: np.ndarray) -> float:
    valid = aps[~np.isnan(aps)]
    return float(valid.mean()) if valid.size else float("nan")


def evaluate_retrieval(embeddings: dict[str, Embeddings], exclude_self: bool = False,
                       chunk: int = 1024) -> dict[str, float]:
    """The flat metric keys of the protocol for the media present (i2t ... bi_avg, i2all ... multi_avg)."""
    media = [m for m in MEDIA if m in embeddings]
    metrics: dict[str, float] = {}
    for a, b in permutations(media, 2):
        ea, eb = embeddings[a], embeddings[b]
        metrics[f"{MEDIA_LETTER[a]}2{MEDIA_LETTER[b]}"] = mean_ap(
            average_precisions(ea.features, eb.features, ea.labels, eb.labels, chunk=chunk))
    bi = [metrics[f"{MEDIA_LETTER[a]}2{MEDIA_LETTER[b]}"] for a, b in permutations(media, 2)]
    if bi:
        metrics["bi_avg"] = float(np.mean(bi))
    gallery = np.concatenate([embeddings[m].features for m in media])
    gallery_labels = np.concatenate([embeddings[m].labels for m in media])
    offset = 0
    multi = []
    for m in media:
        e = embeddings[m]
        self_index = np.arange(offset, offset + len(e.labels)) if exclude_self else None
        key = f"{MEDIA_LETTER[m]}2all"
        metrics[key] = mean_ap(average_precisions(e.features, gallery, e.labels, gallery_labels, self_index, chunk))
        multi.append(metrics[key])
        offset += len(e.labels)
    metrics["multi_avg"] = float(np.mean(multi))
    return metrics
