"""The embedding-space page: a 2-D t-SNE map of the common representation, and the
modality gap (how far apart the media sit in it)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fgcross import MEDIA
from fgcross.exported import Embeddings
from fgcross.media.kinds import KINDS
from fgcross.metrics import SELF_EXCLUDED, l2_normalize, retrieval_scores


def tsne_map(embeddings: dict[str, Embeddings], max_points: int = 2000, seed: int = 0) -> pd.DataFrame:
    """t-SNE of the unit-normalised features of every media together (the space retrieval
    ranks in; for a method with a scorer of its own, MCSM or CRAN, the first stage's space);
    at most `max_points` items, an equal random share per media, so that a
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


KEY_SIZE = 20  # classes coloured and named in the key: tab20's colours, none repeated


def hardest_classes(embeddings: dict[str, Embeddings]) -> list[int]:
    """Every class, hardest first: by the mean AP of its queries of every media against all
    media without the query itself (the X->All-self directions); ties by label."""
    scores = retrieval_scores(embeddings, ks=())
    parts = [(s.labels, s.ap) for name, s in scores.items() if name.endswith("2all" + SELF_EXCLUDED)]
    labels = np.concatenate([p[0] for p in parts])
    ap = np.concatenate([p[1] for p in parts])
    frame = pd.DataFrame({"label": labels, "ap": ap}).groupby("label")["ap"].mean()
    return frame.sort_values(kind="stable").index.astype(int).tolist()


def class_colours(shown: list[int], hardest: list[int], key_size: int = KEY_SIZE) -> dict[int, tuple]:
    """The classes that get a colour of their own, each a different one: every class shown when
    there are at most key_size, otherwise the key_size hardest of them."""
    import matplotlib.pyplot as plt

    keyed = sorted(shown) if len(shown) <= key_size else [c for c in hardest if c in set(shown)][:key_size]
    palette = plt.get_cmap("tab20").colors
    return {c: palette[i] for i, c in enumerate(keyed)}


def plot_map(points: pd.DataFrame, class_names: list[str], hardest: list[int] | None = None,
             key_size: int = KEY_SIZE):
    """Scatter coloured by class (the key names each colour; grey: classes beyond the key),
    marker by media (the media legend beside it); returns the figure."""
    import matplotlib.pyplot as plt

    shown = sorted(int(c) for c in points["label"].unique())
    colours = class_colours(shown, hardest or shown, key_size)
    fig, ax = plt.subplots(figsize=(11, 7), layout="constrained")
    grey = (0.8, 0.8, 0.8, 0.6)
    for media, group in points.groupby("media", sort=False):
        keyed = group["label"].isin(list(colours))
        ax.scatter(group["x"][~keyed], group["y"][~keyed], color=grey, s=10, marker=KINDS[media].marker, linewidths=0)
        ax.scatter(group["x"][keyed], group["y"][keyed], c=[colours[int(c)] for c in group["label"][keyed]], s=20,
                   marker=KINDS[media].marker, edgecolors="k", linewidths=0.2)
    media_handles = [plt.Line2D([], [], ls="", marker=KINDS[m].marker, color="grey", label=m)
                     for m in points["media"].unique()]
    media_legend = ax.legend(handles=media_handles, title="media", loc="upper left", bbox_to_anchor=(1.01, 1.0),
                             fontsize=8, title_fontsize=9)
    ax.add_artist(media_legend)
    class_handles = [plt.Line2D([], [], ls="", marker="o", color=colours[c], label=short_label(class_names[c]))
                     for c in colours]
    if len(colours) < len(shown):
        class_handles.append(plt.Line2D([], [], ls="", marker="o", color=grey, label="other classes"))
    title = "class (hardest first)" if len(colours) < len(shown) else "class"
    ax.legend(handles=class_handles, title=title, loc="upper left", bbox_to_anchor=(1.01, 0.78), fontsize=8,
              title_fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"t-SNE of the common representation: {len(points)} items, {len(shown)} classes; "
                 f"{len(colours)} coloured", fontsize=10)
    return fig


def short_label(name: str, width: int = 32) -> str:
    """A class name for a legend: underscores as spaces, cut to `width` characters."""
    name = name.replace("_", " ")
    return name if len(name) <= width else name[: width - 1] + "…"


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
