"""What a result depends on besides params and data: the CPU model, the thread count, torch.

Training on CPU gives slightly different numbers on another CPU model or thread count (the
order of float summations in matrix products differs), so a committed study result names
the machine that made it; re-running a row on that kind of machine gives it exactly.
`platform.machine()` says only "x86_64", which is why the model name is read from the OS.
"""

from __future__ import annotations

import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name ("AMD EPYC 7B13", "Intel(R) Xeon(R) ..."), or the architecture if unknown."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def compute_setup() -> dict[str, str | int]:
    """The CPU model, torch's intra-op thread count and torch's version: what a training run's
    numbers depend on beyond params, seed and data."""
    import torch

    return {"cpu": cpu_model(), "threads": torch.get_num_threads(), "torch": torch.__version__}
