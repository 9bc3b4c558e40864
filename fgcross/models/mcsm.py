"""MCSM, modality-specific cross-modal similarity measurement (Peng, Qi, Yuan; arXiv 1708.04776).

The paper, for image and text: instead of one common space, one *semantic space per media*.
In the image space, an attention-based recurrent network picks the image's informative
regions, and the text is embedded into that space jointly, guided by the image's attention;
the text space is built the same way the other way round. Two items are compared in both
spaces, and the two similarities are fused adaptively into the retrieval score.

From two media to four: four spaces, one per media (image, text, audio, video). Every item,
of any media, is embedded into every space: the space's attention (its own parameters,
shared by all media) pools the item's cells (the backbone's last feature map), and a
projection of that space *for the item's media* maps the pooled cells into it. So the
space of media s holds s's items through its own projection and the other media's items
through theirs, all guided by s's attention: the paper's attention-guided joint embedding,
once per media. The similarity of a query of media q and an item of media g is
sum_s w[q, g, s] cos(q_s, g_s): the fusion weights are learned for each pair of media,
non-negative and summing to 1 over the spaces (a softmax), which is how we read "adaptive
fusion" with four media: which spaces to trust depends on the direction (i2t is not a2v).

Where it departs from the paper, and why:
- Attention is one soft-attention step over the feature-map cells, not an LSTM unrolled
  over regions and words: every media here goes through the same CNN (FGCrossNet's shared
  backbone, so that the methods differ only in what the paper's method adds), and the cells
  of that map have no order an LSTM could use. Text is a character picture, not word vectors.
- The per-space and fused similarities are trained with one cross-media loss
  (fgcross.losses.cross_media: InfoNCE with class positives) instead of the paper's
  pairwise ranking losses per space; the fusion weights are learned by that loss on the
  fused similarity rather than set on validation data.
- The classifier of FGCrossNet stays (cross-entropy, center and ranking terms on its
  logits), as MCSM's semantic constraint; its softmax is the exported `features` that
  search's first stage shortlists with.
Sources: the issue's description and what we know of the paper; we could not reach arXiv
or any code from this machine.
"""

from __future__ import annotations

import torch
from torch import nn

from fgcross import MEDIA
from fgcross.losses.cross_media import cross_media_nce
from fgcross.models.method import MethodHead
from fgcross.scoring import normalise

TEMPERATURE = 0.1
"""Of the cross-media loss on the cosine similarities (fgcross.losses.cross_media)."""


class MCSMHead(MethodHead):
    """One semantic space per media; attention within each; a projection per (space, media); fusion."""

    scorer = "mcsm"

    def __init__(self, width: int, dim: int, attention_dim: int = 64) -> None:
        super().__init__()
        spaces = len(MEDIA)
        self.attend = nn.Parameter(torch.randn(spaces, width, attention_dim) * width ** -0.5)
        self.query = nn.Parameter(torch.randn(spaces, attention_dim) * attention_dim ** -0.5)
        self.project = nn.Parameter(torch.randn(spaces, len(MEDIA), width, dim) * width ** -0.5)
        self.bias = nn.Parameter(torch.zeros(spaces, len(MEDIA), dim))
        self.fusion = nn.Parameter(torch.zeros(len(MEDIA), len(MEDIA), spaces))  # uniform at the start

    def fusion_weights(self) -> torch.Tensor:
        """[query media, gallery media, space]: non-negative, summing to 1 over the spaces."""
        return torch.softmax(self.fusion, dim=-1)

    def attention(self, cells: torch.Tensor) -> torch.Tensor:
        """cells [B, n, C] -> each space's attention over them [B, S, n] (rows sum to 1)."""
        hidden = torch.tanh(torch.einsum("bnc,sca->bsna", cells, self.attend))
        return torch.softmax(torch.einsum("bsna,sa->bsn", hidden, self.query), dim=-1)

    def items(self, media: str, maps: torch.Tensor) -> dict[str, torch.Tensor]:
        """An item's unit embedding in every space, [B, S, D]: its cells pooled by the space's
        attention, projected by the space's projection for this media."""
        cells = maps.flatten(2).transpose(1, 2)
        pooled = torch.einsum("bsn,bnc->bsc", self.attention(cells), cells)
        m = MEDIA.index(media)
        return {"spaces": normalise(torch.einsum("bsc,scd->bsd", pooled, self.project[:, m]) + self.bias[:, m])}

    def space_similarities(self, spaces: torch.Tensor) -> torch.Tensor:
        """[S, N, N]: the cosine similarities of a batch's items in each space."""
        return torch.einsum("isd,jsd->sij", spaces, spaces)

    def loss(self, aux: dict[str, dict[str, torch.Tensor]], labels: dict[str, torch.Tensor]) -> torch.Tensor:
        """The cross-media loss in each space (averaged) plus on the fused similarity."""
        media = list(aux)
        spaces = torch.cat([aux[m]["spaces"].float() for m in media])
        y = torch.cat([labels[m] for m in media])
        codes = torch.cat([torch.full_like(labels[m], MEDIA.index(m)) for m in media])
        sims = self.space_similarities(spaces)
        per_space = torch.stack([cross_media_nce(s, y, codes, TEMPERATURE) for s in sims]).mean()
        weights = self.fusion_weights()[codes][:, codes]  # [N, N, S]
        fused = (sims * weights.permute(2, 0, 1)).sum(0)
        return per_space + cross_media_nce(fused, y, codes, TEMPERATURE)

    def scorer_params(self) -> dict[str, torch.Tensor]:
        return {"fusion": self.fusion_weights()}
