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


def table_html(frame: pd.DataFrame, **options) -> str:
    """A DataFrame as HTML (to_html escapes every cell: dataset text is shown, never run)."""
    return frame.to_html(float_format=number, na_rep="", **options)


def table(frame: pd.DataFrame, **options) -> None:
    """A DataFrame as HTML (escaped, see table_html)."""
    display(HTML(table_html(frame, **options)))


def block(element_id: str, inner: str) -> None:
    """HTML pieces in one element with an id, so that a view can be found on the page (the
    browser tests look each one up)."""
    display(HTML(f'<div id="{element_id}" class="fg-view">{inner}</div>'))


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


def overlapping_labels(fig) -> list[tuple[str, str]]:
    """Pairs of visible texts of a figure (tick labels, axis labels, titles, legend entries,
    annotations) whose drawn boxes overlap: what makes a plot unreadable. Cell annotations of
    one axes are checked against each other only when they sit in different cells."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and t.get_figure() is fig]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    out = []
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            if box_a.overlaps(box_b) and box_a.width > 0 and box_b.width > 0:
                inter_w = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
                inter_h = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
                if inter_w > 1 and inter_h > 1:  # touching boxes are fine
                    out.append((a, b))
    return out
