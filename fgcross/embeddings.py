"""Exported embeddings (exports/<split>/<media>.npz): the common representation per item.

`features` is the softmax of the classifier logits (the paper's retrieval representation);
a video is one row: the mean of its frames' logits, then softmax. `logits` and the pooled
backbone feature (`pooled`) are stored too, for other uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from fgcross import MEDIA
from fgcross.data.batches import eval_batches, to_model_input
from fgcross.data.prepared import PreparedSplit, load_split
from fgcross.io import save_npz
from fgcross.models.fgcrossnet import FGCrossNet
from fgcross.progress import progress_bar


@dataclass(frozen=True)
class Embeddings:
    media: str
    features: np.ndarray  # float32 [N, D]
    labels: np.ndarray  # int64 [N]
    ids: np.ndarray  # str [N]


@torch.no_grad()
def embed_split(model: FGCrossNet, split: PreparedSplit, input_size: int, device: torch.device,
                batch_size: int = 64, progress: bool = False) -> dict[str, np.ndarray]:
    model.eval()
    logits_out, pooled_out = [], []
    batches = progress_bar(eval_batches(split, input_size, batch_size), desc=f"export {split.media}/{split.split}",
                           total=-(-len(split.labels) // batch_size), unit="batch", disable=not progress, leave=False)
    for rows, batch in batches:
        logits, pooled = model({split.media: to_model_input(split.media, batch, device)}, return_features=True)
        logits, pooled = logits[split.media].float(), pooled[split.media].float()
        if split.media == "video":  # frames of one video are consecutive: average them
            logits = logits.view(len(rows), -1, logits.shape[-1]).mean(1)
            pooled = pooled.view(len(rows), -1, pooled.shape[-1]).mean(1)
        logits_out.append(logits.cpu())
        pooled_out.append(pooled.cpu())
    logits = torch.cat(logits_out) if logits_out else torch.zeros(0, 0)
    return {
        "features": torch.softmax(logits, dim=1).numpy().astype(np.float32),
        "logits": logits.numpy().astype(np.float32),
        "pooled": torch.cat(pooled_out).numpy().astype(np.float32) if pooled_out else np.zeros((0, 0), np.float32),
        "labels": split.labels.astype(np.int64),
        "ids": np.array(split.ids, dtype=str),
    }


def save_embeddings(path: str | Path, arrays: dict[str, np.ndarray]) -> None:
    save_npz(path, **arrays)


def load_embeddings(folder: str | Path, media: str) -> Embeddings:
    with np.load(Path(folder) / f"{media}.npz") as z:
        return Embeddings(media, z["features"].astype(np.float32), z["labels"].astype(np.int64), z["ids"])


def available_media(folder: str | Path) -> list[str]:
    return [m for m in MEDIA if (Path(folder) / f"{m}.npz").exists()]


@torch.no_grad()
def embed_prepared(model: FGCrossNet, media: list[str], input_size: int, media_dir: str | Path, split: str,
                   device: torch.device, batch_size: int, progress: bool = False) -> dict[str, dict[str, np.ndarray]]:
    """Every media's items of one split, embedded: what export writes and the studies evaluate."""
    return {m: embed_split(model, load_split(Path(media_dir) / m, split), input_size, device, batch_size, progress)
            for m in media}


def as_embeddings(arrays: dict[str, dict[str, np.ndarray]]) -> dict[str, Embeddings]:
    """embed_prepared's arrays in the form evaluation reads (as load_embeddings gives them)."""
    return {m: Embeddings(m, a["features"].astype(np.float32), a["labels"].astype(np.int64), a["ids"])
            for m, a in arrays.items()}
