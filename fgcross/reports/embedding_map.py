"""The embedding-space page: a 2-D t-SNE map of the common representation, and the
modality gap (how far apart the media sit in it)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fgcross import MEDIA
from fgcross.embeddings import Embeddings
from fgcross.metrics import l2_normalize

MARKERS = {"image": "o", "text": "s", "audio": "^", "video": "D"}


def tsne_map(embeddings: dict[str, Embeddings], max_points: int = 2000, seed: int = 0) -> pd.DataFrame:
    """t-SNE of the unit-normalised features of every media together (the space retrieval
    ranks in); at most `max_points` items, an equal random share per media, so that a
    PKU-sized gallery maps in seconds. Columns: x, y, media, label, id."""
    from sklearn.manifold import TSNE

    media = [m for m in MEDIA if m in embeddings]
    rng = np.random.default_rng(seed)
    share = max(1, max_points // max(1, len(media)))
    parts = []
    for m in media:
        e = embeddings[m]
        rows = np.sort(rng.choice(len(e.labels), size=min(share, len(e.labels)), replace=False))
        parts.append((m, e.features[rows], e.labels[rows], e.ids[rows]))
    features = l2_normalize(np.concatenate([p[1] for p in parts]).astype(np.float32))
    perplexity = float(min(30.0, max(2.0, (len(features) - 1) / 3)))
    xy = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed,
              max_iter=500).fit_transform(features)
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1],
                         "media": np.concatenate([[p[0]] * len(p[2]) for p in parts]),
                         "label": np.concatenate([p[2] for p in parts]),
                         "id": np.concatenate([p[3] for p in parts])})


def plot_map(points: pd.DataFrame, class_names: list[str], legend_classes: int = 12):
    """Scatter coloured by class, marker by media; returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 6.5))
    cmap = plt.get_cmap("tab20")
    for media, group in points.groupby("media", sort=False):
        ax.scatter(group["x"], group["y"], c=[cmap(int(label) % 20) for label in group["label"]], s=18,
                   marker=MARKERS[media], edgecolors="k", linewidths=0.2, label=media)
    handles = [plt.Line2D([], [], ls="", marker=MARKERS[m], color="grey", label=m)
               for m in points["media"].unique()]
    ax.legend(handles=handles, title="media", loc="upper right", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    shown = sorted(points["label"].unique())
    title = f"t-SNE of the common representation: {len(points)} items, {len(shown)} classes (colour)"
    if len(shown) <= legend_classes:
        title += "\n" + ", ".join(f"{class_names[i]}" for i in shown[:legend_classes])
    ax.set_title(title, fontsize=9)
    return fig


def neighbour_agreement(points: pd.DataFrame, k: int = 5) -> pd.DataFrame:
    """How the 2-D map itself groups items: per media, the share of each point's k nearest
    map neighbours that are of its class, and the share that are of its media (a map where
    media cluster apart shows a modality gap)."""
    xy = points[["x", "y"]].to_numpy()
    d = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    near = np.argsort(d, axis=1)[:, :k]
    labels, media = points["label"].to_numpy(), points["media"].to_numpy()
    same_class = (labels[near] == labels[:, None]).mean(1)
    same_media = (media[near] == media[:, None]).mean(1)
    frame = pd.DataFrame({"media": media, "same class": same_class, "same media": same_media})
    return frame.groupby("media", sort=False).mean()
