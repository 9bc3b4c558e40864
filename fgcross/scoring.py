"""Pairwise scorers: the similarity of methods that do not compare one vector per item.

FGCrossNet ranks by the inner product of one unit vector per item (fgcross.inner_product).
MCSM and CRAN do not: MCSM compares two items in every media's semantic space and fuses
those similarities with weights that depend on the pair of media; CRAN sums a global, a
local (patch-to-patch) and a relation similarity. Their model heads
(fgcross.models.mcsm, fgcross.models.cran) train with the functions of this module, and
evaluation and search rank with the same functions, so the trained similarity and the
ranked one cannot drift apart.

What a scorer reads is exported with the embeddings (exports/<split>/<media>.npz):

    scorer          str, the scorer's name (absent: inner product of `features`)
    item_<name>     per-item arrays [N, ...] (a video is one row), e.g. item_spaces [N, S, D]
    param_<name>    the method's learned arrays, the same in every media's file, e.g. param_fusion

A `Scorer` is exact and vectorised: one call scores a block of queries of one media
against a block of gallery items of one media ([Q, G], float32), in gallery chunks that
bound the memory of the patch-to-patch products. Evaluation stacks the blocks of every
gallery media; search scores a shortlist (fgcross.search.gallery).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from fgcross import MEDIA
from fgcross.exported import ITEM, PARAM, SCORER_KEY  # noqa: F401  (the export's keys, named where they are read)

BLOCK_ELEMENTS = 1 << 24
"""Floats of the largest intermediate of a block (about 64 MB): CRAN's patch products are chunked to fit."""

Items = Mapping[str, torch.Tensor]


def fused_space_similarity(query: torch.Tensor, gallery: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """MCSM: sum over semantic spaces s of weights[s] x cos(query_s, gallery_s).

    query [Q, S, D] and gallery [G, S, D] hold unit vectors, one per space; weights [S] are
    non-negative, so the sum is one matrix product of the spaces side by side, each scaled by
    the square root of its weight on both sides."""
    scale = weights.clamp_min(0).sqrt()[None, :, None]
    return (query * scale).flatten(1) @ (gallery * scale).flatten(1).T


def local_similarity(query_patches: torch.Tensor, query_attention: torch.Tensor,
                     gallery_patches: torch.Tensor) -> torch.Tensor:
    """CRAN's local alignment: each query patch's best cosine among the gallery item's patches,
    weighted by the query's patch attention ([Q, P, D], [Q, P], [G, K, D] -> [Q, G])."""
    q, p, d = query_patches.shape
    g, k, _ = gallery_patches.shape
    products = query_patches.reshape(q * p, d) @ gallery_patches.reshape(g * k, d).T  # [Q*P, G*K]
    best = products.view(q, p, g, k).amax(dim=3)  # [Q, P, G]
    return torch.einsum("qp,qpg->qg", query_attention, best)


def cran_levels(query: Items, gallery: Items) -> dict[str, torch.Tensor]:
    """CRAN's three similarities of every query with every gallery item: global, local, relation."""
    return {"global": query["global"] @ gallery["global"].T,
            "local": local_similarity(query["patches"], query["attention"], gallery["patches"]),
            "relation": query["relation"] @ gallery["relation"].T}


def cran_similarity(query: Items, gallery: Items, weights: torch.Tensor) -> torch.Tensor:
    """CRAN's multi-level similarity: the weighted sum of its global, local and relation similarities."""
    levels = cran_levels(query, gallery)
    return weights[0] * levels["global"] + weights[1] * levels["local"] + weights[2] * levels["relation"]


def _mcsm_block(q_media: str, query: Items, g_media: str, gallery: Items, params: Items) -> torch.Tensor:
    return fused_space_similarity(query["spaces"], gallery["spaces"],
                                  params["fusion"][MEDIA.index(q_media), MEDIA.index(g_media)])


def _cran_block(q_media: str, query: Items, g_media: str, gallery: Items, params: Items) -> torch.Tensor:
    return cran_similarity(query, gallery, params["levels"])


BLOCKS: dict[str, Callable[[str, Items, str, Items, Items], torch.Tensor]] = {"mcsm": _mcsm_block,
                                                                               "cran": _cran_block}
"""Scorer name -> the function scoring a query block against a gallery block."""


def _tensors(arrays: Mapping[str, np.ndarray], rows: slice | np.ndarray = slice(None)) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.ascontiguousarray(v[rows], dtype=np.float32)) for k, v in arrays.items()}


@dataclass(frozen=True)
class Scorer:
    """A method's pairwise similarity over exported arrays: `name` picks the function, `params`
    are its learned arrays (the `param_*` of the export)."""

    name: str
    params: Mapping[str, np.ndarray]

    def __post_init__(self) -> None:
        if self.name not in BLOCKS:
            raise ValueError(f"unknown scorer {self.name!r}: expected one of {sorted(BLOCKS)}")

    @torch.no_grad()
    def block(self, q_media: str, query: Mapping[str, np.ndarray], g_media: str,
              gallery: Mapping[str, np.ndarray], rows: np.ndarray | None = None) -> np.ndarray:
        """Similarities [Q, G] (float32) of every query item (media `q_media`) with every gallery
        item (or the gallery rows `rows`), computed in gallery chunks that bound the memory."""
        q = _tensors(query)
        params = _tensors(self.params)
        if rows is not None:
            gallery = {k: v[np.asarray(rows)] for k, v in gallery.items()}
        n_gallery = len(next(iter(gallery.values())))
        n_query = len(next(iter(q.values())))
        per_item = max(int(np.prod(v.shape[1:-1])) if v.ndim > 2 else 1 for v in q.values())
        per_gallery = max(int(np.prod(v.shape[1:-1])) if v.ndim > 2 else 1 for v in gallery.values())
        step = max(1, BLOCK_ELEMENTS // max(1, n_query * per_item * per_gallery))
        out = np.empty((n_query, n_gallery), dtype=np.float32)
        for start in range(0, n_gallery, step):
            part = slice(start, min(start + step, n_gallery))  # a view: no copy of float32 arrays
            out[:, part] = BLOCKS[self.name](q_media, q, g_media, _tensors(gallery, part), params).numpy()
        return out


def normalise(x: torch.Tensor) -> torch.Tensor:
    """Unit vectors along the last axis (the scorers' cosines are inner products of these)."""
    return F.normalize(x, dim=-1)
