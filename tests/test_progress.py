"""Progress bars that suit a terminal and a log file, and numbers a log line can show."""

from __future__ import annotations

import io
import subprocess
import sys

from fgcross.progress import LOG_INTERVAL_S, progress_bar, readable
from tests.conftest import REPO


def test_readable_numbers():
    assert readable(1e-3) == "1.0e-03" and readable(3e-4) == "3.0e-04"  # a learning rate, not 0.000
    assert readable(0.5) == "0.500" and readable(11.4383) == "11.438" and readable(0.0) == "0.000"
    assert readable(123456.0) == "1.2e+05" and readable(float("nan")) == "nan"


def test_a_bar_writing_to_a_file_redraws_at_the_log_interval():
    bar = progress_bar(range(3), file=io.StringIO())
    assert bar.mininterval == LOG_INTERVAL_S


SCRIPT = """
import time
from fgcross.progress import progress_bar
for _ in progress_bar(range(2000), desc="work"):
    time.sleep(0.0005)
"""


def test_a_logged_bar_writes_a_few_lines_not_thousands(tmp_path):
    """What a Snakemake rule's log (stderr redirected to a file) receives for a short stage: the start and the
    end, readable, rather than a redraw per item."""
    log = tmp_path / "rule.log"
    with open(log, "w") as handle:
        subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, stderr=handle, check=True,
                       env={"PYTHONPATH": str(REPO), "PATH": ""})
    lines = [line for line in log.read_text().replace("\r", "\n").splitlines() if line.strip()]
    assert 1 <= len(lines) <= 3 and "2000/2000" in lines[-1], lines
