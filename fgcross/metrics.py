"""Retrieval metrics of the published protocol, exact and vectorised.

For each query the whole gallery is ranked by cosine similarity (descending; ties keep
gallery order); AP is the mean, over the positions of the gallery items of the query's
class, of the precision at that position; mAP is the mean AP over queries. A query with
no relevant gallery item has no score and is left out of every mean.

Bi-modality: query media X, gallery media Y (X != Y), 12 directions for four media.
Multi-modality (X->All): the gallery is all media stacked; the query's own item is in it
unless `exclude_self` (it is then removed from the ranking entirely).

How it is fast: each chunk of queries is compared once with the stacked gallery (the
bi-modality blocks are column slices of it); only the ranks of the relevant items are
needed, so each row is sorted (np.sort, far cheaper than a stable argsort) and the
relevant items (known from the class lists) are found in it by binary search; all scores
are then bincounts. Similarities are float32 cosines; items whose similarities are equal
in float32 are ordered by gallery position, as a stable sort would. X->All with and
without the query's item come from one ranking (removing an item shifts the later ranks).

A method with a pairwise scorer (`Embeddings.scorer`, fgcross.scoring: MCSM, CRAN) is
ranked by its scorer instead of the cosine: each chunk of queries is scored against every
gallery media's block, stacked in the same order, and all that follows is the same.

Also reported: precision and recall at k, mAP@R (precision at each relevant item within
the top R, R = number of relevant items) and AP per class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fgcross import MEDIA, MEDIA_LETTER
from fgcross.exported import Embeddings
from fgcross.inner_product import BACKENDS, InnerProductIndex

KS: tuple[int, ...] = (1, 5, 10, 50)
RECALL_LEVELS = np.linspace(0.0, 1.0, 11)
"""The 11 recall levels of the interpolated precision-recall curve (0, 0.1, ..., 1)."""
SELF_EXCLUDED = "-self"
"""Suffix of the X->All directions whose gallery leaves out the query's own item."""


def l2_normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


@dataclass
class QueryScores:
    """Per-query scores of one direction (NaN where a query has no relevant item)."""

    labels: np.ndarray
    ap: np.ndarray
    ap_at_r: np.ndarray
    precision: dict[int, np.ndarray] = field(default_factory=dict)
    recall: dict[int, np.ndarray] = field(default_factory=dict)
    interpolated: np.ndarray | None = None  # [n, 11]: precision at RECALL_LEVELS, interpolated

    @classmethod
    def empty(cls, labels: np.ndarray, ks: tuple[int, ...]) -> QueryScores:
        n = len(labels)
        nan = lambda: np.full(n, np.nan)  # noqa: E731
        return cls(np.asarray(labels), nan(), nan(), {k: nan() for k in ks}, {k: nan() for k in ks},
                   np.full((n, len(RECALL_LEVELS)), np.nan))


@dataclass
class Ranks:
    """Ranks of the relevant items of a chunk of queries, sorted by (row, rank)."""

    rows: np.ndarray  # int64 [P]: the query (row of the chunk) of each relevant item
    ranks: np.ndarray  # int64 [P]: its 1-based rank in that query's ranking
    count: int  # rows in the chunk

    def without(self, own_rank: np.ndarray) -> Ranks:
        """The ranks once each row's item at own_rank[row] (0: none) is removed from its ranking."""
        own = own_rank[self.rows]
        keep = self.ranks != own
        rows, ranks, own = self.rows[keep], self.ranks[keep], own[keep]
        return Ranks(rows, np.where((own > 0) & (ranks > own), ranks - 1, ranks), self.count)


def class_members(labels: np.ndarray) -> dict[int, np.ndarray]:
    """label -> the (ascending) positions of its items."""
    labels = np.asarray(labels)
    return {int(label): np.flatnonzero(labels == label) for label in np.unique(labels)}


_NONE = np.zeros(0, dtype=np.int64)


