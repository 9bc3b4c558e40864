"""Studies over several seeds: the loss ablation and the related methods.

- `losses`: cross-entropy only, + center, + center + ranking. The paper claims each loss
  term helps.
- `methods`: FGCrossNet beside the methods it is compared with: separate backbones per
  media (model.shared: false), modality-adversarial training (ACMR), and TNN-C-CCA (a
  cross-media triplet loss and cluster-CCA), MCSM and CRAN (presets/mcsm.yaml, presets/cran.yaml,
  ranked by their pairwise scorers), the baselines CCL and CM-GANs (presets/ccl.yaml,
  presets/cm_gans.yaml), and the method beyond FGCrossNet (`beyond`). FGCrossNet's claim is that
  one uniform network beats methods that treat media apart.
- `beyond`: presets/beyond.yaml with each of its parts off, and the candidates left out.

Claims like these need more than one seed on a small dataset: run-to-run spread from the
seed alone is of the same size as the differences (measured: see the README). This module
defines the variants, applies one to the params, evaluates a trained model the way the
pipeline does, and summarises the runs as mean and spread per variant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import torch

from fgcross.config import with_overrides
from fgcross.embeddings import as_embeddings, embed_prepared
from fgcross.evaluation import Evaluation, evaluate_embeddings, reranked_metrics
from fgcross.params import Params
from fgcross.presets import PRESETS_DIR, preset_overrides

Variant = dict[str, Any]
"""A variant: dotted params keys over params.yaml. The key PRESET names a preset
(fgcross.presets) merged first, so a method kept as presets/<name>.yaml is a variant
`{PRESET: "<name>"}` and an ablation of one of its parts `{PRESET: "<name>", "<key>": <off>}`."""
PRESET = "preset"

LOSS_VARIANTS: dict[str, Variant] = {  # dotted params keys; everything else from params.yaml
    "ce": {"loss.center_weight": 0.0, "loss.ranking_weight": 0.0},
    "ce+center": {"loss.ranking_weight": 0.0},
    "ce+center+ranking": {},
}
METHOD_VARIANTS: dict[str, Variant] = {
    "fgcrossnet": {},
    "separate-backbones": {"model.shared": False},
    "adversarial": {"loss.adversarial_weight": 0.1},
    "tnn-c-cca": {"loss.triplet_weight": 1.0, "loss.cca_weight": 0.5},
    "mcsm": {PRESET: "mcsm"},
    "cran": {PRESET: "cran"},
    "beyond": {PRESET: "beyond"},
    "ccl": {PRESET: "ccl"},
    "cm_gans": {PRESET: "cm_gans"},
}
BEYOND_VARIANTS: dict[str, Variant] = {
    # presets/beyond.yaml, then each of its parts off in turn (its one part today, the subword text
    # encoder: off, it is FGCrossNet), then the candidates that the single-seed selection left out
    "beyond": {PRESET: "beyond"},
    "fgcrossnet": {},
    "beyond+supcon": {PRESET: "beyond", "loss.supcon_weight": 1.0},
    "beyond-transformer": {PRESET: "beyond", "model.text_model": "subword-transformer"},
    "fgcrossnet+supcon": {"loss.supcon_weight": 1.0},
    # a pretrained sentence encoder in place of the subword one (model.text_checkpoint names its folder),
    # kept fixed or fine-tuned
    "pretrained-text": {PRESET: "beyond", "model.text_model": "pretrained", "model.frozen": ["text"]},
    "pretrained-text-tuned": {PRESET: "beyond", "model.text_model": "pretrained", "model.frozen": []},
}
STUDIES: dict[str, dict[str, Variant]] = {"losses": LOSS_VARIANTS, "methods": METHOD_VARIANTS,
                                          "beyond": BEYOND_VARIANTS}
COLUMNS = ["variant", "seed", "bi_avg", "multi_avg"]


def variant_overrides(variant: Variant, presets_dir: str | Path = PRESETS_DIR) -> dict[str, Any]:
    """The dotted keys a variant sets: its preset's keys (if it names one), then its own."""
    own = {k: v for k, v in variant.items() if k != PRESET}
    return {**(preset_overrides(variant[PRESET], presets_dir) if PRESET in variant else {}), **own}


def variant_params(params: Params, variant: str, seed: int, study: str = "losses",
                   presets_dir: str | Path = PRESETS_DIR) -> Params:
    """params.yaml with the variant's settings and the seed (what the variant leaves alone stays)."""
    variants = STUDIES[study]
    if variant not in variants:
        raise ValueError(f"unknown variant {variant!r}: expected one of {list(variants)}")
    overrides = {**variant_overrides(variants[variant], presets_dir), "train.seed": seed}
    return with_overrides(params, overrides, f"{study} variant {variant}")


@torch.no_grad()
def evaluate_model(model: torch.nn.Module, config: dict[str, Any], media_dir: str | Path, params: Params,
                   device: torch.device) -> tuple[Evaluation, dict[str, float]]:
    """A trained model on the eval split, evaluated as the pipeline does (metrics, curves, ...), and the
    two averages after neighbourhood re-ranking (`reranked_bi_avg`, `reranked_multi_avg`: metrics/reranked.json's)."""
    arrays = embed_prepared(model, config["media"], config["model"]["input_size"], media_dir, params.eval.split,
                            device, params.export.batch_size)
    embeddings = as_embeddings(arrays)
    reranked = reranked_metrics(embeddings, params.eval)
    return (evaluate_embeddings(embeddings, params.eval),
            {f"reranked_{k}": reranked[k] for k in ("bi_avg", "multi_avg") if k in reranked})


def curves_path(results: str | Path) -> Path:
    """Where a study keeps its runs' precision-recall curves: beside its CSV, `<name>_pr.csv`."""
    results = Path(results)
    return results.with_name(f"{results.stem}_pr.csv")


def run_curves(curve: pd.DataFrame, variant: str, seed: int) -> pd.DataFrame:
    """A run's 11-point curves (`recall` + one column per direction) keyed by variant and seed."""
    return pd.concat([pd.DataFrame({"variant": variant, "seed": seed}, index=curve.index), curve], axis=1)


def mean_curves(curves: pd.DataFrame) -> pd.DataFrame:
    """Each variant's curve, averaged over its seeds at every recall level (variants in first-seen order)."""
    order = list(dict.fromkeys(curves["variant"]))
    mean = curves.drop(columns="seed").groupby(["variant", "recall"], sort=False).mean().reset_index()
    mean["variant"] = pd.Categorical(mean["variant"], order)
    return mean.sort_values(["variant", "recall"]).reset_index(drop=True).astype({"variant": str})


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
