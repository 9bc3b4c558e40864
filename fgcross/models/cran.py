"""CRAN, the cross-media relation attention network (Qi, Peng, Yuan; IJCAI 2018, arXiv 1804.09539).

The paper, for image and text: an item is its fine-grained patches (image regions, text
words) and the relations between them. Attention picks the informative patches (local)
and, over pairs of patches, the informative relations (relation attention). Two items are
aligned at three levels, global (the whole item), local (patch to patch) and relation,
and the similarity is the combination of the three.

From two media to four, with one definition of patches and relations for all:
- patches are the cells of the shared backbone's last spatial feature map: image cells,
  and for a video the cells of each frame (a video's patch arrays are the mean over its
  frames, cell by cell); audio cells are time-frequency cells of the spectrogram's map;
  text (the char-CNN picture, whose width is the character position) is cut into
  character windows: the map averaged over its height, one patch per column;
- a relation of patches i and j (i != j) is a learned function of both patches and of
  their offset on the map (pos_i - pos_j), so the same contents in another layout make
  other relations; relation attention weighs the pairs;
- the three levels, for a query q and an item g of any two media:
  global = cos(g_q, g_g) of the pooled cells; local = sum_i a_q,i max_j cos(p_q,i, p_g,j),
  each query patch aligned with its best patch of the other item and weighted by the
  query's patch attention; relation = cos(r_q, r_g) of the attention-pooled relations.
  The retrieval score is their mean (fgcross.scoring.cran_similarity).
Where it departs from the paper, and why:
- one shared CNN gives the patches of every media (FGCrossNet's backbone, so that methods
  differ only in what the paper's method adds), instead of a region network for images and
  word vectors for text; text patches are character windows, not words;
- the three levels are trained together with one cross-media loss per level
  (fgcross.losses.cross_media) rather than the paper's ranking losses and stages, and the
  levels are fused with fixed equal weights, not tuned;
- FGCrossNet's classifier (cross-entropy, center and ranking terms) stays, as a semantic
  constraint; its softmax is the exported `features` that search's first stage shortlists with.
Sources: the issue's description and what we know of the paper; we could not reach arXiv
or any code from this machine.
"""

from __future__ import annotations

import torch
from torch import nn

from fgcross import MEDIA
from fgcross.losses.cross_media import cross_media_nce
from fgcross.models.method import MethodHead
from fgcross.scoring import cran_levels, normalise

TEMPERATURE = 0.1
"""Of the cross-media loss on each level's similarity (fgcross.losses.cross_media)."""
LEVELS = ("global", "local", "relation")


def cell_positions(height: int, width: int, device: torch.device) -> torch.Tensor:
    """[h * w, 2]: each cell's (row, column) on the map, scaled to [-1, 1] (row-major, as flatten)."""
    rows = torch.linspace(-1, 1, height, device=device) if height > 1 else torch.zeros(1, device=device)
    cols = torch.linspace(-1, 1, width, device=device) if width > 1 else torch.zeros(1, device=device)
    return torch.stack(torch.meshgrid(rows, cols, indexing="ij"), dim=-1).reshape(-1, 2)


def pair_indices(patches: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Every ordered pair (i, j), i != j, of `patches` patches (a single patch relates to itself)."""
    if patches == 1:
        zero = torch.zeros(1, dtype=torch.long, device=device)
        return zero, zero
    i, j = torch.meshgrid(torch.arange(patches, device=device), torch.arange(patches, device=device), indexing="ij")
    keep = i != j
    return i[keep], j[keep]


class CRANHead(MethodHead):
    """Patches, their attention, their relations and relation attention; three-level alignment."""

    scorer = "cran"
    weights = ("attention",)

    def __init__(self, width: int, dim: int, text_windows: bool = True) -> None:
        super().__init__()
        self.text_windows = text_windows
        self.embed = nn.Linear(width, dim)  # a patch
        self.whole = nn.Linear(width, dim)  # the pooled cells (global)
        self.attend = nn.Linear(dim, 1)  # patch attention
        self.relate = nn.Linear(2 * dim + 2, dim)  # a relation: two patches and their offset
        self.relation_attend = nn.Linear(dim, 1)  # relation attention
        self.relation_out = nn.Linear(dim, dim)
        self.register_buffer("levels", torch.full((len(LEVELS),), 1.0 / len(LEVELS)))

    def patches(self, media: str, maps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(cells [B, P, C], their positions [P, 2]); text maps become character windows."""
        if media == "text" and self.text_windows:
            maps = maps.mean(dim=2, keepdim=True)
        return maps.flatten(2).transpose(1, 2), cell_positions(maps.shape[2], maps.shape[3], maps.device)

    def items(self, media: str, maps: torch.Tensor) -> dict[str, torch.Tensor]:
        cells, positions = self.patches(media, maps)
        hidden = self.embed(cells)  # B, P, D
        attention = torch.softmax(self.attend(torch.tanh(hidden)).squeeze(-1), dim=1)
        i, j = pair_indices(cells.shape[1], cells.device)
        offsets = (positions[i] - positions[j]).expand(cells.shape[0], -1, -1)
        relations = torch.relu(self.relate(torch.cat([hidden[:, i], hidden[:, j], offsets], dim=-1)))  # B, R, D
        weights = torch.softmax(self.relation_attend(torch.tanh(relations)).squeeze(-1), dim=1)
        relation = self.relation_out(torch.einsum("br,brd->bd", weights, relations))
        return {"global": normalise(self.whole(cells.mean(dim=1))), "patches": normalise(hidden),
                "attention": attention, "relation": normalise(relation)}

    def level_losses(self, aux: dict[str, dict[str, torch.Tensor]],
                     labels: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The cross-media loss of each level's similarity over the batch (all media, in batch order;
        scored media pair by media pair, as text has fewer patches than the others)."""
        media = list(aux)
        arrays = {m: {k: v.float() for k, v in aux[m].items()} for m in media}
        y = torch.cat([labels[m] for m in media])
        codes = torch.cat([torch.full_like(labels[m], MEDIA.index(m)) for m in media])
        blocks = {(q, g): cran_levels(arrays[q], arrays[g]) for q in media for g in media}
        return {name: cross_media_nce(torch.cat([torch.cat([blocks[q, g][name] for g in media], dim=1)
                                                 for q in media]), y, codes, TEMPERATURE) for name in LEVELS}

    def loss(self, aux: dict[str, dict[str, torch.Tensor]], labels: dict[str, torch.Tensor]) -> torch.Tensor:
        """The mean of the three levels' losses."""
        return torch.stack(list(self.level_losses(aux, labels).values())).mean()

    def scorer_params(self) -> dict[str, torch.Tensor]:
        return {"levels": self.levels}
