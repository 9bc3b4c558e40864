"""A trained model folder, as export, search and the studies read it.

    model.pt      state dicts: "model" (the network) and "centers" (the class centres)
    config.json   the model config, the media and classes it knows, and the preparation
                  params it was trained with (fgcross.training.pipeline.save_model writes it)

Reading it needs the network's factory and nothing of training, so it lives with the
models: search loads a model without importing the training code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from fgcross.models.checkpoint import load_checkpoint
from fgcross.models.factory import build_model
from fgcross.models.fgcrossnet import ModelConfig


def load_model(model_dir: str | Path, device: str | torch.device = "cpu") -> tuple[torch.nn.Module, dict[str, Any]]:
    """The trained network of the config's method (eval mode) and its config.json; weights load with
    weights_only=True."""
    model_dir = Path(model_dir)
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    model = build_model(ModelConfig(**config["model"]), "none")
    model.load_state_dict(load_checkpoint(model_dir / "model.pt", map_location=device)["model"])
    return model.to(device).eval(), config
