"""The `fgcross` command answers at once: --help and --version without torch."""

from __future__ import annotations

import subprocess
import sys
import time

from fgcross import __version__
from tests.conftest import REPO


def _timed(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "fgcross", *args], cwd=REPO, capture_output=True, text=True)
    return out, time.perf_counter() - start


def test_help_and_version_answer_within_a_second():
    for args, expected in ((("--help",), "search"), (("--version",), f"fgcross {__version__}"),
                           (("search", "--help"), "models:/fgcross")):
        best = min(_timed(*args)[1] for _ in range(2))  # the faster of two: a busy shared machine is not the CLI
        out, _ = _timed(*args)
        assert out.returncode == 0 and expected in out.stdout, out.stderr
        assert best < 1.0, f"fgcross {' '.join(args)} took {best:.2f} s"


def test_importing_the_cli_imports_no_heavy_library():
    code = ("import sys, fgcross.cli; heavy = sorted(m for m in ('torch', 'mlflow', 'cv2', 'librosa', 'pandas') "
            "if m in sys.modules); print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import fgcross.cli imports {out.stdout.strip()}"
