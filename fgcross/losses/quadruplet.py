"""FGCrossNet's quadruplet ranking loss.

Quadruplets (i, j, k, l) are distinct batch indices with y_i = y_j, y_k != y_i,
y_l != y_i and y_l != y_k; d is the Euclidean distance between embeddings.

- form="paper":     mean over valid quadruplets of
                    [d_ij - d_ik + m1]_+ + [d_ij - d_kl + m2]_+
- form="reference": the official code's variant: the sum over valid quadruplets of
                    [(d_ij - d_ik + m1) + (d_ij - d_kl + m2)]_+, divided by the number
                    of strictly positive terms (0 when there is none).

Both are computed class by class of the anchor: for the anchor-positive pairs of a class c
and the items k of other classes, a [pairs, k, l] block holds every quadruplet, chunked so
that no block exceeds `max_block` elements. Nothing of size B^4 is ever built.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from fgcross.losses.distances import pairwise_distances


def quadruplet_loss(embeddings: torch.Tensor, labels: torch.Tensor, margin1: float = 1.0, margin2: float = 0.5,
                    form: str = "paper", max_block: int = 1 << 22) -> torch.Tensor:
    """The quadruplet ranking loss (see the module docstring); 0 when no quadruplet is valid."""
    if form not in ("paper", "reference"):
        raise ValueError(f"form must be 'paper' or 'reference', got {form!r}")
    dist = pairwise_distances(embeddings)
    n = labels.shape[0]
    idx = torch.arange(n, device=labels.device)
    total = embeddings.sum() * 0.0
    count = torch.zeros((), device=embeddings.device)
    for c in labels.unique():
        members = idx[labels == c]
        others = idx[labels != c]
        if members.numel() < 2 or others.numel() < 2:
            continue
        ii, jj = torch.meshgrid(members, members, indexing="ij")
        keep = ii != jj
        ii, jj = ii[keep], jj[keep]  # anchor-positive pairs of class c
        # valid l for each k: a class other than c and other than y_k
        valid_kl = (labels[None, :] != c) & (labels[None, :] != labels[others][:, None])  # [K, B]
        if not valid_kl.any():
            continue
        d_kl = dist[others]  # [K, B]
        valid = valid_kl.to(embeddings.dtype)
        chunk = max(1, max_block // (others.numel() * n))
        for s in range(0, ii.numel(), chunk):
            pi, pj = ii[s:s + chunk], jj[s:s + chunk]
            d_ij = dist[pi, pj][:, None, None]  # [P, 1, 1]
            d_ik = dist[pi][:, others][:, :, None]  # [P, K, 1]
            if form == "paper":
                t1 = F.relu(d_ij - d_ik + margin1) * valid[None]
                t2 = F.relu(d_ij - d_kl[None] + margin2) * valid[None]
                total = total + t1.sum() + t2.sum()
                count = count + pi.numel() * valid.sum()
            else:
                t = F.relu(2 * d_ij - d_ik - d_kl[None] + margin1 + margin2) * valid[None]
                total = total + t.sum()
                count = count + (t > 0).sum()
    if count.item() == 0:
        return total
    return total / count
