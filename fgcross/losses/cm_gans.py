"""CM-GANs' discriminators and adversarial losses (arXiv 1710.05106; the generator is
fgcross.models.cm_gans).

- `IntraDiscriminators`: one per media; each tells an original representation (the pooled
  backbone feature) from its reconstruction through the common representation.
- `InterDiscriminator`: tells which media a common representation came from (four-way
  here; image versus text in the paper).

`discriminator_loss` trains them on detached inputs (the generator fixed);
`generator_loss` trains the generator against them (their weights are not in the
generator's optimiser): reconstructions that pass for originals, and common
representations whose media the inter-modality discriminator cannot tell (its output
pushed toward the uniform distribution). The training loop alternates the two steps
(`fgcross.training.loop`), as the paper does.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn
from torch.nn import functional as F


def _mlp(width: int, hidden: int, out: int) -> nn.Module:
    return nn.Sequential(nn.Linear(width, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, out))


class Discriminators(nn.Module):
    """The intra-modality discriminators (one per media, on `input` width) and the inter-modality
    one (on the common representation's width)."""

    def __init__(self, media: list[str], width: int, common_width: int, hidden: int = 64) -> None:
        super().__init__()
        self.media = list(media)
        self.intra = nn.ModuleDict({m: _mlp(width, hidden, 1) for m in media})
        self.inter = _mlp(common_width, hidden, len(media))

    def codes(self, aux: Mapping[str, object], device: torch.device) -> torch.Tensor:
        """Each row's media code (its index in `media`) for the media of `aux`, in order."""
        return torch.cat([torch.full((len(aux[m]["common"]),), self.media.index(m), device=device)
                          for m in aux])


def discriminator_loss(disc: Discriminators, aux: Mapping[str, Mapping[str, torch.Tensor]]) -> torch.Tensor:
    """Intra: originals are real (1), reconstructions fake (0), binary cross-entropy summed over
    media; inter: cross-entropy of the media classifier. Every input is detached."""
    intra = []
    for m, a in aux.items():
        real, fake = disc.intra[m](a["input"].detach()), disc.intra[m](a["reconstruction"].detach())
        intra.append(F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
                     + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
    common = torch.cat([a["common"].detach() for a in aux.values()])
    inter = F.cross_entropy(disc.inter(common), disc.codes(aux, common.device))
    return sum(intra) + inter


def generator_loss(disc: Discriminators, aux: Mapping[str, Mapping[str, torch.Tensor]]) -> torch.Tensor:
    """The generator's side: reconstructions labelled real for the intra discriminators, and the
    cross-entropy of the inter discriminator's output against the uniform distribution."""
    intra = []
    for m, a in aux.items():
        fake = disc.intra[m](a["reconstruction"])
        intra.append(F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake)))
    common = torch.cat([a["common"] for a in aux.values()])
    inter = -F.log_softmax(disc.inter(common), dim=1).mean(1).mean()
    return sum(intra) + inter
