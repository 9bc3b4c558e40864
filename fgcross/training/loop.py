"""The two-stage FGCrossNet training loop.

Stage 1: cross-entropy per media + center_weight x center loss. Stage 2 starts from
stage 1 and adds ranking_weight x quadruplet loss. Each stage has its own epochs, rate
and schedule (SGD, momentum). The common representation, on which the center and ranking
losses act, is the classifier output (the paper's choice). A loss whose weight is 0 is
not computed at all.

After every epoch the whole state is checkpointed atomically; a re-run with the same
params resumes after the last finished epoch and ends with the same weights as an
uninterrupted run (batches depend only on seed, epoch and step).

Several processes (fgcross.training.distributed): each trains a DistributedDataParallel
replica on its share of every epoch's steps; epoch statistics are summed over processes;
rank 0 alone checkpoints. `compile_backend` wraps the network in torch.compile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional as F
from tqdm import tqdm

from fgcross import MEDIA
from fgcross.data.batches import TrainBatches, to_model_input
from fgcross.losses import CenterLoss, quadruplet_loss
from fgcross.models.fgcrossnet import FGCrossNet
from fgcross.related_losses import ModalityClassifier, adversarial_loss, cluster_cca_loss, cross_media_triplet_loss
from fgcross.training.checkpoint import load_checkpoint, save_checkpoint
from fgcross.training.distributed import World, all_reduce_sum, average_gradients, barrier
from fgcross.training.schedule import make_scheduler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stage:
    name: str
    epochs: int
    lr: float
    ranking: bool


@dataclass(frozen=True)
class LossWeights:
    center: float = 0.001
    center_lr_scale: float = 1000.0
    ranking: float = 0.1
    margin1: float = 1.0
    margin2: float = 0.5
    ranking_form: str = "paper"
    adversarial: float = 0.0  # modality-adversarial loss through a gradient-reversal layer (ACMR)
    triplet: float = 0.0  # cross-media triplet loss (TNN-C-CCA)
    cca: float = 0.0  # cluster-CCA correlation loss (TNN-C-CCA)
    triplet_margin: float = 0.5


@dataclass(frozen=True)
class Optim:
    name: str = "sgd"
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "cosine"
    step_size: int = 3
    gamma: float = 0.5


def pick_device(kind: str) -> torch.device:
    if kind == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("train.device is cuda but no CUDA device is available")
    if kind == "auto":
        kind = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(kind)


PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def resolve_precision(precision: str, device: torch.device) -> str:
    """auto: bf16 autocast on CUDA, float32 on CPU. fp16 uses a gradient scaler."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}: expected one of {PRECISIONS}")
    if precision == "auto":
        return "bf16" if device.type == "cuda" else "fp32"
    return precision


