"""A method built on FGCrossNet's parts, with a head of its own and a pairwise scorer.

MCSM and CRAN (fgcross.models.mcsm, fgcross.models.cran) keep everything FGCrossNet has
(the media adapters, the shared backbone, the classifier whose logits the cross-entropy,
center and ranking terms train and whose softmax is the exported `features`) and add a head
on the backbone's last spatial feature map. The head turns each item's cells into the
arrays its scorer compares (fgcross.scoring), trains them with its own loss (the objective's
`method` term, fgcross.losses.objective), and says how a video's frames become one item.

So the training loop, export, evaluation and search treat every method alike: they ask the
network for `aux` (the head's arrays) only when the objective or the scorer needs it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from fgcross.models.fgcrossnet import FGCrossNet
from fgcross.scoring import normalise


class MethodHead(nn.Module):
    """What a method adds: `scorer` (its name in fgcross.scoring), `items` (one media's feature
    maps -> the scorer's per-item arrays), `loss` (the arrays of a batch -> its training term),
    `scorer_params` (its learned arrays the scorer needs). Arrays named in `weights` are
    averaged over a video's frames as they are; every other array is averaged, then made unit again."""

    scorer = ""
    weights: tuple[str, ...] = ()

    def items(self, media: str, maps: torch.Tensor) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def loss(self, aux: dict[str, dict[str, torch.Tensor]], labels: dict[str, torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    def scorer_params(self) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def average_frames(self, arrays: dict[str, torch.Tensor], videos: int) -> dict[str, torch.Tensor]:
        """A video's rows (its frames are consecutive) -> one row: the mean, unit again unless a weight."""
        out = {}
        for name, value in arrays.items():
            mean = value.view(videos, -1, *value.shape[1:]).mean(1)
            out[name] = mean if name in self.weights else normalise(mean)
        return out


class MethodNet(FGCrossNet):
    """FGCrossNet's parts and a method head; `forward(..., return_aux=True)` adds the head's arrays.

    `make_head` is called after FGCrossNet's classifier is drawn, so that for a seed every part
    FGCrossNet has starts from FGCrossNet's weights (tested)."""

    def __init__(self, backbone: nn.Module | None, width: int, num_classes: int, adapters: dict[str, nn.Module],
                 backbones: dict[str, nn.Module] | None, make_head: Callable[[], MethodHead]) -> None:
        super().__init__(backbone, width, num_classes, adapters, backbones)
        self.head = make_head()

    @property
    def scorer(self) -> str:
        return self.head.scorer

    def forward(self, inputs: dict[str, torch.Tensor], return_features: bool = False, return_aux: bool = False):
        """As FGCrossNet's (logits, and pooled features when asked), then media -> the head's arrays
        when `return_aux`: (logits, pooled, aux)."""
        names, sizes, maps, pooled = self.feature_maps(inputs)
        logits = dict(zip(names, self.classifier(pooled).split(sizes), strict=True))
        if not return_aux:
            return (logits, dict(zip(names, pooled.split(sizes), strict=True))) if return_features else logits
        aux = {m: self.head.items(m, part) for m, part in zip(names, maps.split(sizes), strict=True)}
        return logits, dict(zip(names, pooled.split(sizes), strict=True)), aux
