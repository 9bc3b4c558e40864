"""The loss ablation: cross-entropy only, + center, + center + ranking, over several seeds.

The paper claims each loss term helps. A claim like that needs more than one seed on a
small dataset: run-to-run spread from the seed alone is of the same size as the
differences (measured: see the README). This module defines the variants, applies one to
the params, evaluates a trained model the way the pipeline does, and summarises the runs
as mean and spread per variant.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from fgcross.data.prepared import load_split
from fgcross.embeddings import Embeddings, embed_split
from fgcross.metrics import evaluate_retrieval
from fgcross.models.fgcrossnet import FGCrossNet

VARIANTS: dict[str, dict[str, float]] = {  # loss weights; everything else from params.yaml
    "ce": {"center_weight": 0.0, "ranking_weight": 0.0},
    "ce+center": {"ranking_weight": 0.0},
    "ce+center+ranking": {},
}
COLUMNS = ["variant", "seed", "bi_avg", "multi_avg"]


def variant_params(params: dict[str, Any], variant: str, seed: int) -> dict[str, Any]:
    """params.yaml with the variant's loss weights and the seed (center weight kept from params when on)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: expected one of {list(VARIANTS)}")
    out = copy.deepcopy(params)
    out["loss"].update(VARIANTS[variant])
    out["train"]["seed"] = seed
    return out


@torch.no_grad()
def evaluate_model(model: FGCrossNet, config: dict[str, Any], media_dir: str | Path, params: dict[str, Any],
                   device: torch.device) -> dict[str, float]:
    """The protocol's metrics of a trained model on the eval split, as the pipeline computes them."""
    embeddings = {}
    for media in config["media"]:
        split = load_split(Path(media_dir) / media, params["eval"]["split"])
        arrays = embed_split(model, split, config["model"]["input_size"], device,
                             params["export"].get("batch_size", 64))
        embeddings[media] = Embeddings(media, arrays["features"], arrays["labels"], arrays["ids"])
    return evaluate_retrieval(embeddings, params["eval"]["exclude_self"], params["eval"].get("chunk", 1024),
                              params["eval"].get("backend", "numpy"))


def summarise(runs: pd.DataFrame, metrics: tuple[str, ...] = ("bi_avg", "multi_avg")) -> pd.DataFrame:
    """One row per variant (in VARIANTS order): seeds, and mean and sample std of each metric."""
    rows = []
    for variant in [v for v in VARIANTS if v in set(runs["variant"])]:
        chosen = runs[runs["variant"] == variant]
        row: dict[str, Any] = {"variant": variant, "seeds": len(chosen)}
        for m in metrics:
            row[f"{m}_mean"] = chosen[m].mean()
            row[f"{m}_std"] = chosen[m].std(ddof=1) if len(chosen) > 1 else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)
