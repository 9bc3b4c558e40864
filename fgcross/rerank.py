"""Neighbourhood re-ranking of the similarities: database-side augmentation with alpha weights.

Why: DBFC-Net's best result uses a neighbourhood similarity (its cosine+) over plain cosine.
We use the published equivalent that needs no training, alpha-weighted database-side
augmentation (alpha-DBA; Arandjelovic & Zisserman 2012, Radenovic et al. 2019): every item
of the evaluated split, of every media, is replaced by the weighted mean of its k nearest
items (itself included), the weights being their cosine similarity to the power alpha;
queries and gallery are then ranked by plain cosine again. An item whose neighbours agree
on a class moves toward it, across media too.

It is transductive (it uses the evaluated split's items as context), so its figures are
reported beside the protocol's, never in metrics/eval.json (metrics/reranked.json).
Memory: rows are expanded `chunk` at a time (about chunk x items x 4 bytes).
"""

from __future__ import annotations

import numpy as np


def neighbourhood_expand(features: np.ndarray, k: int, alpha: float, chunk: int = 1024) -> np.ndarray:
    """float32 [N, D]: each row the alpha-weighted mean of its k nearest rows by cosine, unit length.

    k = 1 (or 0) returns the rows normalised, unchanged in direction: re-ranking off."""
    x = features.astype(np.float32)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    k = min(k, len(x))
    if k <= 1:
        return x
    out = np.empty_like(x)
    for start in range(0, len(x), chunk):
        sims = x[start:start + chunk] @ x.T  # rows, N
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        weights = np.clip(np.take_along_axis(sims, top, axis=1), 0.0, None) ** alpha  # rows, k
        mixed = np.einsum("rk,rkd->rd", weights, x[top])
        out[start:start + chunk] = mixed / np.maximum(np.linalg.norm(mixed, axis=1, keepdims=True), 1e-12)
    return out
