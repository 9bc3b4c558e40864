"""Progress bars that read well in a terminal and in a log file.

In a terminal (`dvc repro`, a step run by hand) a bar redraws in place several times a
second. Written to a file (each Snakemake rule's `logs/<rule>.log`, a cluster job's
output), every redraw is a new line, so the bar updates at most every
`LOG_INTERVAL_S` seconds there: a long stage logs its progress a few times a minute,
not thousands of lines. `--quiet` turns the bars off.
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

LOG_INTERVAL_S = 30.0
"""Seconds between progress lines when the output is not a terminal."""


def interactive(stream: Any = None) -> bool:
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


def progress_bar(*args: Any, **kwargs: Any) -> tqdm:
    """tqdm with a redraw interval that suits where its output goes (a terminal or a log)."""
    if not interactive(kwargs.get("file")):
        kwargs.setdefault("mininterval", LOG_INTERVAL_S)
        kwargs.setdefault("maxinterval", LOG_INTERVAL_S * 2)
        kwargs.setdefault("ascii", True)  # a log file has no use for block characters
    return tqdm(*args, **kwargs)


def readable(value: float) -> str:
    """A number for a log line: 3 decimals in the usual range, scientific where 3 decimals would hide it
    (a learning rate of 3e-4 reads `3.0e-04`, not `0.000`)."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    magnitude = abs(value)
    if magnitude and (magnitude < 0.01 or magnitude >= 1e5):
        return f"{value:.1e}"
    return f"{value:.3f}"
