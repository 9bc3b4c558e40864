"""The train stage as a function: prepared arrays + params -> a trained model folder.

models/ holds `model.pt` (state dicts: the network and the class centres) and
`config.json` (the model config, the classes, the media, and the preparation params the
model was trained with, so that search can prepare a new query exactly the same way).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from fgcross import MEDIA
from fgcross.data.batches import BatchConfig, make_batches
from fgcross.data.index_files import Index, read_index
from fgcross.data.prepared import is_present, load_split
from fgcross.data.store.catalog import read_meta
from fgcross.devices import pick_device
from fgcross.digests import training_digest
from fgcross.errors import TrainingError
from fgcross.io import write_json
from fgcross.losses import CenterLoss, build_objective
from fgcross.media.stages import SECTIONS as PREPARATION_SECTIONS
from fgcross.media.subwords import decode_codes, train_tokenizer
from fgcross.models.checkpoint import save_checkpoint
from fgcross.models.factory import build_model
from fgcross.models.fgcrossnet import ModelConfig
from fgcross.params import Params, section_dict
from fgcross.threads import apply_budget, thread_budget
from fgcross.training.distributed import World, local_device
from fgcross.training.loop import FreshCenters, Optim, Stage, Trainer
from fgcross.training.resume_key import resume_key

log = logging.getLogger(__name__)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def present_media(media_dir: Path, wanted: list[str]) -> list[str]:
    return [m for m in wanted if (media_dir / m / "meta.json").exists() and is_present(media_dir / m)]


def model_config(params: Params, num_classes: int, text_codes: np.ndarray | None = None) -> ModelConfig:
    """The network's config; a subword text model's tokenizer is trained here on `text_codes`
    (the training split's character codes), so the config saved with the model carries it."""
    m = params.model
    tokenizer = ""
    if m.text_model.startswith("subword"):
        if text_codes is None:
            raise ValueError(f"model.text_model {m.text_model!r} needs the training texts to train its tokenizer")
        tokenizer = train_tokenizer((decode_codes(row) for row in text_codes), m.text_vocab)
    return ModelConfig(backbone=m.backbone, num_classes=num_classes, input_size=m.input_size,
                       text_embed_dim=m.text_embed_dim, text_encoder=params.text.encoder,
                       text_branch=m.text_branch, shared=m.shared, method=m.method, method_dim=m.method_dim,
                       common_dim=m.common_dim, text_model=m.text_model, text_width=m.text_width,
                       text_tokenizer=tokenizer,
                       audio_encoder="birdnet" if params.spectrogram.kind == "birdnet" else "cnn",
                       text_checkpoint=m.text_checkpoint, frozen=tuple(m.frozen))


def check_audio_store(folder: Path, kind: str) -> None:
    """The audio store holds what `spectrogram.kind` makes (BirdNET vectors or pictures): the
    model's audio encoder is chosen by the params, so a store prepared otherwise is refused."""
    stored = read_meta(folder)["info"].get("kind")
    if (stored == "birdnet") != (kind == "birdnet"):
        raise TrainingError(f"{folder}: prepared with spectrogram.kind {stored}, but the params say {kind}: "
                            "run the spectrogram stage again")


@dataclass
class TrainingSetup:
    """Everything a training run is made of, built from params (the train step and the benchmarks share it)."""

    trainer: Trainer
    model: torch.nn.Module  # the network of model.method (fgcross.models.factory)
    centers: CenterLoss
    config: ModelConfig
    index: Index
    media: list[str]
    state_path: Path


def setup_training(params: Params, media_dir: str | Path, index_dir: str | Path, progress: bool = True,
                   on_epoch: Callable[[dict[str, Any]], None] | None = None,
                   state_dir: str | Path = "build/train_state", world: World | None = None) -> TrainingSetup:
    media_dir = Path(media_dir)
    world = world or World()
    index = read_index(index_dir)
    media = present_media(media_dir, list(params.data.media))
    if not media:
        raise FileNotFoundError(f"no prepared media under {media_dir}")
    t = params.train
    # the cores this job was given (train.threads, OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, else every core),
    # shared by torch and the loader workers; the thread count fixes the float summation order
    apply_budget(thread_budget(t.threads), t.workers)
    seed_everything(t.seed)
    splits = {m: load_split(media_dir / m, "train") for m in media}  # draws no random number
    if "audio" in media:
        check_audio_store(media_dir / "audio", params.spectrogram.kind)
    cfg = model_config(params, len(index.classes), np.asarray(splits["text"].data) if "text" in splits else None)
    model = build_model(cfg, params.model.pretrained)
    centers = CenterLoss(cfg.num_classes, cfg.num_classes, params.loss.center_init_std)
    batch_cfg = BatchConfig(t.classes_per_batch, t.items_per_class, cfg.input_size, seed=t.seed,
                            text_shifts=t.text_shifts, augment=t.augment)
    batches = make_batches(splits, batch_cfg, t.sampler)
    fresh = FreshCenters(params.loss.center_init_std, t.seed) if t.stage2_centers == "fresh" else None
    stages = [Stage("stage1", t.stage1.epochs, t.stage1.lr, ranking=False),
              Stage("stage2", t.stage2.epochs, t.stage2.lr, ranking=True, fresh_centers=fresh)]
    lw = params.loss  # typed config: attributes named as the keys of params.yaml's loss section
    # the objective trains the centres drawn above; its modality classifier (if any) is drawn here, after the batches
    head = getattr(model, "head", None)  # a method's head (fgcross.models.method) brings its own loss
    objective = build_objective(lw, cfg.num_classes, model.classifier.in_features, len(MEDIA), centers=centers,
                                method=cfg.method, feature_width=getattr(model, "feature_width", None),
                                media=list(MEDIA), method_loss=head.loss if head is not None else None)
    optim = Optim(t.optimizer, t.momentum, t.weight_decay, t.schedule, t.step_size, t.gamma)
    # the resume state is keyed by everything that shapes training, so other params never resume it
    # (the file is named by the params; it also stores the data, media and code it was made with)
    digest = training_digest(params)
    state_path = Path(state_dir) / f"{digest}.pt"
    device = local_device(pick_device(t.device), world)
    trainer = Trainer(model, objective, batches, stages, optim, device, state_path,
                      workers=t.workers, progress=progress, on_epoch=on_epoch, world=world,
                      compile_backend="inductor" if t.compile else None, precision=t.precision,
                      resume_key=resume_key(digest, index_dir, media_dir, media), steps_per_epoch=t.steps_per_epoch)
    return TrainingSetup(trainer, model, centers, cfg, index, media, state_path)


def train_model(params: Params, media_dir: str | Path, index_dir: str | Path, out_dir: str | Path,
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


def save_model(out_dir: str | Path, state: dict[str, Any], cfg: ModelConfig, params: Params,
               media: list[str], classes: list[str]) -> None:
    """out_dir/model.pt and config.json: the model config, the media and classes it knows, and
    the preparation params, which search reuses to prepare a query as the training data was."""
    save_checkpoint(Path(out_dir) / "model.pt", state)
    write_json(Path(out_dir) / "config.json", {
        "model": cfg.to_dict(), "pretrained": params.model.pretrained, "media": media,
        "classes": classes, "preparation": {s: section_dict(params.section(s)) for s in PREPARATION_SECTIONS},
        "store": {"jpeg_quality": params.prepare.jpeg_quality},  # a search query is stored as the training data was
    })


MACHINE_COLUMNS = ("samples_per_s",)
"""History columns that measure the machine, not the model: MLflow gets them (every epoch), the tracked
plots/train_history.csv does not, so a re-run with the same params and code changes no tracked file."""


def throughput_frame(history: list[dict[str, Any]]) -> pd.DataFrame:
    """The machine's columns of the history, per epoch: an untracked log the report draws (logs/)."""
    frame = pd.DataFrame(history)
    return frame[["epoch", "stage", *[c for c in MACHINE_COLUMNS if c in frame]]]


def history_frame(history: list[dict[str, Any]]) -> pd.DataFrame:
    """The per-epoch history as plots/train_history.csv holds it: everything but the machine's speed."""
    return pd.DataFrame(history).drop(columns=list(MACHINE_COLUMNS), errors="ignore")
