"""A study over seeds (the loss ablation, the related methods) as a report section: the
summary per variant, every run as a point, and every run as a row."""

from __future__ import annotations

import html
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
    table(summarise(runs, study=study), index=False)
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
    table(runs[["variant", "seed", "bi_avg", "multi_avg"]], index=False)
    setup = [c for c in ("cpu", "threads", "torch") if c in runs]
    if setup:
        machines = runs[setup].drop_duplicates()
        note("Made on " + "; ".join(", ".join(f"{c} {html.escape(str(row[c]))}" for c in setup)
                                    for _, row in machines.iterrows())
             + ". Training on CPU differs slightly with the CPU model and the thread count: a row is reproduced "
               "exactly on that kind of machine by the command in its <code>command</code> column, and within "
               "the seeds' spread elsewhere.")
