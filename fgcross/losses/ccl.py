"""CCL's losses (arXiv 1704.02116; the network is fgcross.models.ccl).

Stage 1 models intra- and inter-modality correlation jointly:
- `reconstruction_loss`: each media's autoencoder reconstructs its input (the coarse
  instance and every patch), the intra-modality term; the targets are detached, so the
  term trains the codes, not the backbone toward features that are easy to reconstruct.
- `correlation_loss`: the inter-modality term; the codes of one class are pulled together
  across media (class means, over every pair of media present), as unit vectors: on raw
  codes the term is minimised by shrinking every code to 0, which it did within an epoch.

Stage 2 balances the semantic category constraint (the cross-entropy, shared with
FGCrossNet) with the pairwise similarity constraint:
- `pairwise_loss`: a contrastive loss on every cross-media pair of the batch, on unit-length
  common representations (so that the margin has a fixed scale): a pair of one class is
  pulled to distance 0, a pair of two classes pushed to at least the margin.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch.nn import functional as F


def reconstruction_loss(aux: Mapping[str, Mapping[str, torch.Tensor]]) -> torch.Tensor:
    """Mean squared error of each media's `reconstruction` against its detached `input`, summed over media."""
    return sum(F.mse_loss(a["reconstruction"], a["input"].detach()) for a in aux.values())


def correlation_loss(codes: Mapping[str, torch.Tensor], labels: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """Mean over pairs of media and the classes both hold of the squared distance between the two
    media's mean codes of that class, each scaled to unit length (0 with fewer than two media)."""
    media = list(codes)
    terms = []
    for i, a in enumerate(media):
        for b in media[i + 1:]:
            for c in torch.unique(labels[a]):
                in_a, in_b = labels[a] == c, labels[b] == c
                if in_a.any() and in_b.any():
                    gap = F.normalize(codes[a][in_a].mean(0), dim=0) - F.normalize(codes[b][in_b].mean(0), dim=0)
                    terms.append(gap.pow(2).sum())
    if not terms:
        return next(iter(codes.values())).sum() * 0.0
    return torch.stack(terms).mean()


def pairwise_loss(common: torch.Tensor, labels: torch.Tensor, media: torch.Tensor, margin: float) -> torch.Tensor:
    """Contrastive loss over the cross-media pairs of unit-length representations: d^2 for a pair of
    one class, max(0, margin - d)^2 for a pair of two; the mean over pairs (0 with one media)."""
    z = F.normalize(common, dim=1)
    dist = torch.cdist(z, z)
    cross = media[:, None] != media[None, :]
    same = labels[:, None] == labels[None, :]
    loss = torch.where(same, dist.pow(2), F.relu(margin - dist).pow(2))
    if not cross.any():
        return common.sum() * 0.0
    return loss[cross].mean()
