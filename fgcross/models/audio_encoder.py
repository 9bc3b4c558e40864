"""The audio encoder of `spectrogram.kind: birdnet`: a trained projection of BirdNET's embedding.

Why: FGCrossNet reads a recording as a spectrogram picture through the CNN it shares with
the photographs, which on real calls learns little (docs/methods.md, "On real media"). A
frozen audio model pretrained on real bird recordings (fgcross.media.birdnet) gives each
recording a 1024-wide embedding once, in the preparation stage; what is trained here is
only the step from that embedding into the shared classifier's input, as a subword text
encoder (fgcross.models.text_encoder) meets the other media there too.

The projection: layer norm (BirdNET's pooled activations are non-negative and of uneven
scale), a hidden layer with dropout, and a ReLU at the end, since the backbone's pooled
features it stands beside are non-negative too.
"""

from __future__ import annotations

import torch
from torch import nn

from fgcross.media.birdnet import WIDTH as BIRDNET_WIDTH

AUDIO_ENCODERS = ("cnn", "birdnet")
"""`cnn`: the spectrogram picture through the shared CNN (FGCrossNet); `birdnet`: this projection."""


class EmbeddingProjection(nn.Module):
    """Embeddings [B, in_width] -> features [B, width]."""

    def __init__(self, width: int, in_width: int = BIRDNET_WIDTH, hidden: int = 1024, dropout: float = 0.2) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.LayerNorm(in_width), nn.Linear(in_width, hidden), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, width), nn.ReLU())

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.net(embeddings)
