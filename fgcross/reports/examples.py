"""Retrieval examples: a few queries of each media and their top results from every media."""

from __future__ import annotations

import numpy as np

from fgcross import MEDIA
from fgcross.exported import Embeddings
from fgcross.metrics import query_similarities
from fgcross.reports.items import ITEM_CSS, ItemRenderer


def retrieval_examples(embeddings: dict[str, Embeddings], renderer: ItemRenderer, per_media: int = 3,
                       top_k: int = 10, seed: int = 0) -> str:
    """For `per_media` random queries of each media (fixed by `seed`), the query (blue frame)
    and its top_k items of the gallery of all media stacked, ranked as the evaluation ranks
    them (cosine, or the method's scorer); a green frame is the query's species, a red one another."""
    media = [m for m in MEDIA if m in embeddings]
    g_media = np.concatenate([[m] * len(embeddings[m].labels) for m in media])
    g_ids = np.concatenate([embeddings[m].ids for m in media])
    g_labels = np.concatenate([embeddings[m].labels for m in media])
    rng = np.random.default_rng(seed)
    parts = [ITEM_CSS]
    for m in media:
        e = embeddings[m]
        for q in rng.choice(len(e.labels), size=min(per_media, len(e.labels)), replace=False):
            sims = query_similarities(embeddings, m, np.array([q]), media)[0]
            own = (g_media == m) & (g_ids == e.ids[q])
            sims[own] = -np.inf  # do not show the query as its own first answer
            top = np.argsort(-sims, kind="stable")[:top_k]
            blocks = [renderer.html(m, str(e.ids[q]), query=True)]
            blocks += [renderer.html(str(g_media[t]), str(g_ids[t]), bool(g_labels[t] == e.labels[q]),
                                     score=float(sims[t])) for t in top]
            right = int((g_labels[top] == e.labels[q]).sum())
            parts.append(f"<h4>{m} query: {right} of {len(top)} right</h4>"
                         f'<div class="row">{"".join(blocks)}</div>')
    return "\n".join(parts)