def relevant_ranks(sims: np.ndarray, members: dict[int, np.ndarray], labels: np.ndarray,
                   own: np.ndarray | None = None) -> tuple[Ranks, np.ndarray]:
    """The rank of every relevant column of each row, and of column own[row] (0: none).

    The relevant columns of row r are members[labels[r]]. The rank of column g is
    1 + #(sim > sim_g) + #(sim == sim_g among columns before g): exactly the position a
    stable descending sort gives it. Each row is sorted once (np.sort, far cheaper than an
    argsort) and the relevant values are found in it by binary search.
    """
    q, n = sims.shape
    cols_of = [members.get(int(label), _NONE) for label in labels]
    counts = np.array([len(c) for c in cols_of], dtype=np.int64)
    rows = np.repeat(np.arange(q), counts)
    cols = np.concatenate(cols_of) if q else _NONE
    appended = np.zeros(len(rows), dtype=bool)
    if own is not None:  # rank each row's own item too (relevant or not): append it to its row
        own = np.asarray(own)
        has_own = np.flatnonzero(own >= 0)
        rows = np.concatenate([rows, has_own])
        cols = np.concatenate([cols, own[has_own]])
        appended = np.concatenate([appended, np.ones(len(has_own), dtype=bool)])
        counts = counts + (own >= 0)
        order = np.argsort(rows, kind="stable")
        rows, cols, appended = rows[order], cols[order], appended[order]
    vals = sims[rows, cols]
    ordered = np.sort(sims, axis=1)
    right = np.empty(len(vals), dtype=np.int64)
    ends = np.cumsum(counts)
    for r in range(q):
        seg = slice(ends[r] - counts[r], ends[r])
        right[seg] = np.searchsorted(ordered[r], vals[seg], side="right")
    ranks = n - right + 1  # 1 + number of strictly greater similarities in the row
    # a tie: the value just below the item's place in the sorted row is the same value
    tied = np.flatnonzero((right >= 2) & (ordered[rows, np.maximum(right - 2, 0)] == vals))
    for t in tied:  # exact ties are rare: count the equal values earlier in the row
        ranks[t] += np.count_nonzero(sims[rows[t], : cols[t]] == vals[t])
    own_rank = np.zeros(q, dtype=np.int64)
    own_rank[rows[appended]] = ranks[appended]
    rows, ranks = rows[~appended], ranks[~appended]
    order = np.sort(rows * (n + 1) + ranks)
    return Ranks(order // (n + 1), order % (n + 1), q), own_rank


def _score(scores: QueryScores, start: int, r: Ranks, ks: tuple[int, ...]) -> None:
    """Fill rows start .. start + r.count of `scores` from the ranks (vectorised over queries)."""
    n_rel = np.bincount(r.rows, minlength=r.count)
    has = n_rel > 0
    first = np.cumsum(n_rel) - n_rel
    hit = np.arange(len(r.rows)) - first[r.rows] + 1  # 1st, 2nd, ... relevant item of its query
    precision_at_hit = hit / r.ranks
    part = slice(start, start + r.count)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores.ap[part] = np.where(has, np.bincount(r.rows, precision_at_hit, r.count) / n_rel, np.nan)
        within_r = r.ranks <= n_rel[r.rows]
        scores.ap_at_r[part] = np.where(has, np.bincount(r.rows, precision_at_hit * within_r, r.count) / n_rel,
                                        np.nan)
        for k in ks:
            found = np.bincount(r.rows, r.ranks <= k, r.count)
            scores.precision[k][part] = np.where(has, found / k, np.nan)
            scores.recall[k][part] = np.where(has, found / n_rel, np.nan)
    if scores.interpolated is not None:
        scores.interpolated[part] = _interpolated(r.rows, precision_at_hit, n_rel, first)


def _interpolated(rows: np.ndarray, precision_at_hit: np.ndarray, n_rel: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Interpolated precision at the 11 recall levels per query: the highest precision at any recall at or
    above the level. Recall only grows at a relevant item, so that is the best precision at the relevant
    items from the first one whose recall reaches the level on; a suffix maximum within each query's run of
    items (sorted by query, then rank; offset by the query so that one cumulative maximum serves all)."""
    out = np.full((len(n_rel), len(RECALL_LEVELS)), np.nan)
    if not len(rows):
        return out
    shifted = precision_at_hit[::-1] - 2.0 * rows[::-1]  # precision <= 1 < 2: a later query never leaks in
    suffix_max = (np.maximum.accumulate(shifted) + 2.0 * rows[::-1])[::-1]
    has = np.flatnonzero(n_rel > 0)
    # the first relevant item (1-based) whose recall hit / n_rel reaches each level
    needed = np.maximum(np.ceil(RECALL_LEVELS[None, :] * n_rel[has, None] - 1e-9), 1).astype(np.int64)
    out[has] = suffix_max[first[has, None] + needed - 1]
    return out


def _similarities(query: np.ndarray, gallery: np.ndarray, backend: str) -> np.ndarray:
    """Cosine similarities [queries, gallery] of unit float32 vectors, computed by `backend`
    (numpy and faiss through fgcross.inner_product, as search ranks)."""
    if backend == "torch":
        import torch

        return (torch.from_numpy(query) @ torch.from_numpy(gallery).T).numpy()
    if backend in BACKENDS:
        return InnerProductIndex(gallery, backend, "eval.backend").similarities(query)
    raise ValueError(f"unknown eval backend {backend!r} (numpy, torch or faiss)")


def _chunk_similarities(embeddings: dict[str, Embeddings], media: list[str], q: str, rows: slice,
                        feats: dict[str, np.ndarray], gallery: np.ndarray, backend: str) -> np.ndarray:
    """A chunk of media q's queries against the stacked gallery: the scorer's blocks when the
    embeddings have one, else cosine similarities by `backend`."""
    scorer = embeddings[q].scorer
    if scorer is None:
        return _similarities(feats[q][rows], gallery, backend)
    query = {k: v[rows] for k, v in embeddings[q].items.items()}
    return np.concatenate([scorer.block(q, query, g, embeddings[g].items) for g in media], axis=1)


def query_similarities(embeddings: dict[str, Embeddings], q: str, rows: slice | np.ndarray,
                       gallery_media: list[str]) -> np.ndarray:
    """Similarities [rows, gallery] of media q's query `rows` with the items of `gallery_media`
    stacked in that order, as the evaluation ranks them: the method's scorer when the embeddings
    have one (MCSM, CRAN), else the cosine of the features. For the report pages, which rank a
    few queries and must show what the evaluation measured."""
    _check_scorers({m: embeddings[m] for m in {q, *gallery_media}})
    if embeddings[q].scorer is not None:  # the scorer reads its own arrays, not the features
        return _chunk_similarities(embeddings, gallery_media, q, rows, {}, np.empty((0, 0), np.float32), "numpy")
    query = l2_normalize(embeddings[q].features[rows]).astype(np.float32)
    gallery = np.concatenate([l2_normalize(embeddings[m].features) for m in gallery_media]).astype(np.float32)
    return _similarities(query, gallery, "numpy")


def _check_scorers(embeddings: dict[str, Embeddings]) -> None:
    names = {m: e.scorer.name if e.scorer is not None else "inner product" for m, e in embeddings.items()}
    if len(set(names.values())) > 1:
        raise ValueError(f"the embeddings of one evaluation must share a scorer, got {names}")


def retrieval_scores(embeddings: dict[str, Embeddings], chunk: int = 1024, ks: tuple[int, ...] = KS,
                     backend: str = "numpy") -> dict[str, QueryScores]:
    """Per-query scores for every bi-modality direction (`i2t` ...) and X->All, both with the
    query's own item in the gallery (`i2all`) and without it (`i2all-self`), from one ranking."""
    media = [m for m in MEDIA if m in embeddings]
    _check_scorers(embeddings)
    feats = {m: l2_normalize(embeddings[m].features).astype(np.float32) for m in media}
    gallery = np.concatenate([feats[m] for m in media])
    all_members = class_members(np.concatenate([embeddings[m].labels for m in media]))
    members = {m: class_members(embeddings[m].labels) for m in media}
    offsets = dict(zip(media, np.cumsum([0] + [len(feats[m]) for m in media[:-1]]).tolist(), strict=True))
    out: dict[str, QueryScores] = {}
    for q in media:
        labels = embeddings[q].labels
        targets = {f"{MEDIA_LETTER[q]}2{MEDIA_LETTER[g]}": g for g in media if g != q}
        everything = f"{MEDIA_LETTER[q]}2all"
        for name in [*targets, everything, everything + SELF_EXCLUDED]:
            out[name] = QueryScores.empty(labels, ks)
        for start in range(0, len(labels), chunk):
            stop = min(start + chunk, len(labels))
            sims = _chunk_similarities(embeddings, media, q, slice(start, stop), feats, gallery, backend)
            chunk_labels = labels[start:stop]
            for name, g in targets.items():
                block = sims[:, offsets[g]:offsets[g] + len(feats[g])]
                _score(out[name], start, relevant_ranks(block, members[g], chunk_labels)[0], ks)
            own = offsets[q] + np.arange(start, stop)  # the query's own item in the stacked gallery
            ranks, own_rank = relevant_ranks(sims, all_members, chunk_labels, own)
            _score(out[everything], start, ranks, ks)
            _score(out[everything + SELF_EXCLUDED], start, ranks.without(own_rank), ks)
    return out


def nanmean(values: np.ndarray) -> float:
    valid = values[~np.isnan(values)]
    return float(valid.mean()) if valid.size else float("nan")


mean_ap = nanmean


def protocol_metrics(scores: dict[str, QueryScores], exclude_self: bool = False) -> dict[str, float]:
    """The flat keys of the published protocol: 12 directions, bi_avg, 4 X->All, multi_avg.

    X->All keeps the query's own item in the gallery unless `exclude_self`.
    """
    metrics: dict[str, float] = {}
    bi = [k for k in scores if "all" not in k]
    multi = [k for k in scores if k.endswith("all")]
    for key in bi:
        metrics[key] = nanmean(scores[key].ap)
    if bi:
        metrics["bi_avg"] = float(np.mean([metrics[k] for k in bi]))
    for key in multi:
        metrics[key] = nanmean(scores[key + SELF_EXCLUDED if exclude_self else key].ap)
    metrics["multi_avg"] = float(np.mean([metrics[k] for k in multi]))
    return metrics


def mean_ap_empty_as_zero(values: np.ndarray) -> float:
    """The official code's mAP (retrieval.py): a query with no relevant item scores 0, not left out.

    Only a labelled variant (`map_empty_as_zero` in metrics/retrieval.json): an empty query
    says nothing about the ranking, so the headline mAP leaves it out of the mean."""
    return float(np.nan_to_num(values, nan=0.0).mean()) if values.size else float("nan")


def extended_metrics(scores: dict[str, QueryScores]) -> dict[str, dict[str, float]]:
    """Per direction: mAP, the official code's mAP (empty queries as 0), mAP@R, P@k and R@k."""
    out = {}
    for key, s in scores.items():
        row = {"map": nanmean(s.ap), "map_empty_as_zero": mean_ap_empty_as_zero(s.ap), "map_at_r": nanmean(s.ap_at_r)}
        row.update({f"p_at_{k}": nanmean(v) for k, v in s.precision.items()})
        row.update({f"r_at_{k}": nanmean(v) for k, v in s.recall.items()})
        out[key] = row
    return out


def pr_curve(scores: dict[str, QueryScores], directions: list[str]) -> dict[str, list[float]]:
    """The 11-point interpolated precision-recall curve of each direction: the mean over its queries
    (those with a relevant item) of the interpolated precision at recall 0, 0.1, ..., 1."""
    out = {}
    for key in directions:
        values = scores[key].interpolated
        valid = values[~np.isnan(values[:, 0])]
        out[key] = valid.mean(axis=0).tolist() if len(valid) else [float("nan")] * len(RECALL_LEVELS)
    return out


def per_class_ap(scores: dict[str, QueryScores]) -> list[dict[str, float | int | str]]:
    """Rows of (direction, label, ap, queries): the mean AP of each class's queries."""
    rows = []
    for key, s in scores.items():
        for label in np.unique(s.labels):
            values = s.ap[s.labels == label]
            rows.append({"direction": key, "label": int(label), "ap": nanmean(values),
                         "queries": int(np.count_nonzero(~np.isnan(values)))})
    return rows


def evaluate_retrieval(embeddings: dict[str, Embeddings], exclude_self: bool = False, chunk: int = 1024,
                       backend: str = "numpy") -> dict[str, float]:
    """The protocol's flat metric keys for the media present (i2t ... bi_avg, i2all ... multi_avg)."""
    return protocol_metrics(retrieval_scores(embeddings, chunk, backend=backend), exclude_self)


def average_precisions(query: np.ndarray, gallery: np.ndarray, query_labels: np.ndarray,
                       gallery_labels: np.ndarray, self_index: np.ndarray | None = None,
                       chunk: int = 1024) -> np.ndarray:
    """AP of every query against one gallery (NaN where nothing is relevant).

    self_index[q], when given, is the gallery position of query q's own item (-1: none);
    that item is excluded from q's ranking.
    """
    q, g = l2_normalize(query).astype(np.float32), l2_normalize(gallery).astype(np.float32)
    query_labels = np.asarray(query_labels)
    members = class_members(np.asarray(gallery_labels))
    scores = QueryScores.empty(query_labels, ())
    for start in range(0, len(q), chunk):
        stop = min(start + chunk, len(q))
        own = None if self_index is None else np.asarray(self_index[start:stop])
        ranks, own_rank = relevant_ranks(q[start:stop] @ g.T, members, query_labels[start:stop], own)
        _score(scores, start, ranks.without(own_rank), ())
    return scores.ap
