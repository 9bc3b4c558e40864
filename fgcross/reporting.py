"""Building blocks of the HTML reports; the notebooks in reports/templates only call these.

Everything that comes from a dataset (class names, ids, text items) is HTML-escaped here,
so a text item containing `<script>` is shown as text, never run.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np
import pandas as pd

from fgcross import MEDIA, MEDIA_LETTER
from fgcross.data.index_files import Index
from fgcross.data.prepared import load_split
from fgcross.embeddings import Embeddings
from fgcross.metrics import l2_normalize
from fgcross.published import BEST_LATER, FGCROSSNET, METRIC_ORDER


def comparison_table(metrics: dict[str, float]) -> pd.DataFrame:
    """Our mAPs beside FGCrossNet's published ones and the best later result."""
    rows = []
    for key in METRIC_ORDER:
        if key in metrics:
            rows.append({"direction": key, "this run": metrics[key], "FGCrossNet (paper)": FGCROSSNET.get(key),
                         "best later": BEST_LATER.get(key)})
    return pd.DataFrame(rows).set_index("direction")


def map_matrix(metrics: dict[str, float]) -> pd.DataFrame:
    """Bi-modality mAPs as a query x gallery matrix, with the X->All column."""
    media = [m for m in MEDIA if f"{MEDIA_LETTER[m]}2all" in metrics]
    table = pd.DataFrame(index=media, columns=[*media, "all"], dtype=float)
    for q in media:
        for g in media:
            table.loc[q, g] = metrics.get(f"{MEDIA_LETTER[q]}2{MEDIA_LETTER[g]}", np.nan)
        table.loc[q, "all"] = metrics[f"{MEDIA_LETTER[q]}2all"]
    return table


def array_data_uri(pixels: np.ndarray) -> str:
    """uint8 RGB [H, W, 3] (or a strip of frames [F, H, W, 3]) as an embedded PNG."""
    import cv2

    if pixels.ndim == 4:
        pixels = np.concatenate(list(pixels), axis=1)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("could not encode thumbnail")
    return "data:image/png;base64," + base64.b64encode(buf.tobytes()).decode()


class ItemRenderer:
    """Renders one dataset item as a small HTML block: a thumbnail, a frame strip, or text."""

    def __init__(self, index: Index, media_dir: str | Path, split: str) -> None:
        self.index, self.split = index, split
        self.prepared = {m: load_split(Path(media_dir) / m, split) for m in index.media}
        self.row_of = {m: {i: r for r, i in enumerate(p.ids)} for m, p in self.prepared.items()}

    def html(self, media: str, item_id: str, correct: bool | None = None, query: bool = False) -> str:
        """correct: True/False frames the item green/red; query frames it blue."""
        row = self.row_of[media][item_id]
        if media == "text":
            body = (self.index.root / item_id).read_text(encoding="utf-8", errors="replace")
            inner = f'<div class="txt">{html.escape(body[:300])}</div>'
        else:
            data = np.asarray(self.prepared[media].data[row])
            inner = f'<img src="{array_data_uri(data)}" alt="{html.escape(item_id)}">'
        label = int(self.prepared[media].labels[row])
        mark = "query" if query else ("" if correct is None else ("ok" if correct else "no"))
        name = html.escape(self.index.classes[label])
        return (f'<div class="item {mark}"><div class="media">{media}</div>{inner}'
                f'<div class="cls">{name}</div></div>')


REPORT_CSS = """
<style>
.row{display:flex;gap:6px;align-items:flex-start;margin:6px 0 14px 0;flex-wrap:wrap}
.item{border:3px solid #ccc;padding:3px;width:150px;font:11px sans-serif;overflow:hidden}
.item img{max-width:144px;image-rendering:pixelated}
.item.ok{border-color:#2a2}.item.no{border-color:#c33}.item.query{border-color:#36c}
.txt{white-space:pre-wrap;max-height:110px;overflow:auto}
.media{color:#666;font-weight:bold}.cls{color:#333}
</style>
"""


def retrieval_examples(embeddings: dict[str, Embeddings], renderer: ItemRenderer, per_media: int = 3,
                       top_k: int = 5, seed: int = 0) -> str:
    """For a few queries of each media, the top-k items of the stacked gallery of all media."""
    media = [m for m in MEDIA if m in embeddings]
    gallery = l2_normalize(np.concatenate([embeddings[m].features for m in media]))
    g_media = np.concatenate([[m] * len(embeddings[m].labels) for m in media])
    g_ids = np.concatenate([embeddings[m].ids for m in media])
    g_labels = np.concatenate([embeddings[m].labels for m in media])
    rng = np.random.default_rng(seed)
    parts = [REPORT_CSS]
    for m in media:
        e = embeddings[m]
        for q in rng.choice(len(e.labels), size=min(per_media, len(e.labels)), replace=False):
            sims = gallery @ l2_normalize(e.features[q:q + 1])[0]
            own = (g_media == m) & (g_ids == e.ids[q])
            sims[own] = -np.inf  # do not show the query as its own first answer
            top = np.argsort(-sims, kind="stable")[:top_k]
            blocks = [renderer.html(m, str(e.ids[q]), query=True)]
            blocks += [renderer.html(str(g_media[t]), str(g_ids[t]), bool(g_labels[t] == e.labels[q])) for t in top]
            parts.append(f'<div class="row">{"".join(blocks)}</div>')
    return "\n".join(parts)


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
