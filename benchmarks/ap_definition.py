"""Average precision written as the definition, in plain loops: the reference that the tests hold
fgcross.metrics to, and the baseline that benchmarks.eval_speed times. It is test scaffolding, so
it lives here rather than in the library."""

from __future__ import annotations

import numpy as np


def average_precision_loop(query: np.ndarray, gallery: np.ndarray, query_labels: np.ndarray,
                           gallery_labels: np.ndarray, self_index: np.ndarray | None = None) -> np.ndarray:
    """The definition written as plain loops: the reference for tests and benchmarks."""
    aps = []
    for qi in range(len(query)):
        qv = np.asarray(query[qi], dtype=np.float64)
        scored = []
        for gi in range(len(gallery)):
            if self_index is not None and self_index[qi] == gi:
                continue
            gv = np.asarray(gallery[gi], dtype=np.float64)
            cos = float(qv @ gv / max(np.linalg.norm(qv) * np.linalg.norm(gv), 1e-12))
            scored.append((-cos, gi, gallery_labels[gi] == query_labels[qi]))
        scored.sort(key=lambda t: (t[0], t[1]))
        found, total = 0, 0.0
        for rank, (_, _, rel) in enumerate(scored, start=1):
            if rel:
                found += 1
                total += found / rank
        aps.append(total / found if found else float("nan"))
    return np.array(aps)
