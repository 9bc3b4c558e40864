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
that no block exceeds `max_block` elements. Nothing of size B^4 is ever built, and a class of
several blocks keeps none of them for the backward pass (torch.utils.checkpoint).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F
from torch.utils.checkpoint import checkpoint

from fgcross.losses.distances import pairwise_distances


def _block(dist: torch.Tensor, d_kl: torch.Tensor, valid: torch.Tensor, pi: torch.Tensor, pj: torch.Tensor,
           others: torch.Tensor, margin1: float, margin2: float,
           form: str) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
    """(the sums of the block's two terms, or its one term and 0; what they count for) over the
    quadruplets of anchor-positive pairs (pi, pj), every k in `others` and every valid l. Two sums,
    added to the total one after the other, as the loss always added them (the same float bits)."""
    d_ij = dist[pi, pj][:, None, None]  # [P, 1, 1]
    d_ik = dist[pi][:, others][:, :, None]  # [P, K, 1]
    if form == "paper":
        t1 = F.relu(d_ij - d_ik + margin1) * valid[None]
        t2 = F.relu(d_ij - d_kl[None] + margin2) * valid[None]
        return t1.sum(), t2.sum(), pi.numel() * valid.sum()
    t = F.relu(2 * d_ij - d_ik - d_kl[None] + margin1 + margin2) * valid[None]
    return t.sum(), None, (t > 0).sum()


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
        # a class whose quadruplets take more than one block has each block recomputed in the backward
        # pass instead of kept for it: the [P, K, B] intermediates of every block of every class would
        # otherwise stay alive until backward (1.6 GB above the start at B = 256, 16 x 16). The same
        # arithmetic again, so the same bits; small batches (one block a class) keep theirs, and their speed
        recompute = ii.numel() > chunk
        for s in range(0, ii.numel(), chunk):
            args = (dist, d_kl, valid, ii[s:s + chunk], jj[s:s + chunk], others, margin1, margin2, form)
            first, second, counted = (checkpoint(_block, *args, use_reentrant=False) if recompute
                                      else _block(*args))
            total = total + first if second is None else total + first + second
            count = count + counted
    if count.item() == 0:
        return total
    return total / count
