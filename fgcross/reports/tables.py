"""The tables of the reports (and of `python -m steps.compare`): mAPs beside the published
numbers, the mAP matrix, more-than-mAP, per-class AP, and the MLflow experiments.

They are pandas frames; `DataFrame.to_html` escapes their cells, so class names and params
from a dataset are shown as text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fgcross import MEDIA, MEDIA_LETTER
from fgcross.published import METRIC_ORDER, PUBLISHED


def comparison_table(metrics: dict[str, float]) -> pd.DataFrame:
    """Our mAPs beside the published ones that have a source (fgcross.published), one column each."""
    rows = []
    for key in METRIC_ORDER:
        if key in metrics:
            rows.append({"direction": key, "this run": metrics[key],
                         **{p.name: p.metrics.get(key) for p in PUBLISHED}})
    return pd.DataFrame(rows).set_index("direction")


def published_sources() -> pd.DataFrame:
    """Where each published column comes from: repository, commit and files."""
    return pd.DataFrame([{"result": p.name, "source": p.source.cite(), "what": p.source.note} for p in PUBLISHED])


def map_matrix(metrics: dict[str, float]) -> pd.DataFrame:
    """Bi-modality mAPs as a query x gallery matrix, with the X->All column."""
    media = [m for m in MEDIA if f"{MEDIA_LETTER[m]}2all" in metrics]
    table = pd.DataFrame(index=media, columns=[*media, "all"], dtype=float)
    for q in media:
        for g in media:
            table.loc[q, g] = metrics.get(f"{MEDIA_LETTER[q]}2{MEDIA_LETTER[g]}", np.nan)
        table.loc[q, "all"] = metrics[f"{MEDIA_LETTER[q]}2all"]
    return table


def extended_table(retrieval: dict[str, dict[str, float]]) -> pd.DataFrame:
    """mAP, mAP@R, P@k and R@k per direction, X->All with and without the query's item."""
    order = [*[k for k in METRIC_ORDER if k in retrieval], *sorted(k for k in retrieval if k.endswith("-self"))]
    table = pd.DataFrame([{"direction": k, **retrieval[k]} for k in order]).set_index("direction")

    def column_order(name: str) -> tuple[int, int]:
        kind, _, k = name.rpartition("_at_")
        return ({"map": 0, "p": 1, "r": 2}.get(kind, 0), int(k) if k.isdigit() else 0)

    return table[sorted(table.columns, key=column_order)]


def best_and_worst_classes(per_class: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """Classes by their mean AP over the bi-modality directions: the n best and the n worst."""
    bi = per_class[~per_class["direction"].str.contains("all")]
    mean = bi.groupby("class")["ap"].mean().sort_values(ascending=False)
    picked = pd.concat([mean.head(n), mean.tail(n)]) if len(mean) > 2 * n else mean
    return picked.rename("mean bi-modality AP").to_frame()


def per_class_summary(per_class: pd.DataFrame) -> pd.DataFrame:
    """Per class: the mean AP over the bi-modality directions and over X->All (query's item
    included, as in the published protocol); the data of the per-class dvc plot."""
    rows = per_class[~per_class["direction"].str.endswith("-self")]
    kind = np.where(rows["direction"].str.endswith("all"), "multi_ap", "bi_ap")
    table = rows.assign(kind=kind).pivot_table(index="class", columns="kind", values="ap", aggfunc="mean")
    return table.reset_index().rename_axis(columns=None)


def experiments_table(tracking_uri: str, experiment: str = "fgcross", max_runs: int = 50) -> pd.DataFrame:
    """The experiment's train runs (newest first): the params that differ between them and the mAPs.

    DVC experiments (`dvc exp run -S ...`) are MLflow runs too, so they compare here at a glance.
    """
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return pd.DataFrame()
    runs = client.search_runs([exp.experiment_id], "tags.`fgcross.stage` = 'train'", max_results=max_runs,
                              order_by=["attributes.start_time DESC"])
    runs = [r for r in runs if "map.bi_avg" in r.data.metrics]
    if not runs:
        return pd.DataFrame()
    keys = sorted({k for r in runs for k in r.data.params})
    differing = [k for k in keys if len({r.data.params.get(k) for r in runs}) > 1 and not k.startswith("tracking.")]
    rows = []
    for r in runs:
        row = {"run": r.info.run_id[:8], "dvc exp": r.data.tags.get("fgcross.dvc_exp", ""),
               "started": pd.Timestamp(r.info.start_time, unit="ms").strftime("%Y-%m-%d %H:%M")}
        row.update({k: r.data.params.get(k) for k in differing})
        row.update({"bi_avg": r.data.metrics["map.bi_avg"], "multi_avg": r.data.metrics.get("map.multi_avg")})
        rows.append(row)
    return pd.DataFrame(rows).set_index("run")
