"""The paper's text branch: characters -> a one-channel 'image' -> three channels for the CNN.

Embedding(70, d) -> Conv1d(d, S/2, 3) -> Conv1d(S/2, S, 3) gives S channels by T positions;
read as a 1 x S x T picture, pooled to S x S (a no-op when T == S, the paper's 448/448),
then Conv2d(1, 3, 3) makes three channels for the shared backbone.

Two forms (`model.text_branch`):
- `paper` (ours): ReLU after both 1-D convolutions, and a BatchNorm2d(3) at the end.
- `official`: the official model.py's `process_txt`: ReLU after the first convolution
  only, and no BatchNorm. Its layers keep the same names and shapes, so the official
  weights load into it (fgcross.models.official).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from fgcross.media.text import VOCAB_SIZE

TEXT_BRANCHES = ("paper", "official")


class CharCNNText(nn.Module):
    def __init__(self, image_size: int, embed_dim: int = 16, form: str = "paper") -> None:
        super().__init__()
        if form not in TEXT_BRANCHES:
            raise ValueError(f"unknown text branch {form!r}: expected one of {TEXT_BRANCHES}")
        self.image_size = image_size
        self.form = form
        self.embed = nn.Embedding(VOCAB_SIZE, embed_dim, padding_idx=0)
        self.conv1 = nn.Conv1d(embed_dim, max(image_size // 2, 1), 3, padding=1)
        self.conv2 = nn.Conv1d(max(image_size // 2, 1), image_size, 3, padding=1)
        self.to_rgb = nn.Conv2d(1, 3, 3, padding=1)
        # Not in the paper: brings text pictures to the scale of normalised images, so that
        # the shared backbone's batch statistics, computed over all media at once, fit both.
        self.norm = nn.BatchNorm2d(3) if form == "paper" else nn.Identity()

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        """codes: long [B, T] -> float [B, 3, S, S]."""
        x = self.embed(codes).transpose(1, 2)  # B, d, T
        x = self.conv2(F.relu(self.conv1(x)))  # B, S, T
        if self.form == "paper":
            x = F.relu(x)
        if x.shape[-1] != self.image_size:
            x = F.adaptive_avg_pool1d(x, self.image_size)
        return self.norm(self.to_rgb(x.unsqueeze(1)))
