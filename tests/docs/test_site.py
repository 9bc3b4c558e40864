"""The documentation site: `mkdocs build --strict` succeeds, the generated pages hold what they
are generated from, and every built page opens from file:// in headless Chromium with no
error, no request outside the site and no internal link to a file that was not built.
The README stays a short front door that links into the site."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from fgcross.config import default_params
from tests.browser import load_pages
from tests.conftest import REPO

README_MAX_LINES = 150
LINKS = "() => ({links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href)})"


def _flat(tree: dict, prefix: str = "") -> list[str]:
    return [k for key, v in tree.items()
            for k in (_flat(v, f"{prefix}{key}.") if isinstance(v, dict) else [f"{prefix}{key}"])]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                          cwd=REPO, capture_output=True, text=True, env={"NO_MKDOCS_2_WARNING": "1",
                                                                         **__import__("os").environ})
    assert done.returncode == 0, done.stderr[-4000:]
    return out


def test_readme_is_a_short_front_door():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < README_MAX_LINES
    assert "make run" in readme and "make test" in readme and "metrics/eval.json" in readme
    targets = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert len(targets) >= 10
    missing = [t for t in targets if not (REPO / t).is_file()]
    assert not missing, f"README links to missing pages: {missing}"


def test_every_docs_page_is_in_the_nav():
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.name for p in (REPO / "docs").glob("*.md"))
    assert [p for p in pages if f": {p}" not in nav] == []


def test_strict_build_writes_every_page(site):
    for page in ("index", "quickstart", "concepts", "datasets", "parameters", "scale", "methods",
                 "benchmarks", "tracking", "search", "api"):
        assert (site / f"{page}.html").stat().st_size > 1000, page


def test_parameters_page_is_generated_from_the_schema(site):
    html = (site / "parameters.html").read_text(encoding="utf-8")
    assert "params:reference" not in html
    keys = _flat(default_params().as_dict())
    missing = [k for k in keys if f"<code>{k}</code>" not in html]
    assert not missing, f"keys missing from the built parameters page: {missing[:10]}"
    assert "center loss weight (paper: 0.001)" in html


def test_home_page_is_the_readme_with_site_links(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "make run" in html and 'href="quickstart.html"' in html and "docs/quickstart" not in html


def test_api_reference_renders_the_docstrings(site):
    html = (site / "api.html").read_text(encoding="utf-8")
    for module in ("fgcross.params", "fgcross.metrics", "fgcross.losses.objective", "fgcross.search.query"):
        assert f'id="{module}"' in html, module


def _internal_targets(url: str, links: list[str]) -> list[str]:
    """The file:// links of a page whose file does not exist (fragments aside)."""
    bad = []
    for link in links:
        parsed = urlparse(link)
        if parsed.scheme == "file" and not Path(unquote(parsed.path)).exists():
            bad.append(link)
    return bad


def test_every_page_opens_offline_with_working_links(site, tmp_path):
    # 404.html is for a web server (its links are absolute from the server's root); not opened here
    pages = sorted(p for p in site.glob("*.html") if p.name != "404.html")
    assert len(pages) >= 12
    urls = [p.as_uri() for p in pages]
    loaded = load_pages(urls, tmp_path / "screenshots", probe=LINKS)
    for url, page in loaded.items():
        assert not page.errors, f"{url}: {page.errors}"
        outside = [r for r in page.requests if not r.startswith(("file:", "data:", "blob:"))]
        assert not outside, f"{url} asked for {outside}"
        assert page.text.strip(), url
        assert not _internal_targets(url, page.globals["links"]), url
        assert len(page.globals["links"]) > 10, url  # the navigation is there


def test_a_missing_link_target_is_found(site):
    assert _internal_targets("x", [(site / "index.html").as_uri(), (site / "nope.html").as_uri() + "#a",
                                   "https://example.org/"]) == [(site / "nope.html").as_uri() + "#a"]
