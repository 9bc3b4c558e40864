"""What the report notebooks show, and how: tables, figures and our own paragraphs as HTML
outputs, so that every page looks the same and dataset text is escaped on the way."""

from __future__ import annotations

import base64
import io

import pandas as pd
from IPython.display import HTML, display


def number(v: float) -> str:
    """3 decimals (mAPs, losses), or 3 significant digits for what that would show as 0.000."""
    return f"{v:.3f}" if v == 0 or abs(v) >= 0.01 else f"{v:.3g}"


def table(frame: pd.DataFrame, **options) -> None:
    """A DataFrame as HTML (to_html escapes every cell: dataset text is shown, never run)."""
    display(HTML(frame.to_html(float_format=number, na_rep="", **options)))


def figure_html(fig, dpi: int = 90) -> str:
    """A matplotlib figure as an embedded PNG <img> (closes the figure)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="figure" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def figure(fig) -> None:
    """A matplotlib figure as an embedded PNG (the figure is closed)."""
    display(HTML(figure_html(fig)))


def note(text: str) -> None:
    """A paragraph of our own words; dataset strings go through html.escape before they get here."""
    display(HTML(f"<p>{text}</p>"))
