"""Coarse instances and fine-grained patches from the shared CNN, the same way for every media.

The baselines CCL and CM-GANs need more than the pooled vector: they need the backbone's
last spatial feature map (fgcross.models.backbones.feature_map, as MCSM's and CRAN's heads
do) and its *patches*. One definition serves all four media, so that no media gets a better
part model than another:

- image and video frame: a patch is a cell of the last spatial map (a region of the picture);
- audio: the spectrogram is a picture whose axes are frequency and time, so a cell is a
  time-frequency cell;
- text (`charcnn`): the text branch lays characters out along the picture's width and the
  1-D convolution's channels along its height, so a cell's row has no spatial meaning; a
  patch is a *column* of the map (the height pooled): a window of consecutive characters.
  Text rendered as a picture (`glyph`) is a picture, so its patches are cells.

The coarse instance is the global average of the map: exactly the pooled vector that
FGCrossNet's classifier reads.
"""

from __future__ import annotations

import torch
from torch import nn

from fgcross.models.backbones import feature_map


def patches(fmap: torch.Tensor, columns: bool) -> torch.Tensor:
    """[B, C, h, w] -> [B, P, C]: every cell (P = h x w), or every column (P = w) for character text."""
    if columns:
        return fmap.mean(2).transpose(1, 2)
    return fmap.flatten(2).transpose(1, 2)


class MediaMaps(nn.Module):
    """The shared CNN (and the text branch) of FGCrossNet, giving each media's spatial map.

    All media go through the backbone in one concatenated batch, as in FGCrossNet, so its
    batch-norm statistics are shared by the media the same way."""

    def __init__(self, backbone: nn.Module, adapters: dict[str, nn.Module]) -> None:
        super().__init__()
        self.backbone = backbone
        self.adapters = nn.ModuleDict(adapters)

    def forward(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        names = list(inputs)
        pictures = [self.adapters[m](inputs[m]) if m in self.adapters else inputs[m] for m in names]
        maps = feature_map(self.backbone, torch.cat(pictures))
        return dict(zip(names, maps.split([p.shape[0] for p in pictures]), strict=True))

    def is_character_text(self, media: str) -> bool:
        """Whether the media's patches are character windows (text through the char-CNN branch)."""
        return media == "text" and "text" in self.adapters
