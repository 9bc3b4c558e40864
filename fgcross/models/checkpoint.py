"""Checkpoints: plain state dicts and numbers, written atomically, read with weights_only=True.

Both the saved model (fgcross.models.saved) and training's resume state (fgcross.training)
are checkpoints. They live with the models, below training, so that loading a trained
model (export, search) needs no training code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from fgcross.io import atomic_path


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Write `state` with torch.save through a temporary file: an interrupted save leaves the old one.

    torch.save names the records inside the file after the file it is given; the temporary file's
    random name made equal weights differ in bytes (and so in DVC's hash of models/). Through an
    open handle the records are always named `archive/`: the same state gives the same bytes."""
    with atomic_path(path, suffix=".pt") as tmp, open(tmp, "wb") as handle:
        torch.save(state, handle)


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint safely: weights_only=True refuses pickled code."""
    return torch.load(path, map_location=map_location, weights_only=True)
