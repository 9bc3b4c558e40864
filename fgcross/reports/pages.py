"""The report pages (one notebook each), the navigation bar, and the index page that links them."""

from __future__ import annotations

import html
import time
from dataclasses import dataclass

from fgcross.published import METRIC_ORDER


@dataclass(frozen=True)
class Page:
    slug: str  # reports/templates/<slug>.ipynb -> reports/html/<slug>.html
    title: str
    summary: str


PAGES: tuple[Page, ...] = (
    Page("dataset", "Dataset", "items per class, media and split; the same species in every media; index problems"),
    Page("training", "Training", "loss terms and accuracy per media, per epoch, both stages; throughput"),
    Page("retrieval", "Retrieval", "the mAP matrix beside the published numbers; per-class AP; precision at k"),
    Page("failures", "Failures", "confused species, close and distant; the worst queries with their results"),
    Page("examples", "Examples", "queries of each media and their top results across media"),
    Page("embedding", "Embedding space", "a t-SNE map by class and media; the modality gap"),
    Page("experiments", "Experiments", "MLflow runs and DVC experiments side by side; the loss ablation"),
    Page("provenance", "Provenance", "git commit, params, package versions, machine, wall time per stage"),
)

SITE_CSS = """
<style>
.fg-nav{font:14px sans-serif;background:#1f2d3d;color:#fff;padding:8px 16px;display:flex;gap:14px;flex-wrap:wrap;
  align-items:center}
.fg-nav a{color:#cfe3ff;text-decoration:none}.fg-nav a.here{color:#fff;font-weight:bold;text-decoration:underline}
.fg-nav .fg-score{margin-left:auto;color:#ffd866}
.fg-index{font:15px sans-serif;max-width:980px;margin:20px auto;padding:0 16px}
.fg-index table{border-collapse:collapse;margin:8px 0}
.fg-index td,.fg-index th{border:1px solid #ccc;padding:3px 8px;text-align:right}
.fg-index li{margin:6px 0}
</style>
"""


def nav_html(current: str, metrics: dict[str, float]) -> str:
    """The bar at the top of every page: links to all pages and the run's two headline mAPs."""
    links = ['<a href="index.html"' + (' class="here"' if current == "index" else "") + ">fgcross report</a>"]
    for page in PAGES:
        here = ' class="here"' if page.slug == current else ""
        links.append(f'<a href="{page.slug}.html"{here}>{html.escape(page.title)}</a>')
    score = " · ".join(f"{k} {metrics[k]:.3f}" for k in ("bi_avg", "multi_avg") if k in metrics)
    return f'{SITE_CSS}<nav class="fg-nav">{"".join(links)}<span class="fg-score">{score}</span></nav>'


def index_html(metrics: dict[str, float], facts: dict[str, str], failed: dict[str, str] | None = None) -> str:
    """The landing page: every mAP of metrics/eval.json, a few facts of the run, links to the pages."""
    failed = failed or {}
    keys = [k for k in METRIC_ORDER if k in metrics]
    table = ("<table><tr><th>direction</th>" + "".join(f"<th>{k}</th>" for k in keys) + "</tr><tr><td>mAP</td>"
             + "".join(f"<td>{metrics[k]:.3f}</td>" for k in keys) + "</tr></table>")
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td style='text-align:left'>{html.escape(v)}</td></tr>"
                   for k, v in facts.items())
    items = []
    for page in PAGES:
        if page.slug in failed:
            items.append(f"<li><b>{html.escape(page.title)}</b>: failed to build ({html.escape(failed[page.slug])})"
                         "</li>")
        else:
            items.append(f'<li><a href="{page.slug}.html"><b>{html.escape(page.title)}</b></a>: '
                         f"{html.escape(page.summary)}</li>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>fgcross report</title></head><body>"
            f"{nav_html('index', metrics)}<div class='fg-index'><h1>Fine-grained cross-media retrieval</h1>"
            f"<h3>Retrieval mAP (metrics/eval.json)</h3>{table}"
            f"<table>{rows}</table><h3>Pages</h3><ul>{''.join(items)}</ul>"
            f"<p style='color:#777'>Built {time.strftime('%Y-%m-%d %H:%M:%S')}.</p></div></body></html>")
