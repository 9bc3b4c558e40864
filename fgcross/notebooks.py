"""Executing parameterised report notebooks (papermill) and rendering them to HTML (nbconvert)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fgcross.io import atomic_path, write_text


def execute_and_render(template: str | Path, executed: str | Path, html_out: str | Path,
                       parameters: dict[str, Any], progress: bool = True) -> Path:
    """Run `template` with `parameters`, keep the executed notebook, write code-free HTML."""
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    with atomic_path(executed, suffix=".ipynb") as tmp:
        papermill.execute_notebook(str(template), str(tmp), parameters=parameters, kernel_name="python3",
                                   progress_bar=progress, cwd=str(Path.cwd()))
        notebook = nbformat.read(str(tmp), as_version=4)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(notebook)
    write_text(html_out, body)
    return Path(html_out)
