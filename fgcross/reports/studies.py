"""A study over seeds (the loss ablation, the related methods) as a report section: the
summary per variant, every run as a point, and every run as a row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fgcross.ablation import summarise
from fgcross.reports.display import figure, note, table


def show_study(path: str | Path, study: str, command: str) -> None:
    """The section for the study's CSV at `path`; `command` is how to make it when missing."""
    import matplotlib.pyplot as plt

    if not Path(path).exists() or pd.read_csv(path).empty:
        note(f"Not run yet: <code>{command}</code>.")
        return
    runs = pd.read_csv(path)
    # the re-ranked averages (metrics/reranked.json's) beside plain cosine, in studies that recorded them
    extra = [c for c in ("reranked_bi_avg", "reranked_multi_avg") if c in runs]
    table(summarise(runs, ("bi_avg", "multi_avg", *extra), study=study), index=False)
    variants = list(dict.fromkeys(runs["variant"]))
    fig, ax = plt.subplots(figsize=(1.7 * len(variants) + 1, 2.8))
    for n, variant in enumerate(variants):
        group = runs[runs["variant"] == variant]
        ax.scatter([n - 0.1] * len(group), group["bi_avg"], color="C0", label="bi_avg" if n == 0 else None)
        ax.scatter([n + 0.1] * len(group), group["multi_avg"], color="C1", label="multi_avg" if n == 0 else None)
    ax.set_xticks(range(len(variants)), variants)
    ax.set_ylabel("mAP")
    ax.legend(fontsize=8)
    figure(fig)
    table(runs[["variant", "seed", "bi_avg", "multi_avg", *extra]], index=False)
