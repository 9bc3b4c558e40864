"""The torch device and numeric precision that `train.device` and `train.precision` ask for.

Training, export, search and the ablation studies all choose their device the same way, so
this lives below all of them rather than in the training loop.
"""

from __future__ import annotations

import torch

from fgcross.errors import DeviceError

PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def pick_device(kind: str) -> torch.device:
    """cpu, cuda (which must be present) or auto (cuda when present)."""
    if kind == "cuda" and not torch.cuda.is_available():
        built = f"built with CUDA {torch.version.cuda}" if torch.version.cuda else "built without CUDA"
        raise DeviceError(f"train.device is cuda but no CUDA device is available (torch {torch.__version__}, "
                          f"{built}); set train.device to cpu or auto")
    if kind == "auto":
        kind = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(kind)


def resolve_precision(precision: str, device: torch.device) -> str:
    """auto: bf16 autocast on CUDA, float32 on CPU. fp16 uses a gradient scaler."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}: expected one of {PRECISIONS}")
    if precision == "auto":
        return "bf16" if device.type == "cuda" else "fp32"
    return precision
