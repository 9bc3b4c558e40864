"""The evaluation of a set of embeddings: one path for the evaluate stage and the studies.

The evaluate stage writes every part of an `Evaluation` (metrics/eval.json and the detailed
files beside it); the seed studies (fgcross.ablation) keep only the protocol's metrics. Both
call `evaluate_embeddings`, so a study's row and the pipeline's eval.json cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from fgcross.diagnostics import diagnostics
from fgcross.exported import Embeddings
from fgcross.metrics import (
    RECALL_LEVELS,
    SELF_EXCLUDED,
    extended_metrics,
    per_class_ap,
    pr_curve,
    protocol_metrics,
    retrieval_scores,
)
from fgcross.params import EvalParams
from fgcross.rerank import neighbourhood_expand


@dataclass(frozen=True)
class Evaluation:
    metrics: dict[str, float]  # the protocol's flat keys: i2t ... bi_avg, i2all ... multi_avg
    extended: dict[str, dict[str, float]]  # per direction: mAP, mAP@R, P@k, R@k (X->All with and without self)
    per_class: pd.DataFrame  # AP of every class in every direction
    diagnostics: dict[str, Any]  # modality gap, intra- and inter-class distances
    pr_curve: pd.DataFrame | None = None  # `recall` (0, 0.1, ..., 1), then one column per direction of `metrics`


def evaluate_embeddings(embeddings: dict[str, Embeddings], ev: EvalParams,
                        class_names: list[str] | None = None) -> Evaluation:
    """Rank every direction once and derive every figure from those rankings."""
    scores = retrieval_scores(embeddings, chunk=ev.chunk, backend=ev.backend)
    per_class = pd.DataFrame(per_class_ap(scores))
    per_class.insert(2, "class", [class_names[i] if class_names else str(i) for i in per_class["label"]])
    metrics = protocol_metrics(scores, exclude_self=ev.exclude_self)
    directions = [k for k in metrics if not k.endswith("_avg")]
    curves = pr_curve(scores, [k + SELF_EXCLUDED if ev.exclude_self and k.endswith("all") else k for k in directions])
    curve = pd.DataFrame({"recall": RECALL_LEVELS.round(1),
                          **{k: np.round(v, 6) for k, v in zip(directions, curves.values(), strict=True)}})
    return Evaluation(metrics, extended_metrics(scores), per_class, diagnostics(embeddings), curve)


def reranked_metrics(embeddings: dict[str, Embeddings], ev: EvalParams) -> dict[str, float]:
    """The protocol's metrics after neighbourhood re-ranking (fgcross.rerank) with `ev.rerank_k`
    neighbours over every media of the split together; metrics/reranked.json, beside eval.json."""
    media = list(embeddings)
    stacked = np.concatenate([embeddings[m].features for m in media])
    expanded = neighbourhood_expand(stacked, ev.rerank_k, ev.rerank_alpha, ev.chunk)
    parts = np.split(expanded, np.cumsum([len(embeddings[m].features) for m in media])[:-1])
    moved = {m: replace(embeddings[m], features=part) for m, part in zip(media, parts, strict=True)}
    return protocol_metrics(retrieval_scores(moved, chunk=ev.chunk, backend=ev.backend), exclude_self=ev.exclude_self)


def tracked_metrics(evaluation: Evaluation) -> dict[str, float]:
    """Every figure once, named `<measure>.<direction>` for MLflow: the protocol's mAPs as `map.i2t` ...
    `map.multi_avg`, the extended measures as `map_at_r.i2t`, `p_at_1.i2t`, ..., and the mAP of a direction
    only the extended metrics have (`map.i2all-self`). Grouped by measure, so `mlflow ui` charts a
    measure across directions, and `map.i2t` is not logged a second time as `i2t.map`."""
    out = {f"map.{k}": float(v) for k, v in evaluation.metrics.items()}
    for direction, row in evaluation.extended.items():
        for measure, value in row.items():
            out.setdefault(f"{measure.replace('@', '_at_')}.{direction}", float(value))
    return out
