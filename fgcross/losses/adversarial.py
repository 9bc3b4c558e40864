"""Modality-adversarial training (Adversarial Cross-Modal Retrieval, ACM MM 2017), a related method.

A small modality classifier on the common representation, trained through a
gradient-reversal layer, so that the network learns a representation the classifier cannot
tell apart by media while the classifier keeps trying.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class _ReverseGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.scale * grad, None


def reverse_gradient(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """Identity forward; the gradient is multiplied by -scale on the way back (the GRL)."""
    return _ReverseGradient.apply(x, scale)


class ModalityClassifier(nn.Module):
    """Predicts an item's media from its common representation (two layers, as in ACMR)."""

    def __init__(self, dim: int, media: int, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, media))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.net(reverse_gradient(features))


def adversarial_loss(classifier: ModalityClassifier, features: torch.Tensor,
                     media: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy of the modality classifier (through the GRL) and its accuracy.

    Minimising it trains the classifier to tell the media apart and, reversed, the network
    to make them indistinguishable."""
    logits = classifier(features)
    return F.cross_entropy(logits, media), (logits.argmax(1) == media).float().mean()
