"""The train stage as a function: prepared arrays + params -> a trained model folder.

models/ holds `model.pt` (state dicts: the network and the class centres) and
`config.json` (the model config, the classes, the media, and the preparation params the
model was trained with, so that search can prepare a new query exactly the same way).
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from fgcross.config import params_digest
from fgcross.data.batches import BatchConfig, TrainBatches
from fgcross.data.index_files import Index, read_index
from fgcross.data.prepared import is_present, load_split
from fgcross.io import write_json
from fgcross.losses import CenterLoss
from fgcross.models.fgcrossnet import FGCrossNet, ModelConfig, build_model
from fgcross.training.checkpoint import load_checkpoint, save_checkpoint
from fgcross.training.distributed import World, local_device
from fgcross.training.loop import LossWeights, Optim, Stage, Trainer, pick_device

log = logging.getLogger(__name__)
PREPARATION_SECTIONS = ("images", "frames", "spectrogram", "text")


# Keys added after runs were recorded (metrics/ablation.csv, resume states): at these values
# they change nothing in training, so the digest leaves them out and older records still match.
NEUTRAL_KEYS = {("model", "shared"): True, ("loss", "adversarial_weight"): 0.0, ("loss", "triplet_weight"): 0.0,
                ("loss", "cca_weight"): 0.0, ("loss", "triplet_margin"): 0.5}


def training_digest(params: dict[str, Any]) -> str:
    """A hash of every params section that shapes a trained model (and nothing else)."""
    sections = ["data", "model", "train", "loss", *PREPARATION_SECTIONS]
    chosen = {name: dict(params[name]) for name in sections}
    for (section, key), neutral in NEUTRAL_KEYS.items():
        if key in chosen[section] and chosen[section][key] == neutral:
            del chosen[section][key]
    return params_digest(chosen)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def present_media(media_dir: Path, wanted: list[str]) -> list[str]:
    return [m for m in wanted if (media_dir / m / "meta.json").exists() and is_present(media_dir / m)]


def model_config(params: dict[str, Any], num_classes: int) -> ModelConfig:
    m = params["model"]
    return ModelConfig(backbone=m["backbone"], num_classes=num_classes, input_size=m["input_size"],
                       text_embed_dim=m.get("text_embed_dim", 16), text_encoder=params["text"]["encoder"],
                       shared=m.get("shared", True))


@dataclass
class TrainingSetup:
    """Everything a training run is made of, built from params (the train step and the benchmarks share it)."""

    trainer: Trainer
    model: FGCrossNet
    centers: CenterLoss
    config: ModelConfig
    index: Index
    media: list[str]
    state_path: Path


def setup_training(params: dict[str, Any], media_dir: str | Path, index_dir: str | Path, progress: bool = True,
                   on_epoch: Callable[[dict[str, Any]], None] | None = None,
                   state_dir: str | Path = "build/train_state", world: World | None = None) -> TrainingSetup:
    media_dir = Path(media_dir)
    world = world or World()
    index = read_index(index_dir)
    media = present_media(media_dir, params["data"]["media"])
    if not media:
        raise FileNotFoundError(f"no prepared media under {media_dir}")
    t, lw = params["train"], params["loss"]
    if t.get("threads", 0) > 0:  # pins the float summation order: same threads, same metrics
        torch.set_num_threads(t["threads"])
    seed_everything(t["seed"])
    cfg = model_config(params, len(index.classes))
    model = build_model(cfg, params["model"]["pretrained"])
    centers = CenterLoss(cfg.num_classes, cfg.num_classes)
    splits = {m: load_split(media_dir / m, "train") for m in media}
    batches = TrainBatches(splits, BatchConfig(t["classes_per_batch"], t["items_per_class"], cfg.input_size,
                                               seed=t["seed"]))
    stages = [Stage("stage1", t["stage1"]["epochs"], t["stage1"]["lr"], ranking=False),
              Stage("stage2", t["stage2"]["epochs"], t["stage2"]["lr"], ranking=True)]
    weights = LossWeights(lw["center_weight"], lw.get("center_lr_scale", 1000.0), lw["ranking_weight"],
                          lw["margin1"], lw["margin2"], lw.get("ranking_form", "paper"),
                          lw.get("adversarial_weight", 0.0), lw.get("triplet_weight", 0.0), lw.get("cca_weight", 0.0),
                          lw.get("triplet_margin", 0.5))
    optim = Optim(t.get("optimizer", "sgd"), t.get("momentum", 0.9), t.get("weight_decay", 5e-4),
                  t.get("schedule", "cosine"), t.get("step_size", 3), t.get("gamma", 0.5))
    # the resume state is keyed by everything that shapes training, so other params never resume it
    state_path = Path(state_dir) / f"{training_digest(params)}.pt"
    device = local_device(pick_device(t["device"]), world)
    trainer = Trainer(model, centers, batches, stages, weights, optim, device, state_path,
                      workers=t.get("workers", 0), progress=progress, on_epoch=on_epoch, world=world,
                      compile_backend="inductor" if t.get("compile", False) else None,
                      precision=t.get("precision", "auto"))
    return TrainingSetup(trainer, model, centers, cfg, index, media, state_path)


def train_model(params: dict[str, Any], media_dir: str | Path, index_dir: str | Path, out_dir: str | Path,
                progress: bool = True, on_epoch: Callable[[dict[str, Any]], None] | None = None,
                state_dir: str | Path = "build/train_state", world: World | None = None) -> list[dict[str, Any]]:
    """Train and write out_dir/{model.pt,config.json} (rank 0 only); return the per-epoch history."""
    out_dir = Path(out_dir)
    world = world or World()
    run = setup_training(params, media_dir, index_dir, progress, on_epoch, state_dir, world)
    trainer, model, centers, cfg, index, state_path = (run.trainer, run.model, run.centers, run.config, run.index,
                                                        run.state_path)
    log.info("training %s on %s: %d classes, %d steps per epoch", cfg.backbone, trainer.device, cfg.num_classes,
             len(trainer.batches))
    history = trainer.run()
    if not world.is_main:
        return history
    save_model(out_dir, {"model": model.state_dict(), "centers": centers.state_dict()}, cfg, params, run.media,
               index.classes)
    state_path.unlink(missing_ok=True)  # finished: the resume state is no longer needed
    return history


def save_model(out_dir: str | Path, state: dict[str, Any], cfg: ModelConfig, params: dict[str, Any],
               media: list[str], classes: list[str]) -> None:
    """out_dir/model.pt and config.json: the model config, the media and classes it knows, and
    the preparation params, which search reuses to prepare a query as the training data was."""
    save_checkpoint(Path(out_dir) / "model.pt", state)
    write_json(Path(out_dir) / "config.json", {
        "model": cfg.to_dict(), "pretrained": params["model"]["pretrained"], "media": media,
        "classes": classes, "preparation": {s: params[s] for s in PREPARATION_SECTIONS},
    })


def load_model(model_dir: str | Path, device: str | torch.device = "cpu") -> tuple[FGCrossNet, dict[str, Any]]:
    """The trained network (eval mode) and its config.json; weights load with weights_only=True."""
    model_dir = Path(model_dir)
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    model = build_model(ModelConfig(**config["model"]), "none")
    model.load_state_dict(load_checkpoint(model_dir / "model.pt", map_location=device)["model"])
    return model.to(device).eval(), config


def history_frame(history: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(history)
