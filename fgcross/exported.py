"""Exported embeddings on disk (exports/<split>/<media>.npz), read and written without torch.

Evaluation, the reports and search read what export wrote; none of them runs a network, so
this room imports numpy only: the evaluate step no longer pays torch's import (about 3 s of a
PKU-size evaluation). Computing the embeddings is fgcross.embeddings; a method's pairwise
scorer (fgcross.scoring, torch) is imported only when an export names one.

`features` is the softmax of the classifier logits (the paper's retrieval representation);
a video is one row. A method with a pairwise scorer (model.method mcsm or cran) also writes
`scorer` (its name), `item_<name>` (per-item arrays) and `param_<name>` (its learned arrays).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from fgcross import MEDIA
from fgcross.io import save_npz

if TYPE_CHECKING:
    from fgcross.scoring import Scorer

ITEM, PARAM, SCORER_KEY = "item_", "param_", "scorer"
"""The prefixes and the key of the scoring arrays in an exported .npz."""


@dataclass(frozen=True)
class Embeddings:
    media: str
    features: np.ndarray  # float32 [N, D]
    labels: np.ndarray  # int64 [N]
    ids: np.ndarray  # str [N]
    scorer: Scorer | None = None  # the method's pairwise scorer; None: inner product of `features`
    items: dict[str, np.ndarray] = field(default_factory=dict)  # what the scorer reads of each item


def scoring_arrays(arrays: dict[str, np.ndarray]) -> tuple[Scorer | None, dict[str, np.ndarray]]:
    """The scorer and the per-item arrays of an export (embed_split's arrays or a loaded .npz)."""
    if SCORER_KEY not in arrays:
        return None, {}
    from fgcross.scoring import Scorer

    params = {k[len(PARAM):]: np.asarray(v) for k, v in arrays.items() if k.startswith(PARAM)}
    items = {k[len(ITEM):]: np.asarray(v, dtype=np.float32) for k, v in arrays.items() if k.startswith(ITEM)}
    return Scorer(str(arrays[SCORER_KEY]), params), items


def save_embeddings(path: str | Path, arrays: dict[str, np.ndarray]) -> None:
    save_npz(path, **arrays)


def load_embeddings(folder: str | Path, media: str) -> Embeddings:
    with np.load(Path(folder) / f"{media}.npz") as z:  # no pickles: allow_pickle stays False
        scorer, items = scoring_arrays({k: z[k] for k in z.files if k == SCORER_KEY or k.startswith((ITEM, PARAM))})
        return Embeddings(media, z["features"].astype(np.float32), z["labels"].astype(np.int64), z["ids"],
                          scorer, items)


def available_media(folder: str | Path) -> list[str]:
    return [m for m in MEDIA if (Path(folder) / f"{m}.npz").exists()]


def as_embeddings(arrays: dict[str, dict[str, np.ndarray]]) -> dict[str, Embeddings]:
    """embed_prepared's arrays in the form evaluation reads (as load_embeddings gives them)."""
    return {m: Embeddings(m, a["features"].astype(np.float32), a["labels"].astype(np.int64), a["ids"],
                          *scoring_arrays(a)) for m, a in arrays.items()}
