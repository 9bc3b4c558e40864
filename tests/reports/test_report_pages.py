"""Every report page, built by the real steps for a dataset that lacks a media (audio) and
holds hostile text, then loaded in headless Chromium."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fgcross.reports.pages import PAGES
from tests.browser import load_pages
from tests.conftest import REPO, write_tiny_params

HOSTILE_TEXT = "<script>window.__xss_text = 1</script> & <b>bold</b> <img src=x onerror=\"window.__xss_img=1\">"
HOSTILE_CLASS = "<script>window.__xss_class=1</script>Evil_<i>Gull</i>"
SECTIONS = {  # a heading (or phrase) of every section of every page
    "dataset": ["Items per class", "The same species in every media", "Problems found by the index stage",
                "absent from this dataset"],
    "training": ["Losses per term", "Training accuracy per media", "Every epoch"],
    "retrieval": ["mAP beside the published numbers", "Precision at k", "Per class"],
    "failures": ["Confused species", "The worst queries", "close", "distant"],
    "examples": ["query:"],
    "embedding": ["A 2-D map (t-SNE)", "class key", "Modality gap"],
    "experiments": ["Tracked runs", "Loss ablation", "Related methods"],
    "provenance": ["Wall time per stage", "Training throughput", "Params", "Packages"],
}


@pytest.fixture(scope="module")
def report_run(tmp_path_factory, dataset) -> Path:
    """A working folder where the steps ran from index to report, audio lists removed."""
    import os

    from steps import evaluate, export, frames, images, index, report, spectrogram, text, train

    work = tmp_path_factory.mktemp("report_run")
    root = work / "data" / "generated"
    shutil.copytree(dataset, root)
    shutil.rmtree(root / "list" / "audio")
    first_text = (root / "list/text/test.txt").read_text().split()[0]
    (root / first_text).write_text(HOSTILE_TEXT, encoding="utf-8")
    classes = (root / "classes.txt").read_text().splitlines()
    classes[0] = f"0 {HOSTILE_CLASS}"
    (root / "classes.txt").write_text("\n".join(classes) + "\n")
    (root / "taxonomy.csv").unlink()  # closeness from the class names instead (the hostile one included)
    write_tiny_params(work / "params.yaml", {"tracking": {"uri": f"sqlite:///{work}/mlflow.db"},
                                             "report": {"processes": 2}})
    old = Path.cwd()
    os.chdir(work)
    try:
        for step in (index, images, text, frames, spectrogram, train, export):
            step.main(["--quiet"])
        evaluate.main(["--quiet", "--classes", "build/index/classes.csv", "--plots", "plots"])
        _methods_curves(Path("plots/pr_curve.csv"), Path("metrics/methods_pr.csv"))
        report.main(["--quiet", "--templates", str(REPO / "reports/templates")])
    finally:
        os.chdir(old)
    return work


def _pages(run: Path) -> list[Path]:
    return sorted([*(run / "reports/html").glob("*.html"), *(run / "reports/live").glob("*.html")])


def test_every_page_builds_with_every_section(report_run):
    html_dir, live_dir = report_run / "reports/html", report_run / "reports/live"
    tracked = [p for p in PAGES if p.tracked]
    expected = ["index.html", *(f"{p.slug}.html" for p in tracked)]
    assert sorted(p.name for p in html_dir.glob("*.html")) == sorted(expected)
    assert sorted(p.name for p in live_dir.glob("*.html")) == sorted(f"{p.slug}.html" for p in PAGES if not p.tracked)
    for page, phrases in SECTIONS.items():
        body = (html_dir / f"{page}.html" if (html_dir / f"{page}.html").exists() else live_dir / f"{page}.html"
                ).read_text(encoding="utf-8")
        for phrase in phrases:
            assert phrase in body, f"{page}: no {phrase!r}"
        assert "Traceback" not in body, page
        assert 'data-mime-type="application/vnd.jupyter.stderr"' not in body, f"{page}: a warning or error shows"
    assert "audio" not in json.loads((report_run / "models/config.json").read_text())["media"]
    executed = sorted(p.name for p in (report_run / "reports/executed").glob("*.ipynb"))
    assert executed == sorted(f"{p.slug}.ipynb" for p in tracked)


def test_tracked_pages_are_the_same_bytes_when_built_again(report_run, tmp_path, monkeypatch):
    """Issue 17: a re-run with the same inputs changes no tracked file: no build time, no
    papermill or kernel timestamps, no commit, no absolute path; the live pages may change."""
    from steps import report

    monkeypatch.chdir(report_run)
    report.main(["--quiet", "--templates", str(REPO / "reports/templates"), "--out", str(tmp_path / "html"),
                 "--executed", str(tmp_path / "executed"), "--live", str(tmp_path / "live")])
    for first, again in (("reports/html", "html"), ("reports/executed", "executed")):
        names = sorted(p.name for p in (report_run / first).iterdir())
        assert names == sorted(p.name for p in (tmp_path / again).iterdir())
        changed = [n for n in names if (report_run / first / n).read_bytes() != (tmp_path / again / n).read_bytes()]
        assert changed == [], (first, changed)
        for name in names:
            text = (report_run / first / name).read_text(encoding="utf-8")
            assert str(report_run) not in text and "start_time" not in text and "iopub." not in text, name


def test_dataset_text_is_escaped_on_every_page(report_run):
    for page in _pages(report_run):
        body = page.read_text(encoding="utf-8")
        assert "<script>window.__xss" not in body and "<img src=x" not in body, page.name
    dataset_page = (report_run / "reports/html/dataset.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__xss_class=1&lt;/script&gt;Evil_&lt;i&gt;Gull&lt;/i&gt;" in dataset_page


def test_pages_are_offline(report_run):
    for page in _pages(report_run):
        body = page.read_text(encoding="utf-8")
        for attribute in ('src="http', "src='http", 'href="http'):
            assert attribute not in body, f"{page.name} loads {attribute}..."


def _methods_curves(curve: Path, out: Path) -> None:
    """Curves of two methods of the methods table, two seeds each (this run's, lowered), so that
    the retrieval page has runs to overlay."""
    import pandas as pd

    base = pd.read_csv(curve)
    runs = []
    for n, (variant, seed) in enumerate([("fgcrossnet", 0), ("fgcrossnet", 1), ("adversarial", 0)]):
        run = base.copy()
        run[run.columns[1:]] *= 0.9 - 0.1 * n
        runs.append(pd.concat([pd.DataFrame({"variant": variant, "seed": seed}, index=run.index), run], axis=1))
    pd.concat(runs).to_csv(out, index=False)


# The views of the report, by element id, and what each must hold once the page has loaded
VIEWS = {
    "failures": {"confusion-summary": "table", "confusion-heatmap": "img", "confusion-table": "table",
                 "worst-queries": ".item.query"},
    "embedding": {"embedding-map": "img"},
    "retrieval": {"pr-curves": "img"},
    "dataset": {"items-per-class": "img"},
}
PROBE = """() => ({xss: [window.__xss_text, window.__xss_img, window.__xss_class],
  views: Object.fromEntries(Array.from(document.querySelectorAll('.fg-view')).map(v => [v.id, {
    text: v.innerText.trim().length,
    images: Array.from(v.querySelectorAll('img')).map(i => [i.complete, i.naturalWidth, i.naturalHeight]),
    selectors: Object.fromEntries(%s.map(s => [s, v.querySelectorAll(s).length]))}]))})"""


def test_pages_in_headless_chromium(report_run, tmp_path):
    """Each page loads from the file system with no JavaScript error and no request leaving
    the file, the hostile text does not run, and the mAPs of metrics/eval.json are shown;
    each view of the failure analysis is present, non-empty, and its pictures decoded."""
    metrics = json.loads((report_run / "metrics/eval.json").read_text())
    urls = [p.as_uri() for p in _pages(report_run)]
    selectors = sorted({s for views in VIEWS.values() for s in views.values()})
    loaded = load_pages(urls, tmp_path / "shots", probe=PROBE % json.dumps(selectors))
    for url, page in loaded.items():
        assert page.errors == [], (url, page.errors)
        for view, selector in VIEWS.get(Path(url).stem, {}).items():
            found = page.globals["views"].get(view)
            assert found, (url, view, "missing")
            assert found["selectors"][selector] > 0, (url, view, selector)
            assert all(done and w > 0 and h > 0 for done, w, h in found["images"]), (url, view, found["images"])
        assert all(r.startswith(("file:", "data:")) for r in page.requests), (url, page.requests)
        assert page.globals["xss"] == [None, None, None], url
        for key in ("bi_avg", "multi_avg"):
            assert f"{metrics[key]:.3f}" in page.text, (url, key)
    for name in ("index.html", "retrieval.html"):
        text = next(p.text for u, p in loaded.items() if u.endswith(name))
        missing = [k for k, v in metrics.items() if f"{v:.3f}" not in text]
        assert missing == [], (name, missing)
    assert len(list((tmp_path / "shots").glob("*.png"))) == len(urls)


def test_one_page_is_rebuilt_and_the_others_kept(report_run, tmp_path, monkeypatch):
    from steps import report

    shutil.copytree(report_run / "reports", tmp_path / "reports")
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in _pages(tmp_path)}
    monkeypatch.chdir(report_run)
    report.main(["--quiet", "--templates", str(REPO / "reports/templates"), "--out", str(tmp_path / "reports/html"),
                 "--executed", str(tmp_path / "reports/executed"), "--live", str(tmp_path / "reports/live"),
                 "--pages", "experiments"])
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in _pages(tmp_path)}
    assert set(after) == set(before)
    assert after["experiments.html"][1] > before["experiments.html"][1]  # built again (a live page)
    for name in set(before) - {"experiments.html", "index.html"}:
        assert after[name] == before[name], name  # kept as it was
    assert len(list((tmp_path / "reports/executed").glob("*.ipynb"))) == sum(p.tracked for p in PAGES)
    assert (tmp_path / "reports/live/provenance.ipynb").exists()
