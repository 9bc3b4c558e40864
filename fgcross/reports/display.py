"""What the report notebooks show, and how: tables, figures and our own paragraphs as HTML
outputs, so that every page looks the same and dataset text is escaped on the way."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML, display

from fgcross.reports.items import figure_html


def number(v: float) -> str:
    """3 decimals (mAPs, losses), or 3 significant digits for what that would show as 0.000."""
    return f"{v:.3f}" if v == 0 or abs(v) >= 0.01 else f"{v:.3g}"


def table(frame: pd.DataFrame, **options) -> None:
    """A DataFrame as HTML (to_html escapes every cell: dataset text is shown, never run)."""
    display(HTML(frame.to_html(float_format=number, na_rep="", **options)))


def figure(fig) -> None:
    """A matplotlib figure as an embedded PNG (the figure is closed)."""
    display(HTML(figure_html(fig)))


def note(text: str) -> None:
    """A paragraph of our own words; dataset strings go through html.escape before they get here."""
    display(HTML(f"<p>{text}</p>"))
