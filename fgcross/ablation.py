"""Studies over several seeds: the loss ablation and the related methods.

- `losses`: cross-entropy only, + center, + center + ranking. The paper claims each loss
  term helps.
- `methods`: FGCrossNet beside the methods it is compared with: separate backbones per
  media (model.shared: false), modality-adversarial training (ACMR), and TNN-C-CCA (a
  cross-media triplet loss and cluster-CCA). FGCrossNet's claim is that one uniform
  network beats methods that treat media apart.

Claims like these need more than one seed on a small dataset: run-to-run spread from the
seed alone is of the same size as the differences (measured: see the README). This module
defines the variants, applies one to the params, evaluates a trained model the way the
pipeline does, and summarises the runs as mean and spread per variant.
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

VARIANTS: dict[str, dict[str, Any]] = {  # dotted params keys; everything else from params.yaml
    "ce": {"loss.center_weight": 0.0, "loss.ranking_weight": 0.0},
    "ce+center": {"loss.ranking_weight": 0.0},
    "ce+center+ranking": {},
}
METHODS: dict[str, dict[str, Any]] = {
    "fgcrossnet": {},
    "separate-backbones": {"model.shared": False},
    "adversarial": {"loss.adversarial_weight": 0.1},
    "tnn-c-cca": {"loss.triplet_weight": 1.0, "loss.cca_weight": 0.5},
}
STUDIES: dict[str, dict[str, dict[str, Any]]] = {"losses": VARIANTS, "methods": METHODS}
COLUMNS = ["variant", "seed", "bi_avg", "multi_avg"]


def variant_params(params: dict[str, Any], variant: str, seed: int, study: str = "losses") -> dict[str, Any]:
    """params.yaml with the variant's settings and the seed (what the variant leaves alone stays)."""
    variants = STUDIES[study]
    if variant not in variants:
        raise ValueError(f"unknown variant {variant!r}: expected one of {list(variants)}")
    out = copy.deepcopy(params)
    for key, value in variants[variant].items():
        section, name = key.split(".")
        out[section][name] = value
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


def summarise(runs: pd.DataFrame, metrics: tuple[str, ...] = ("bi_avg", "multi_avg"),
              study: str = "losses") -> pd.DataFrame:
    """One row per variant (in the study's order): seeds, and mean and sample std of each metric."""
    rows = []
    for variant in [v for v in STUDIES[study] if v in set(runs["variant"])]:
        chosen = runs[runs["variant"] == variant]
        row: dict[str, Any] = {"variant": variant, "seeds": len(chosen)}
        for m in metrics:
            row[f"{m}_mean"] = chosen[m].mean()
            row[f"{m}_std"] = chosen[m].std(ddof=1) if len(chosen) > 1 else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)
