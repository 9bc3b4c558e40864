"""The failures page: why retrieval fails, not only how much.

- Confusions: which classes a media's queries retrieve instead of their own, counted over
  each query's top k of the gallery of all media (the query's own item left out), split
  into close species (one genus or family, fgcross.data.taxonomy) and distant ones. A
  fine-grained model that fails should fail on close species; distant confusions point at
  something else (a media that has not learned, a shortcut).
- The worst queries first: per bi-modality direction, the queries of lowest AP with their
  top results, shown as media by the examples page's renderer.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from fgcross import MEDIA, MEDIA_LETTER
from fgcross.data.taxonomy import Taxonomy
from fgcross.exported import Embeddings
from fgcross.metrics import query_similarities, retrieval_scores
from fgcross.reports.items import ITEM_CSS, ItemRenderer


def confusion_counts(embeddings: dict[str, Embeddings], classes: int, k: int,
                     chunk: int = 512) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per query media: counts[c, d], how many of the top-k results of class-c queries were of
    class d != c (gallery: every media, the query's own item removed), and the number of
    queries of each class. Ranked as the evaluation ranks (cosine or the method's scorer,
    stable on ties)."""
    media = [m for m in MEDIA if m in embeddings]
    g_labels = np.concatenate([embeddings[m].labels for m in media])
    offsets = dict(zip(media, np.cumsum([0] + [len(embeddings[m].labels) for m in media[:-1]]).tolist(),
                       strict=True))
    out = {}
    for m in media:
        e = embeddings[m]
        counts = np.zeros((classes, classes), dtype=np.int64)
        for start in range(0, len(e.labels), chunk):
            stop = min(start + chunk, len(e.labels))
            sims = query_similarities(embeddings, m, slice(start, stop), media)
            sims[np.arange(stop - start), offsets[m] + np.arange(start, stop)] = -np.inf
            top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
            got = g_labels[top]
            want = np.repeat(e.labels[start:stop, None], got.shape[1], axis=1)
            wrong = got != want
            np.add.at(counts, (want[wrong], got[wrong]), 1)
        out[m] = (counts, np.bincount(e.labels, minlength=classes))
    return out


def ranked_confusions(counts: dict[str, tuple[np.ndarray, np.ndarray]], k: int, taxonomy: Taxonomy,
                      class_names: list[str]) -> pd.DataFrame:
    """One row per confused pair (class, retrieved instead), most confused first: the share of
    the class's top-k results that went to the other class, over all query media and, in a
    column named after each media, for that media's queries; and whether the two are close."""
    total = sum(c for c, _ in counts.values())
    queries = sum(q for _, q in counts.values())
    rows = []
    for a, b in zip(*np.nonzero(total), strict=True):
        row = {"class": class_names[a], "retrieved instead": class_names[b],
               "relation": "close" if taxonomy.close(int(a), int(b)) else "distant",
               "share of top k": total[a, b] / (queries[a] * k), "results": int(total[a, b])}
        for m, (c, q) in counts.items():
            row[m] = c[a, b] / (q[a] * k) if q[a] else np.nan
        rows.append(row | {"a": int(a), "b": int(b)})
    frame = pd.DataFrame(rows, columns=["class", "retrieved instead", "relation", "share of top k", "results",
                                        *counts, "a", "b"])
    return frame.sort_values(["share of top k", "a", "b"], ascending=[False, True, True], kind="stable",
                             ignore_index=True)


def relation_summary(ranked: pd.DataFrame) -> pd.DataFrame:
    """How the wrong results divide between close and distant species."""
    results = ranked.groupby("relation")["results"].sum().reindex(["close", "distant"], fill_value=0)
    pairs = ranked.groupby("relation").size().reindex(["close", "distant"], fill_value=0)
    share = results / max(1, int(results.sum()))
    return pd.DataFrame({"wrong results": results, "share of wrong results": share, "confused pairs": pairs})


def short_name(name: str, width: int = 28) -> str:
    """A CUB-style name without its number, underscores as spaces, cut to `width` (axis labels)."""
    if name[:1].isdigit() and "." in name:
        name = name.split(".", 1)[1]
    name = name.replace("_", " ")
    return name if len(name) <= width else name[: width - 1] + "…"


def plot_confusions(ranked: pd.DataFrame, pairs: int = 10):
    """Two heat maps side by side, the most confused close pairs and the most confused distant
    ones: rows the query's class, columns the class retrieved instead, the share of top k."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 5.6), layout="constrained")
    for ax, relation in zip(axes, ("close", "distant"), strict=True):
        top = ranked[ranked["relation"] == relation].head(pairs)
        ax.set_title(f"{relation} species: the {len(top)} most confused pairs", fontsize=10)
        if top.empty:
            ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            continue
        rows = list(dict.fromkeys(top["class"]))
        cols = list(dict.fromkeys(top["retrieved instead"]))
        grid = np.full((len(rows), len(cols)), np.nan)
        for r in top.itertuples(index=False):
            grid[rows.index(r[0]), cols.index(r[1])] = r[3]
        image = ax.imshow(grid, cmap="Reds", vmin=0, aspect="auto")
        for (i, j), v in np.ndenumerate(grid):
            if not np.isnan(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8)
        ax.set_yticks(range(len(rows)), [short_name(n) for n in rows], fontsize=8)
        ax.set_xticks(range(len(cols)), [short_name(n) for n in cols], fontsize=8, rotation=40, ha="right")
        ax.set_ylabel("query's class")
        ax.set_xlabel("retrieved instead")
        fig.colorbar(image, ax=ax, shrink=0.8, label="share of top k")
    return fig


def worst_queries(embeddings: dict[str, Embeddings], renderer: ItemRenderer, per_direction: int = 3,
                  top_k: int = 10) -> str:
    """Per bi-modality direction, the `per_direction` queries of lowest AP (ties: the first),
    each with its top_k results of the direction's gallery media (ranked as the evaluation
    ranks them); green: the query's species."""
    scores = retrieval_scores(embeddings, ks=())
    media = [m for m in MEDIA if m in embeddings]
    parts = [ITEM_CSS]
    for q in media:
        for g in media:
            name = f"{MEDIA_LETTER[q]}2{MEDIA_LETTER[g]}"
            if g == q or name not in scores:
                continue
            ap = scores[name].ap
            order = np.argsort(np.where(np.isnan(ap), np.inf, ap), kind="stable")[:per_direction]
            parts.append(f"<h3 id='worst-{name}'>{name}: {q} queries, {g} results (mAP {np.nanmean(ap):.3f})</h3>")
            for row in order:
                if np.isnan(ap[row]):
                    continue
                sims = query_similarities(embeddings, q, np.array([row]), [g])[0]
                top = np.argsort(-sims, kind="stable")[:top_k]
                want = embeddings[q].labels[row]
                blocks = [renderer.html(q, str(embeddings[q].ids[row]), query=True)]
                blocks += [renderer.html(g, str(embeddings[g].ids[t]), bool(embeddings[g].labels[t] == want),
                                         score=float(sims[t])) for t in top]
                parts.append(f"<h4>AP {ap[row]:.3f}: {html.escape(renderer.index.classes[int(want)])}</h4>"
                             f'<div class="row">{"".join(blocks)}</div>')
    return "\n".join(parts)
