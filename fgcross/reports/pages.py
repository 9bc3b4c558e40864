"""The report pages (one notebook each), the navigation bar, and the index page that links them.

Two kinds of page. The tracked ones (reports/html, a pipeline output) are a pure function of the
stage's deps and params: the same bytes when the pipeline re-runs with the same params and code,
so that a re-run changes no tracked file and both runners share one cache. The live ones
(reports/live, beside it, untracked) show what describes a run rather than its results: wall
times, throughput, the machine, the git commit, the MLflow runs so far; they change on every run.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from fgcross.published import METRIC_ORDER


@dataclass(frozen=True)
class Page:
    slug: str  # reports/templates/<slug>.ipynb -> reports/html/<slug>.html
    title: str
    summary: str
    tracked: bool = True  # False: a live page (reports/live), rebuilt by every run, not an output


PAGES: tuple[Page, ...] = (
    Page("dataset", "Dataset", "items per class, media and split; the same species in every media; index problems"),
    Page("training", "Training", "loss terms and accuracy per media, per epoch, both stages"),
    Page("retrieval", "Retrieval", "the mAP matrix beside the published numbers; per-class AP; precision at k"),
    Page("failures", "Failures", "confused species, close and distant; the worst queries with their results"),
    Page("examples", "Examples", "queries of each media and their top results across media"),
    Page("embedding", "Embedding space", "a t-SNE map by class and media; the modality gap"),
    Page("experiments", "Experiments", "MLflow runs and DVC experiments side by side; the loss ablation",
         tracked=False),
    Page("provenance", "Provenance", "git commit, params, package versions, machine, wall time per stage, "
         "training throughput", tracked=False),
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


LINKS = ("../live", "../html")
"""(the live folder seen from the tracked one, the tracked folder seen from the live one)."""


def page_href(page: Page, from_tracked: bool = True, links: tuple[str, str] = LINKS) -> str:
    """The link to `page` from a page in the tracked folder (or from a live one)."""
    if page.tracked == from_tracked:
        return f"{page.slug}.html"
    return f"{links[0] if from_tracked else links[1]}/{page.slug}.html"


def nav_html(current: str, metrics: dict[str, float], links: tuple[str, str] = LINKS) -> str:
    """The bar at the top of every page: links to all pages and the run's two headline mAPs."""
    from_tracked = next((p.tracked for p in PAGES if p.slug == current), True)
    home = "index.html" if from_tracked else f"{links[1]}/index.html"
    links_html = [f'<a href="{home}"' + (' class="here"' if current == "index" else "") + ">fgcross report</a>"]
    for page in PAGES:
        here = ' class="here"' if page.slug == current else ""
        href = page_href(page, from_tracked, links)
        links_html.append(f'<a href="{href}"{here}>{html.escape(page.title)}</a>')
    score = " · ".join(f"{k} {metrics[k]:.3f}" for k in ("bi_avg", "multi_avg") if k in metrics)
    return f'{SITE_CSS}<nav class="fg-nav">{"".join(links_html)}<span class="fg-score">{score}</span></nav>'


def index_html(metrics: dict[str, float], facts: dict[str, str], failed: dict[str, str] | None = None,
               links: tuple[str, str] = LINKS) -> str:
    """The landing page: every mAP of metrics/eval.json, a few facts of the results, links to the
    pages. No build time (a tracked output: the wall times are on the live provenance page)."""
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
            live = "" if page.tracked else " (live: this machine's latest run, not a tracked output)"
            items.append(f'<li><a href="{page_href(page, True, links)}"><b>{html.escape(page.title)}</b></a>: '
                         f"{html.escape(page.summary)}{live}</li>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>fgcross report</title></head><body>"
            f"{nav_html('index', metrics, links)}<div class='fg-index'><h1>Fine-grained cross-media retrieval</h1>"
            f"<h3>Retrieval mAP (metrics/eval.json)</h3>{table}"
            f"<table>{rows}</table><h3>Pages</h3><ul>{''.join(items)}</ul></div></body></html>")
