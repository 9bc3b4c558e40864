"""Checkpoints: plain state dicts and numbers, written atomically, read with weights_only=True.

Both the saved model (fgcross.models.saved) and training's resume state (fgcross.training)
are checkpoints. They live with the models, below training, so that loading a trained
model (export, search) needs no training code.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch

from fgcross.io import write_bytes


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Write `state` with torch.save through a temporary file: an interrupted save leaves the old one.

    Serialised in memory first: torch.save names the records of its zip after the file it
    writes, and the temporary file's name is random, so saving to it directly would make
    the same weights give different bytes."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    write_bytes(path, buffer.getvalue())


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint safely: weights_only=True refuses pickled code."""
    return torch.load(path, map_location=map_location, weights_only=True)
