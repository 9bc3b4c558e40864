"""Embedding diagnostics: how far apart the media sit, and how tight the classes are.

- modality gap: the Euclidean distance between the centroids of two media's
  L2-normalised embeddings (0: the media share one region of the space).
- intra / inter: per media, the mean cosine distance (1 - cos) between two different
  items of the same class, and between items of different classes. A useful space has
  intra well below inter.

Pair means come from class sums (for unit vectors, the sum of cos over all pairs of a set
is ||sum||^2 - n), so the cost is O(N * D), not O(N^2).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from fgcross import MEDIA
from fgcross.exported import Embeddings
from fgcross.metrics import l2_normalize


def modality_gap(embeddings: dict[str, Embeddings]) -> dict[str, float]:
    centroids = {m: l2_normalize(e.features).mean(axis=0) for m, e in embeddings.items()}
    media = [m for m in MEDIA if m in centroids]
    return {f"{a}-{b}": float(np.linalg.norm(centroids[a] - centroids[b])) for a, b in combinations(media, 2)}


def class_distances(features: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Mean cosine distance within classes and between classes."""
    x = l2_normalize(features)
    n = len(x)
    total = x.sum(axis=0)
    all_pairs_cos = total @ total - n  # sum of cos over ordered pairs i != j
    intra_cos, intra_pairs = 0.0, 0
    for label in np.unique(labels):
        members = x[labels == label]
        s = members.sum(axis=0)
        intra_cos += s @ s - len(members)
        intra_pairs += len(members) * (len(members) - 1)
    inter_pairs = n * (n - 1) - intra_pairs
    return {
        "intra": float(1 - intra_cos / intra_pairs) if intra_pairs else float("nan"),
        "inter": float(1 - (all_pairs_cos - intra_cos) / inter_pairs) if inter_pairs else float("nan"),
    }


def diagnostics(embeddings: dict[str, Embeddings]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {"modality_gap": modality_gap(embeddings)}
    for m, e in embeddings.items():
        out[m] = class_distances(e.features, e.labels)
    return out
