"""Exported embeddings (exports/<split>/<media>.npz): the common representation per item.

`features` is the softmax of the classifier logits (the paper's retrieval representation);
a video is one row: the mean of its frames' logits, then softmax. `logits` and the pooled
backbone feature (`pooled`) are stored too, for other uses.

A method with a pairwise scorer (model.method mcsm or cran, fgcross.models.method) also
writes what its scorer reads (fgcross.scoring): `scorer` (its name), `item_<name>` (per-item
arrays, a video's frames averaged into one row by the head) and `param_<name>` (its learned
arrays). `Embeddings.scorer` then ranks instead of the inner product of `features`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from fgcross.data.batches import eval_batches, to_model_input
from fgcross.data.prepared import PreparedSplit, load_split
from fgcross.exported import (  # noqa: F401  (re-exported: the export's reading side lives there)
    ITEM,
    PARAM,
    SCORER_KEY,
    Embeddings,
    as_embeddings,
    available_media,
    load_embeddings,
    save_embeddings,
    scoring_arrays,
)
from fgcross.media.kinds import KINDS
from fgcross.progress import progress_bar


@torch.no_grad()
def embed_split(model: nn.Module, split: PreparedSplit, input_size: int, device: torch.device,
                batch_size: int = 64, progress: bool = False) -> dict[str, np.ndarray]:
    """The export arrays of one split: any network of fgcross.models.factory (FGCrossNet or a
    `model.method`), called as `model(inputs, return_features=True)` for logits and pooled
    features, and with `return_aux=True` for what a method's scorer reads (its `scorer` name)."""
    model.eval()
    scorer = getattr(model, "scorer", "")  # a method's head: its arrays are exported for its scorer
    logits_out, pooled_out, items_out = [], [], []
    batches = progress_bar(eval_batches(split, input_size, batch_size), desc=f"export {split.media}/{split.split}",
                           total=-(-len(split.labels) // batch_size), unit="batch", disable=not progress, leave=False)
    for rows, batch in batches:
        inputs = {split.media: to_model_input(split.media, batch, device)}
        out = model(inputs, return_features=True, return_aux=True) if scorer else model(inputs, return_features=True)
        logits, pooled = out[0][split.media].float(), out[1][split.media].float()
        items = {k: v.float() for k, v in out[2][split.media].items()} if scorer else {}
        if KINDS[split.media].frames:  # frames of one video are consecutive: average them
            logits = logits.view(len(rows), -1, logits.shape[-1]).mean(1)
            pooled = pooled.view(len(rows), -1, pooled.shape[-1]).mean(1)
            items = model.head.average_frames(items, len(rows)) if scorer else items
        logits_out.append(logits.cpu())
        pooled_out.append(pooled.cpu())
        items_out.append(items)
    logits = torch.cat(logits_out) if logits_out else torch.zeros(0, 0)
    arrays = {
        "features": torch.softmax(logits, dim=1).numpy().astype(np.float32),
        "logits": logits.numpy().astype(np.float32),
        "pooled": torch.cat(pooled_out).numpy().astype(np.float32) if pooled_out else np.zeros((0, 0), np.float32),
        "labels": split.labels.astype(np.int64),
        "ids": np.array(split.ids, dtype=str),
    }
    if scorer and items_out:
        arrays[SCORER_KEY] = np.array(scorer)
        arrays.update({ITEM + k: torch.cat([i[k] for i in items_out]).cpu().numpy().astype(np.float32)
                       for k in items_out[0]})
        arrays.update({PARAM + k: v.detach().float().cpu().numpy() for k, v in model.head.scorer_params().items()})
    return arrays


@torch.no_grad()
def embed_prepared(model: nn.Module, media: list[str], input_size: int, media_dir: str | Path, split: str,
                   device: torch.device, batch_size: int, progress: bool = False) -> dict[str, dict[str, np.ndarray]]:
    """Every media's items of one split, embedded: what export writes and the studies evaluate."""
    return {m: embed_split(model, load_split(Path(media_dir) / m, split), input_size, device, batch_size, progress)
            for m in media}


