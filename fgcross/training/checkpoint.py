"""Checkpoints: plain state dicts and numbers, written atomically, read with weights_only=True."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from fgcross.io import atomic_path


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    with atomic_path(path, suffix=".pt") as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint safely: weights_only=True refuses pickled code."""
    return torch.load(path, map_location=map_location, weights_only=True)
