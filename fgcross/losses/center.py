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

    def __init__(self, num_classes: int, dim: int) -> None:
        super().__init__()
        self.centers = nn.Parameter(torch.randn(num_classes, dim) * 0.01)

    def forward(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return center_loss(features, labels, self.centers)