class Trainer:
    """Runs the stages, logs each epoch to `on_epoch`, checkpoints to `state_path`."""

    def __init__(self, model: FGCrossNet, centers: CenterLoss, batches: TrainBatches, stages: list[Stage],
                 weights: LossWeights, optim: Optim, device: torch.device, state_path: Path,
                 workers: int = 0, progress: bool = True,
                 on_epoch: Callable[[dict[str, Any]], None] | None = None, world: World | None = None,
                 compile_backend: str | None = None, precision: str = "auto") -> None:
        self.model, self.centers, self.batches = model.to(device), centers.to(device), batches
        # the adversary of loss.adversarial_weight: predicts the media from the pooled representation
        self.modality = ModalityClassifier(model.classifier.in_features, len(MEDIA)).to(device) \
            if weights.adversarial > 0 else None
        self.stages, self.w, self.optim, self.device = stages, weights, optim, device
        self.state_path, self.workers = state_path, workers
        self.world = world or World()
        self.progress = progress and self.world.is_main
        self.on_epoch = on_epoch or (lambda row: None)
        self.precision = resolve_precision(precision, device)
        self.amp = self.precision != "fp32"
        self.scaler = torch.amp.GradScaler(device.type, enabled=self.precision == "fp16")  # fp16 needs scaling
        if device.type == "cuda":
            self.model = self.model.to(memory_format=torch.channels_last)
        self.net: torch.nn.Module = self.model  # what the forward pass goes through
        if self.world.distributed:
            unused = any(m not in batches.splits for m in [*self.model.adapters, *self.model.backbones])
            self.net = torch.nn.parallel.DistributedDataParallel(
                self.model, device_ids=[device.index] if device.type == "cuda" else None,
                find_unused_parameters=unused)
        if compile_backend:  # "inductor" for train.compile: true; tests use "eager"
            self.net = torch.compile(self.net, backend=compile_backend)

    def _optimizer(self, stage: Stage) -> tuple[torch.optim.Optimizer, Any]:
        groups = [{"params": self.model.parameters(), "lr": stage.lr, "weight_decay": self.optim.weight_decay}]
        if self.w.center > 0:
            groups.append({"params": self.centers.parameters(), "lr": stage.lr * self.w.center_lr_scale,
                           "weight_decay": 0.0})
        if self.modality is not None:
            groups.append({"params": self.modality.parameters(), "lr": stage.lr,
                           "weight_decay": self.optim.weight_decay})
        if self.optim.name == "adamw":
            opt = torch.optim.AdamW(groups, lr=stage.lr)
        else:
            opt = torch.optim.SGD(groups, lr=stage.lr, momentum=self.optim.momentum)
        return opt, make_scheduler(opt, self.optim.schedule, stage.epochs, self.optim.step_size, self.optim.gamma)

    def _losses(self, batch: dict[str, torch.Tensor], stage: Stage) -> tuple[torch.Tensor, dict[str, float], dict]:
        media = [k for k in batch if not k.endswith("_labels")]
        inputs = {m: to_model_input(m, batch[m], self.device) for m in media}
        labels = {m: batch[f"{m}_labels"].to(self.device) for m in media}
        dtype = torch.float16 if self.precision == "fp16" else torch.bfloat16
        with torch.autocast(self.device.type, dtype=dtype, enabled=self.amp):
            out = self.net(inputs, return_features=True) if self.modality is not None else self.net(inputs)
        pooled = None
        if self.modality is not None:
            out, pooled = out
            pooled = torch.cat([pooled[m].float() for m in media])
        out = {m: v.float() for m, v in out.items()}
        terms: dict[str, torch.Tensor] = {"ce": sum(F.cross_entropy(out[m], labels[m]) for m in media)}
        every = torch.cat([out[m] for m in media])
        every_y = torch.cat([labels[m] for m in media])
        if self.w.center > 0:
            terms["center"] = self.w.center * self.centers(every, every_y)
        if stage.ranking and self.w.ranking > 0:
            terms["ranking"] = self.w.ranking * quadruplet_loss(every, every_y, self.w.margin1, self.w.margin2,
                                                                self.w.ranking_form)
        every_media = torch.cat([torch.full_like(labels[m], MEDIA.index(m)) for m in media])
        if self.w.triplet > 0:
            terms["triplet"] = self.w.triplet * cross_media_triplet_loss(every, every_y, every_media,
                                                                         self.w.triplet_margin)
        if self.w.cca > 0:
            terms["cca"] = self.w.cca * cluster_cca_loss(every, every_y, every_media)
        modality = (0.0, 0)
        if self.modality is not None:
            adversarial, accuracy = adversarial_loss(self.modality, pooled, every_media)
            terms["adversarial"] = self.w.adversarial * adversarial
            modality = (accuracy.item() * len(every_media), len(every_media))
        loss = sum(terms.values())
        correct = {m: (out[m].argmax(1) == labels[m]).float().sum().item() for m in media}
        counts = {m: len(labels[m]) for m in media}
        return loss, {k: v.item() for k, v in terms.items()}, {"correct": correct, "counts": counts,
                                                              "modality": modality}

    def _resume(self) -> dict[str, Any] | None:
        if not self.state_path.exists():
            return None
        state = load_checkpoint(self.state_path, map_location=self.device)
        log.info("resuming after %s epoch %d from %s", state["stage"], state["epoch"], self.state_path)
        return state

    def run(self) -> list[dict[str, Any]]:
        state = self._resume()
        history: list[dict[str, Any]] = list(state["history"]) if state else []
        global_epoch = len(history)
        for s_index, stage in enumerate(self.stages):
            opt, sched = self._optimizer(stage)
            first = 0
            if state:
                done = [s.name for s in self.stages].index(state["stage"])
                if s_index < done or (s_index == done and state["epoch"] >= stage.epochs):
                    continue
                self.model.load_state_dict(state["model"])
                self.centers.load_state_dict(state["centers"])
                if self.modality is not None:
                    self.modality.load_state_dict(state["modality"])
                if s_index == done:
                    opt.load_state_dict(state["optimizer"])
                    sched.load_state_dict(state["scheduler"])
                    first = state["epoch"]
                state = None
            for epoch in range(first, stage.epochs):
                row = self._epoch(stage, epoch, global_epoch, opt)
                sched.step()
                history.append(row)
                global_epoch += 1
                if self.world.is_main:
                    save_checkpoint(self.state_path, {
                        "stage": stage.name, "epoch": epoch + 1, "history": history,
                        "model": self.model.state_dict(), "centers": self.centers.state_dict(),
                        **({"modality": self.modality.state_dict()} if self.modality is not None else {}),
                        "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                    })
                    self.on_epoch(row)
                barrier(self.world)
        return history

    def _epoch(self, stage: Stage, epoch: int, global_epoch: int, opt: torch.optim.Optimizer) -> dict[str, Any]:
        self.model.train()
        self.batches.set_epoch(global_epoch)
        world = self.world
        # step s of the epoch goes to rank s mod size; every rank takes the same number of steps
        per_rank = -(-len(self.batches) // world.size)
        steps = torch.utils.data.Subset(self.batches, range(world.rank, per_rank * world.size, world.size))
        loader = torch.utils.data.DataLoader(steps, batch_size=None, shuffle=False,
                                             num_workers=self.workers, persistent_workers=False)
        sums: dict[str, float] = {}
        correct: dict[str, float] = {}
        counts: dict[str, int] = {}
        samples, start = 0, time.perf_counter()
        modality_right, modality_seen = 0.0, 0
        bar = tqdm(loader, desc=f"{stage.name} {epoch + 1}/{stage.epochs}", unit="step", disable=not self.progress,
                   leave=False)
        for batch in bar:
            loss, terms, acc = self._losses(batch, stage)
            opt.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            extra = list(self.modality.parameters()) if self.modality is not None else []
            average_gradients([*self.centers.parameters(), *extra], world)  # the network's are DDP's
            self.scaler.step(opt)
            self.scaler.update()
            for k, v in terms.items():
                sums[k] = sums.get(k, 0.0) + v
            for m in acc["counts"]:
                correct[m] = correct.get(m, 0.0) + acc["correct"][m]
                counts[m] = counts.get(m, 0) + acc["counts"][m]
            samples += sum(acc["counts"].values())
            modality_right += acc["modality"][0]
            modality_seen += acc["modality"][1]
            rate = samples / (time.perf_counter() - start)
            bar.set_postfix({**{k: f"{v:.3f}" for k, v in terms.items()}, "samples/s": f"{rate:.0f}"})
        elapsed = time.perf_counter() - start
        terms_, media = list(sums), list(counts)  # the same order on every rank
        totals = all_reduce_sum([len(loader), samples, *(sums[k] for k in terms_), *(correct[m] for m in media),
                                 *(counts[m] for m in media), modality_right, modality_seen], self.device, world)
        modality_right, modality_seen = totals[-2], totals[-1]
        n_steps, samples = totals[0], totals[1]
        sums = dict(zip(terms_, totals[2:2 + len(terms_)], strict=True))
        correct = dict(zip(media, totals[2 + len(terms_):2 + len(terms_) + len(media)], strict=True))
        counts = dict(zip(media, totals[2 + len(terms_) + len(media):-2], strict=True))
        row: dict[str, Any] = {"epoch": global_epoch + 1, "stage": stage.name, "lr": opt.param_groups[0]["lr"]}
        row.update({f"loss_{k}": v / n_steps for k, v in sums.items()})
        row["loss_total"] = sum(v / n_steps for v in sums.values())
        row.update({f"acc_{m}": correct[m] / counts[m] for m in counts})
        if modality_seen:  # the adversary's accuracy: it should fall toward chance (1 / media)
            row["acc_modality"] = modality_right / modality_seen
        row["samples"] = int(samples)
        row["samples_per_s"] = samples / elapsed
        log.info("%s epoch %d/%d: %s", stage.name, epoch + 1, stage.epochs,
                 ", ".join(f"{k}={v:.3f}" for k, v in row.items() if isinstance(v, float)))
        return row
