"""FGCrossNet's center loss: each item pulled toward the learnable centre of its class.

The centres are parameters of their own (not of the network): they learn with their own
learning-rate scale, and the trained model file keeps them next to the network.
"""

from __future__ import annotations

import torch
from torch import nn


def center_loss(features: torch.Tensor, labels: torch.Tensor, centers: torch.Tensor) -> torch.Tensor:
    """Batch mean of the squared Euclidean distance of each feature to its class centre."""
    return ((features - centers[labels]) ** 2).sum(dim=1).mean()


class CenterLoss(nn.Module):
    """Holds the learnable class centres; train them with their own learning-rate scale."""

    def __init__(self, num_classes: int, dim: int, init_std: float) -> None:
        super().__init__()
        self.centers = nn.Parameter(torch.randn(num_classes, dim) * init_std)

    @torch.no_grad()
    def redraw(self, std: float, seed: int) -> None:
        """New random centres (in place, so an optimiser holding them keeps them): the official
        second run builds a fresh CenterLoss. Drawn from their own generator, so a resumed run
        draws the same centres as an uninterrupted one."""
        generator = torch.Generator().manual_seed(seed)
        self.centers.copy_(torch.randn(self.centers.shape, generator=generator) * std)

    def forward(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return center_loss(features, labels, self.centers)
