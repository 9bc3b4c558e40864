"""The evaluation of a set of embeddings: one path for the evaluate stage and the studies.

The evaluate stage writes every part of an `Evaluation` (metrics/eval.json and the detailed
files beside it); the seed studies (fgcross.ablation) keep only the protocol's metrics. Both
call `evaluate_embeddings`, so a study's row and the pipeline's eval.json cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from fgcross.diagnostics import diagnostics
from fgcross.embeddings import Embeddings
from fgcross.metrics import extended_metrics, per_class_ap, protocol_metrics, retrieval_scores
from fgcross.params import EvalParams


@dataclass(frozen=True)
class Evaluation:
    metrics: dict[str, float]  # the protocol's flat keys: i2t ... bi_avg, i2all ... multi_avg
    extended: dict[str, dict[str, float]]  # per direction: mAP, mAP@R, P@k, R@k (X->All with and without self)
    per_class: pd.DataFrame  # AP of every class in every direction
    diagnostics: dict[str, Any]  # modality gap, intra- and inter-class distances


def evaluate_embeddings(embeddings: dict[str, Embeddings], ev: EvalParams,
                        class_names: list[str] | None = None) -> Evaluation:
    """Rank every direction once and derive every figure from those rankings."""
    scores = retrieval_scores(embeddings, chunk=ev.chunk, backend=ev.backend)
    per_class = pd.DataFrame(per_class_ap(scores))
    per_class.insert(2, "class", [class_names[i] if class_names else str(i) for i in per_class["label"]])
    return Evaluation(protocol_metrics(scores, exclude_self=ev.exclude_self), extended_metrics(scores), per_class,
                      diagnostics(embeddings))
