"""Executing the parameterised report notebooks (papermill) and rendering them to offline HTML
(nbconvert), one page per topic, in parallel, plus the index page that links them.

The executed notebooks are stripped of what papermill and the kernel stamp on them (start and
end times, durations, execution timestamps): a tracked page is a pure function of its inputs
(fgcross.reports.pages), so a re-run with the same params and code writes the same bytes."""

from __future__ import annotations

import logging
import os
import shutil
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from fgcross.errors import ReportError
from fgcross.io import atomic_dir, write_text
from fgcross.reports.pages import PAGES, Page, index_html, nav_html

TEMPLATE_DIR = Path(__file__).parent / "nbtemplate"
log = logging.getLogger("report")


def notebook_parameters(template: str | Path, parameters: dict[str, Any]) -> dict[str, Any]:
    """The subset of `parameters` that the notebook declares in its `parameters` cell."""
    import papermill

    declared = papermill.inspect_notebook(str(template))
    return {k: v for k, v in parameters.items() if k in declared}


def render_html(notebook_path: str | Path, html_out: str | Path, nav: str = "") -> Path:
    """Code-free HTML of an executed notebook with the offline template (nothing fetched)."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(str(notebook_path), as_version=4)
    exporter = HTMLExporter(template_name="offline", extra_template_basedirs=[str(TEMPLATE_DIR)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(notebook, resources={"fgcross_nav": nav})
    write_text(html_out, body)
    return Path(html_out)


RUN_METADATA = ("papermill", "execution")
"""Notebook and cell metadata keys that record when and how long a run took, not what it showed."""


def strip_run_metadata(notebook_path: str | Path) -> None:
    """Remove papermill's and the kernel's timestamps and durations from an executed notebook, and
    give the cell papermill injects a fixed id (papermill draws a random one)."""
    import nbformat

    notebook = nbformat.read(str(notebook_path), as_version=4)
    for key in RUN_METADATA:
        notebook.metadata.pop(key, None)
    for cell in notebook.cells:
        for key in RUN_METADATA:
            cell.metadata.pop(key, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    nbformat.write(notebook, str(notebook_path))


def execute_and_render(template: str | Path, executed: str | Path, html_out: str | Path,
                       parameters: dict[str, Any], progress: bool = True, nav: str = "") -> Path:
    """Run `template` with the parameters it declares, keep the executed notebook (with the
    failing cell's traceback, when one fails), write its HTML."""
    import papermill

    papermill.execute_notebook(str(template), str(executed), parameters=notebook_parameters(template, parameters),
                               kernel_name="python3", progress_bar=progress, cwd=str(Path.cwd()))
    strip_run_metadata(executed)
    return render_html(executed, html_out, nav)


def _build_page(template: str, executed: str, html_out: str, parameters: dict[str, Any], nav: str) -> str:
    """One page in a worker process; returns an error line instead of raising (so that one
    failed page does not lose the others)."""
    # the kernel imports fgcross from this source tree, installed or not, whatever the cwd
    source = str(Path(__file__).resolve().parents[2])
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))
    try:
        execute_and_render(template, executed, html_out, parameters, progress=False, nav=nav)
        return ""
    except Exception as err:  # noqa: BLE001 - reported with the page's name by build_reports
        first = str(err).strip().splitlines()
        return f"{type(err).__name__}: {first[-1] if first else ''}"[:500]


def build_reports(templates: str | Path, executed: str | Path, out: str | Path, parameters: dict[str, Any],
                  metrics: dict[str, float], facts: dict[str, str], processes: int = 0,
                  pages: tuple[str, ...] | None = None, live: str | Path | None = None) -> list[Path]:
    """Every page of PAGES (or those named) into `out`, with index.html linking them; the live
    pages (Page.tracked False) and their executed notebooks into `live` (default: `out`'s
    sibling `live`), which is no pipeline output.

    Pages run in `processes` worker processes (0 = one per core, at most one per page). A
    page that fails leaves the others built; the index marks it, and ReportError names it
    once everything else is written. The folders are replaced as a whole, with the pages
    not asked for copied over unchanged.
    """
    wanted = [p for p in PAGES if pages is None or p.slug in pages]
    processes = processes or min(len(wanted), os.cpu_count() or 1)
    live = Path(live) if live is not None else Path(out).parent / "live"
    links = (os.path.relpath(live, out).replace(os.sep, "/"), os.path.relpath(out, live).replace(os.sep, "/"))
    failed: dict[str, str] = {}
    with atomic_dir(out) as html_tmp, atomic_dir(executed) as nb_tmp, atomic_dir(live) as live_tmp:

        def place(page: Page, suffix: str) -> tuple[Path, Path]:
            """(where the page is now, where it is being built) for .html or .ipynb."""
            if not page.tracked:
                return live / f"{page.slug}{suffix}", live_tmp / f"{page.slug}{suffix}"
            folder, tmp = (out, html_tmp) if suffix == ".html" else (executed, nb_tmp)
            return Path(folder) / f"{page.slug}{suffix}", tmp / f"{page.slug}{suffix}"

        for page in PAGES:  # the pages not asked for stay as they were
            if page not in wanted:
                for source, target in (place(page, ".html"), place(page, ".ipynb")):
                    if source.exists():
                        shutil.copy2(source, target)
        jobs = {}
        with ProcessPoolExecutor(max_workers=max(1, processes), mp_context=get_context("spawn")) as pool:
            for page in wanted:
                template = Path(templates) / f"{page.slug}.ipynb"
                if not template.exists():
                    raise FileNotFoundError(f"{template}: report template missing")
                jobs[pool.submit(_build_page, str(template), str(place(page, ".ipynb")[1]),
                                 str(place(page, ".html")[1]), parameters,
                                 nav_html(page.slug, metrics, links))] = page.slug
            for future in as_completed(jobs):
                error = future.result()
                if error:
                    failed[jobs[future]] = error
                log.info("%s page %s", jobs[future], "FAILED: " + error if error else "built")
        write_text(html_tmp / "index.html", index_html(metrics, facts, failed, links))
    if failed:
        names = ", ".join(f"{slug} ({error}; see {Path(executed if p.tracked else live) / (slug + '.ipynb')})"
                          for p in PAGES for slug, error in failed.items() if p.slug == slug)
        raise ReportError(f"report pages failed: {names}")
    return [Path(out) / "index.html", *(Path(out if p.tracked else live) / f"{p.slug}.html" for p in wanted)]
