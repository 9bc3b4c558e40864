"""A cross-media alignment loss over any pairwise similarity: the training side of the pairwise scorers.

MCSM (per space and fused) and CRAN (per level) train their similarities with the same
loss: for each item, the softmax over the items of the *other* media in the batch should
put its mass on those of the item's class (a multi-positive InfoNCE). It acts on a
similarity matrix, not on vectors, so it fits any scorer of fgcross.scoring.
"""

from __future__ import annotations

import torch


def cross_media_nce(sims: torch.Tensor, labels: torch.Tensor, media: torch.Tensor,
                    temperature: float = 0.1) -> torch.Tensor:
    """Mean over rows with a positive of -log(sum over positives / sum over candidates) of
    exp(sims / temperature), where the candidates of row i are the items of another media and
    its positives those of them with i's label; 0 (with a graph) when no row has a positive."""
    other = media[:, None] != media[None, :]
    positive = other & (labels[:, None] == labels[None, :])
    rows = positive.any(dim=1)
    if not rows.any():
        return sims.sum() * 0.0
    logits = (sims / temperature).masked_fill(~other, float("-inf"))
    everything = torch.logsumexp(logits, dim=1)
    positives = torch.logsumexp(logits.masked_fill(~positive, float("-inf")), dim=1)
    return (everything - positives)[rows].mean()
