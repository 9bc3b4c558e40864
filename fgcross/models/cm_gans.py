"""CM-GANs, cross-modal generative adversarial networks (Peng, Qi and Yuan, arXiv 1710.05106).

The paper's generative model is a pair of cross-modal convolutional autoencoders, one
pathway per media (image and text): each encodes its input into a common representation
and decodes it back, and the two pathways *share the weights* of their top encoder layers
and of their first decoder layers, so that both media land in one space. Two kinds of
discriminators (`fgcross.losses.cm_gans`) play against it: an intra-modality discriminator
per media tells an original representation from its reconstruction, and an
inter-modality discriminator tells which media a common representation came from. The
two are trained in alternate steps, the discriminators with the generator fixed and the
generator against the fixed discriminators (`fgcross.training.loop`).

From two media to four: four pathways (a `ModuleDict` keyed by media) share the same top
encoder layers and first decoder layer; there are four intra-modality discriminators; the
inter-modality discriminator is a four-way media classifier instead of the paper's
image-versus-text one, and the generator's adversarial target for it is the uniform
distribution over the media (the equilibrium of the four-player game, where two media
give the paper's real/fake game).

Where it departs from the paper, and why:
- The convolutional front of every pathway is the project's shared CNN (and text branch),
  trained end to end, then a media-specific 1x1 convolution on its last spatial map and a
  shared one above it; the paper fine-tunes a separate VGG19 and a text CNN. One backbone
  keeps the comparison with FGCrossNet to the method, not to a bigger network, and keeps
  the run within the time budget on CPU.
- The decoders reconstruct the pooled backbone feature of the item (the "original
  representation" the intra-modality discriminator sees), detached, not raw pixels or
  characters: as in the paper, the autoencoder works on the CNN's representation.
- The generator's semantic constraint is the classifier's cross-entropy over the common
  representation, and retrieval uses its softmax, as for FGCrossNet, so that both go
  through one export and evaluation path.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from fgcross import MEDIA
from fgcross.models.patches import MediaMaps

SLOPE = 0.2
"""Leaky ReLU slope of the autoencoders: with plain ReLUs the common representation's units died
and the classifier stayed near chance (measured: cross-entropy 10.1 of a chance 11.1 after 11
of 14 stage-1 epochs on the embedded set), as CCL's codes did."""


class CMGANs(nn.Module):
    """The generator: forward(inputs) -> media -> logits; with `return_features` also the common
    representation; with `return_aux` also, per media, what the discriminators see (the
    original pooled feature, its reconstruction, the common representation)."""

    partly_unused = True  # media absent from a batch leave their pathway without gradient

    def __init__(self, maps: MediaMaps, width: int, dim: int, num_classes: int) -> None:
        super().__init__()
        self.maps = maps
        self.feature_width = width  # the backbone's channels: what the reconstructions are compared with
        self.backbones = nn.ModuleDict()  # the Trainer's interface: one shared backbone, none per media
        self.encoders = nn.ModuleDict({m: nn.Conv2d(width, dim, 1) for m in MEDIA})  # media-specific
        self.shared_conv = nn.Conv2d(dim, dim, 1)  # weight sharing: the top encoder layers ...
        self.shared_fc = nn.Linear(dim, dim)
        self.shared_decoder = nn.Linear(dim, dim)  # ... and the first decoder layer
        self.decoders = nn.ModuleDict({m: nn.Linear(dim, width) for m in MEDIA})  # media-specific
        self.classifier = nn.Linear(dim, num_classes)

    @property
    def adapters(self) -> nn.ModuleDict:
        return self.maps.adapters

    def encode(self, media: str, fmap: torch.Tensor) -> torch.Tensor:
        """The common representation of one media's maps."""
        hidden = F.leaky_relu(self.shared_conv(F.leaky_relu(self.encoders[media](fmap), SLOPE)), SLOPE)
        return F.leaky_relu(self.shared_fc(hidden.mean((2, 3))), SLOPE)

    def decode(self, media: str, common: torch.Tensor) -> torch.Tensor:
        """The reconstruction of the media's pooled backbone feature from a common representation."""
        return self.decoders[media](F.leaky_relu(self.shared_decoder(common), SLOPE))

    def forward(self, inputs: dict[str, torch.Tensor], return_features: bool = False, return_aux: bool = False):
        maps = self.maps(inputs)
        common = {m: self.encode(m, fmap) for m, fmap in maps.items()}
        logits = {m: self.classifier(c) for m, c in common.items()}
        if not (return_features or return_aux):
            return logits
        if not return_aux:
            return logits, common
        aux = {m: {"input": maps[m].mean((2, 3)), "reconstruction": self.decode(m, common[m]), "common": common[m]}
               for m in maps}
        return logits, common, aux
