"""Pairwise distances between embeddings, shared by the ranking and triplet losses."""

from __future__ import annotations

import torch


def pairwise_distances(x: torch.Tensor) -> torch.Tensor:
    """Euclidean distances [B, B], with a gradient that stays finite at zero distance."""
    sq = (x * x).sum(dim=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)
    return d2.clamp_min(1e-12).sqrt()
