"""The dataset page: how many items each class has per media and split, and the same
classes seen in all four media side by side."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from fgcross import MEDIA
from fgcross.data.index_files import Index
from fgcross.reports.items import ITEM_CSS, ItemRenderer


def items_per_class(index: Index) -> pd.DataFrame:
    """Rows: class label; columns: (media, split); values: item counts (0 where none)."""
    counts = index.manifest.groupby(["label", "media", "split"]).size().unstack(["media", "split"], fill_value=0)
    counts = counts.reindex(range(len(index.classes)), fill_value=0)
    order = [(m, s) for m in MEDIA for s in ("train", "test") if (m, s) in counts.columns]
    return counts[order]


def count_summary(index: Index) -> pd.DataFrame:
    """Per media and split: items, classes with items, and the fewest and most items per class."""
    per_class = items_per_class(index)
    rows = []
    for (media, split), column in per_class.items():
        rows.append({"media": media, "split": split, "items": int(column.sum()), "classes": int((column > 0).sum()),
                     "min per class": int(column.min()), "max per class": int(column.max())})
    return pd.DataFrame(rows)


def plot_items_per_class(counts: pd.DataFrame, media: list[str]):
    """One full-width panel per split, a line per media, the legend outside the axes, integer
    ticks thinned to what fits: readable at the page's width for 16 classes or 200."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    splits = [s for s in ("train", "test") if any((m, s) in counts.columns for m in media)]
    fig, axes = plt.subplots(len(splits), 1, figsize=(11, 2.4 * len(splits)), sharex=True, squeeze=False,
                             layout="constrained")
    for ax, split in zip(axes[:, 0], splits, strict=True):
        for m in media:
            if (m, split) in counts.columns:
                ax.step(counts.index, counts[(m, split)], where="mid", label=m)
        ax.set_ylim(bottom=0)
        ax.set_ylabel(f"{split}: items")
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
    axes[0, 0].legend(title="media", loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    axes[-1, 0].set_xlabel("class label")
    return fig


def sample_classes(index: Index, count: int, seed: int = 0) -> list[int]:
    """`count` class labels spread over the label range (deterministic)."""
    labels = np.unique(index.manifest["label"].to_numpy())
    if len(labels) <= count:
        return labels.tolist()
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(labels, size=count, replace=False).tolist())


def class_samples(index: Index, renderer: ItemRenderer, labels: list[int], per_media: int = 1) -> str:
    """For each class, `per_media` items of every media of the renderer's split, side by side;
    a media the dataset lacks shows as absent."""
    parts = [ITEM_CSS]
    for label in labels:
        blocks = []
        for media in MEDIA:
            if media not in renderer.prepared:
                blocks.append(f'<div class="item"><div class="media">{media}</div>'
                              f'<div class="absent">absent from this dataset</div></div>')
                continue
            split = renderer.prepared[media]
            rows = np.flatnonzero(split.labels == label)[:per_media]
            blocks += [renderer.html(media, split.ids[r]) for r in rows]
        parts.append(f"<h4>{html.escape(index.classes[label])}</h4><div class=\"row\">{''.join(blocks)}</div>")
    return "\n".join(parts)
