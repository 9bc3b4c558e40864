"""TNN-C-CCA's losses (deep triplet network with cluster-CCA, audio-visual retrieval), a related method.

A triplet loss whose anchor and positive/negative come from different media, and a
cluster-CCA objective correlating each item with the centre of its class in another media.
Like the center and ranking losses, they act on the classifier's logits, whose softmax is
what export writes and retrieval ranks, so export and evaluation stay the same.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from fgcross.losses.distances import pairwise_distances


def cross_media_triplet_loss(embeddings: torch.Tensor, labels: torch.Tensor, media: torch.Tensor,
                             margin: float = 0.5) -> torch.Tensor:
    """Mean of max(0, d(a, p) - d(a, n) + margin) over every triplet whose positive p (same
    class) and negative n (another class) are of a media other than the anchor a's; 0 when
    no triplet is valid. Distances are Euclidean between L2-normalised embeddings."""
    dist = pairwise_distances(F.normalize(embeddings, dim=1))
    same_class = labels[:, None] == labels[None, :]
    other_media = media[:, None] != media[None, :]
    pos = same_class & other_media  # [A, P]
    neg = ~same_class & other_media  # [A, N]
    valid = pos[:, :, None] & neg[:, None, :]  # [A, P, N]
    if not valid.any():
        return embeddings.sum() * 0.0
    t = F.relu(dist[:, :, None] - dist[:, None, :] + margin)
    return (t * valid).sum() / valid.sum()


def _standardise(x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    x = x - x.mean(0, keepdim=True)
    return x / (x.pow(2).mean(0, keepdim=True).sqrt() + eps)


def cluster_cca_loss(embeddings: torch.Tensor, labels: torch.Tensor, media: torch.Tensor) -> torch.Tensor:
    """1 - the mean per-dimension correlation between items of one media and the centres of
    their classes in another media, averaged over the ordered media pairs that share at
    least two classes in the batch (cluster-CCA pairs every item with the other media's
    class centre; this is its correlation objective in the soft form used for deep
    networks, without the whitening constraint). 0: perfectly correlated; 2: reversed."""
    terms = []
    kinds = media.unique()
    for a in kinds:
        for b in kinds:
            if a == b:
                continue
            xa, ya = embeddings[media == a], labels[media == a]
            xb, yb = embeddings[media == b], labels[media == b]
            shared = [c for c in ya.unique() if (yb == c).any()]
            if len(shared) < 2:
                continue
            centres = torch.stack([xb[yb == c].mean(0) for c in shared])
            which = torch.stack([ya == c for c in shared])  # [C, Na]
            keep = which.any(0)
            target = centres[which[:, keep].float().argmax(0)]  # each kept item's class centre in b
            corr = (_standardise(xa[keep]) * _standardise(target)).mean(0)  # per dimension
            terms.append(1.0 - corr.mean())
    if not terms:
        return embeddings.sum() * 0.0
    return torch.stack(terms).mean()
