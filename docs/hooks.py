"""MkDocs hook: pages whose text lives elsewhere are filled in at build time, never copied.

- `docs/parameters.md` holds PARAMS; it becomes `fgcross.params_doc.reference()`, built from
  the schema's descriptions and params.yaml's values, so the page always matches what the
  code validates.
- `docs/index.md` holds README; it becomes the README (links into docs/ made site-relative),
  so the home page and the README cannot disagree.

Listed under `hooks:` in mkdocs.yml.
"""

from __future__ import annotations

import sys
from pathlib import Path

PARAMS = "<!-- params:reference -->"
README = "<!-- readme -->"
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # a checkout without `pip install -e .` still builds its own code's reference
    sys.path.insert(0, str(ROOT))


def _fill(markdown: str, marker: str, text: str, page: str) -> str:
    if marker not in markdown:
        raise ValueError(f"docs/{page}: the marker {marker} is missing")
    return markdown.replace(marker, text)


def on_page_markdown(markdown: str, page, **_) -> str:
    if page.file.src_uri == "parameters.md":
        from fgcross.params_doc import reference

        return _fill(markdown, PARAMS, reference(), "parameters.md")
    if page.file.src_uri == "index.md":
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        return _fill(markdown, README, readme.replace("](docs/", "]("), "index.md")
    return markdown
