"""Precision-recall curves per direction, with the methods of the methods table overlaid.

One small panel per direction (12 bi-modality, 4 X->All), so a reader compares methods where
they differ, direction by direction, instead of 16 lines in one plot. Each method's curve is
the mean over its seeds (the runs of `python -m steps.ablation --study methods`, kept in
metrics/methods_pr.csv); this run's curve is drawn on top, dashed.
"""

from __future__ import annotations

import pandas as pd

from fgcross.ablation import mean_curves

COLUMNS = 4


def directions_of(curve: pd.DataFrame) -> list[str]:
    """The directions of a curve table: bi-modality first, then X->All (as evaluation orders them)."""
    names = [c for c in curve.columns if c not in ("recall", "variant", "seed")]
    return [d for d in names if "all" not in d] + [d for d in names if "all" in d]


def curves_figure(curve: pd.DataFrame, methods: pd.DataFrame | None = None, this_run: str = "this run"):
    """A grid of panels, one per direction: each method's mean curve and this run's, dashed."""
    import matplotlib.pyplot as plt

    directions = directions_of(curve)
    means = mean_curves(methods) if methods is not None and not methods.empty else None
    rows = -(-len(directions) // COLUMNS)
    fig, axes = plt.subplots(rows, COLUMNS, figsize=(2.3 * COLUMNS, 2.0 * rows), sharex=True, sharey=True,
                             squeeze=False)
    for ax, direction in zip(axes.flat, directions, strict=False):
        if means is not None and direction in means:
            for n, (variant, group) in enumerate(means.groupby("variant", sort=False)):
                ax.plot(group["recall"], group[direction], color=f"C{n % 10}", lw=1.2, label=variant)
        ax.plot(curve["recall"], curve[direction], color="black", ls="--", lw=1.4, label=this_run)
        ax.set_title(direction.replace("2", "→"), fontsize=9)
        ax.set_ylim(0, 1.02)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(directions):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("precision", fontsize=8)
    for ax in axes[-1, :]:
        ax.set_xlabel("recall", fontsize=8)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, -0.02 - 0.02 * (len(labels) > 6)))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig
