"""CCL, cross-modal correlation learning with multi-grained fusion (Peng et al., arXiv 1704.02116).

The paper's network, for two media (image and text), in two stages:

1. *Separate representation*: for each media, and for each grain (the coarse instance and
   its fine-grained patches), a network learns a code that models intra-modality
   correlation (it must reconstruct its input) and inter-modality correlation (the codes of
   the two media are pulled together) jointly.
2. *Common representation*: a network shared by the media fuses each item's coarse and
   fine codes and learns, by multi-task learning, a semantic category constraint (a
   softmax classifier) balanced against a pairwise similarity constraint (a contrastive
   loss: pairs of the same class close, of different classes at least a margin apart).

This module is the network; the losses are `fgcross.losses.ccl`, and the objective trains
stage 1's terms in train.stage1 and stage 2's in train.stage2 (`fgcross.losses.objective`).

From two media to four: the separate part is a `ModuleDict` keyed by media (a coarse and a
fine encoder and decoder per media), the fusion layer and the classifier are shared by
all four, the inter-modality term is summed over the six pairs of media, and the pairwise
constraint takes every cross-media pair of the batch. Patches are defined for every media
by `fgcross.models.patches` (cells of the last spatial map; time-frequency cells for
audio; character windows for text).

Where it departs from the paper, and why:
- The paper codes precomputed features (VGG for images, bag-of-words for text, and
  selective-search regions and sentences as patches) with stacked autoencoders. Here the
  project's shared CNN (the same backbone factory and text branch as FGCrossNet) is trained
  end to end and the patches are its map cells, so CCL is compared with FGCrossNet on the
  same inputs, the same backbone and the same budget. A CNN trained from scratch needs
  supervision from the first step, so the classifier's cross-entropy also trains in stage
  1 (otherwise the backbone would learn only to make its own features easy to
  reconstruct); the reconstruction targets are detached for the same reason.
- The fine codes of an item's patches are max-pooled into one fine-grained code (the
  paper fuses patch representations with the instance's; max keeps the strongest part,
  and it is not the coarse code again, as a mean of the cells would be: that mean *is*
  the coarse instance).
- Inter-modality correlation is pulled between class means, not between paired items:
  PKU FG-XMedia has no image-text pairs, only labels shared across media.
- Retrieval uses the softmax of the classifier over the common representation, as for
  FGCrossNet, so that both go through one export and evaluation path.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from fgcross import MEDIA
from fgcross.models.patches import MediaMaps, patches

GRAINS = ("coarse", "fine")
SLOPE = 0.2
"""The codes' leaky ReLU slope: with a plain ReLU most code units died within an epoch on the
embedded set (measured: 60 to 75 % zeros), and the classifier then learned nothing."""


class CCL(nn.Module):
    """forward(inputs) -> media -> logits; with `return_features` also the common representation;
    with `return_aux` also, per media, what the stage-1 losses need (the codes, and each grain's
    input and reconstruction)."""

    partly_unused = True  # the stage-1 decoders have no gradient in stage 2 (DistributedDataParallel)

    def __init__(self, maps: MediaMaps, width: int, dim: int, num_classes: int) -> None:
        super().__init__()
        self.maps = maps
        self.feature_width = width  # the backbone's channels: what the reconstructions are compared with
        self.backbones = nn.ModuleDict()  # the Trainer's interface: one shared backbone, none per media
        self.encoders = nn.ModuleDict({m: nn.ModuleDict({g: nn.Linear(width, dim) for g in GRAINS}) for m in MEDIA})
        self.decoders = nn.ModuleDict({m: nn.ModuleDict({g: nn.Linear(dim, width) for g in GRAINS}) for m in MEDIA})
        self.fusion = nn.Linear(2 * dim, dim)  # stage 2: shared by every media
        self.classifier = nn.Linear(dim, num_classes)

    @property
    def adapters(self) -> nn.ModuleDict:
        return self.maps.adapters

    def encode(self, media: str, fmap: torch.Tensor) -> dict[str, torch.Tensor]:
        """One media's stage-1 codes from its map: the coarse code, the patch codes and the fused
        common representation."""
        coarse = fmap.mean((2, 3))
        cells = patches(fmap, self.maps.is_character_text(media))
        enc = self.encoders[media]
        coarse_code = F.leaky_relu(enc["coarse"](coarse), SLOPE)
        patch_codes = F.leaky_relu(enc["fine"](cells), SLOPE)  # [B, P, dim]
        fine_code = patch_codes.max(1).values
        code = torch.cat([coarse_code, fine_code], 1)
        return {"coarse": coarse, "cells": cells, "coarse_code": coarse_code, "patch_codes": patch_codes,
                "code": code, "common": F.leaky_relu(self.fusion(code), SLOPE)}

    def forward(self, inputs: dict[str, torch.Tensor], return_features: bool = False, return_aux: bool = False):
        parts = {m: self.encode(m, fmap) for m, fmap in self.maps(inputs).items()}
        logits = {m: self.classifier(p["common"]) for m, p in parts.items()}
        if not (return_features or return_aux):
            return logits
        common = {m: p["common"] for m, p in parts.items()}
        if not return_aux:
            return logits, common
        aux = {m: {"code": p["code"],
                   "input": torch.cat([p["coarse"], p["cells"].flatten(1)], 1),
                   "reconstruction": torch.cat([self.decoders[m]["coarse"](p["coarse_code"]),
                                                self.decoders[m]["fine"](p["patch_codes"]).flatten(1)], 1)}
               for m, p in parts.items()}
        return logits, common, aux
