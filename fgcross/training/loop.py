"""The two-stage FGCrossNet training loop.

Stage 1: cross-entropy per media + center_weight x center loss. Stage 2 starts from
stage 1 and adds ranking_weight x quadruplet loss. Each stage has its own epochs, rate
and schedule (train.optimizer: AdamW or SGD with momentum). The common representation, on which the center and ranking
losses act, is the classifier output (the paper's choice). The loop minimises an
`Objective` (fgcross.losses.objective), whose terms are named; a loss whose weight is 0 is
not built, so not computed at all.

After every epoch the whole state is checkpointed atomically; a re-run with the same
params, data, media and code (fgcross.training.resume_key) resumes after the last finished
epoch and ends with the same weights as an uninterrupted run (batches depend only on seed,
epoch and step); a state made with other ones is discarded, saying which.

Several processes (fgcross.training.distributed): each trains a DistributedDataParallel
replica on its share of every epoch's steps; epoch statistics are summed over processes;
rank 0 alone checkpoints. `compile_backend` wraps the network in torch.compile.

A method with discriminators (CM-GANs) trains adversarially in alternate steps, as its paper
does: every step first updates the network (the generator) against the fixed
discriminators, then the discriminators alone, on the same step's outputs detached, with
an optimiser of their own (Adam, betas 0.5 and 0.999, the stage's first rate, not scheduled). Their loss is
logged as `loss_discriminator`, outside the total.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from fgcross import MEDIA
from fgcross.data.batches import TrainBatches, to_model_input
from fgcross.devices import resolve_precision
from fgcross.errors import TrainingError
from fgcross.losses.objective import TOTAL, Objective, ObjectiveInput
from fgcross.models.checkpoint import load_checkpoint, save_checkpoint
from fgcross.progress import progress_bar, readable
from fgcross.training.distributed import World, average_gradients, barrier
from fgcross.training.resume_key import mismatch
from fgcross.training.schedule import make_scheduler
from fgcross.training.stats import EpochStats, StepStats

log = logging.getLogger(__name__)


MEDIA_CODES = {m: i for i, m in enumerate(MEDIA)}
"""Each media's code, the modality adversary's class."""


@dataclass(frozen=True)
class FreshCenters:
    """New random class centres at a stage's start (train.stage2_centers: fresh), as the official
    second run draws them: std `loss.center_init_std`, from a generator seeded by train.seed."""

    std: float
    seed: int


@dataclass(frozen=True)
class Stage:
    name: str
    epochs: int
    lr: float
    ranking: bool  # the ranking term trains in this stage (stage 2)
    fresh_centers: FreshCenters | None = None  # None: the stage goes on with the centres it finds

    def skipped(self, objective: Objective) -> frozenset[str]:
        """The objective's terms this stage leaves out: `skipped_terms`, and the terms that train in other stages."""
        return self.skipped_terms | objective.outside(self.name)

    @property
    def skipped_terms(self) -> frozenset[str]:
        """The objective's terms this stage leaves out: the ranking term outside the ranking stage."""
        return frozenset() if self.ranking else frozenset({"ranking"})


@dataclass(frozen=True)
class Optim:
    """The optimiser and schedule of every stage (train.optimizer ... train.gamma; no defaults here)."""

    name: str
    momentum: float
    weight_decay: float
    schedule: str
    step_size: int
    gamma: float


class Trainer:
    """Runs the stages, logs each epoch to `on_epoch`, checkpoints to `state_path`.

    It minimises `objective`, which owns the losses' learnable parts (the class centres, the
    modality classifier): they train and are checkpointed next to the network."""

    def __init__(self, model: torch.nn.Module, objective: Objective, batches: TrainBatches, stages: list[Stage],
                 optim: Optim, device: torch.device, state_path: Path,
                 workers: int = 0, progress: bool = True,
                 on_epoch: Callable[[dict[str, Any]], None] | None = None, world: World | None = None,
                 compile_backend: str | None = None, precision: str = "auto",
                 resume_key: dict[str, str] | None = None, steps_per_epoch: int = 0) -> None:
        self.resume_key = resume_key or {}
        self.steps_per_epoch = steps_per_epoch  # 0: a whole pass of the sampler; N: its first N steps
        self.model, self.objective, self.batches = model.to(device), objective.to(device), batches
        self.stages, self.optim, self.device = stages, optim, device
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
            unused = (any(m not in batches.splits for m in [*self.model.adapters, *self.model.backbones])
                      or getattr(self.model, "partly_unused", False))
            self.net = torch.nn.parallel.DistributedDataParallel(
                self.model, device_ids=[device.index] if device.type == "cuda" else None,
                find_unused_parameters=unused)
        if compile_backend:  # "inductor" for train.compile: true; tests use "eager"
            self.net = torch.compile(self.net, backend=compile_backend)

    def _optimizer(self, stage: Stage) -> tuple[torch.optim.Optimizer, Any]:
        groups = [{"params": self.model.parameters(), "lr": stage.lr, "weight_decay": self.optim.weight_decay},
                  *self.objective.param_groups(stage.lr, self.optim.weight_decay)]
        if self.optim.name == "adamw":
            opt = torch.optim.AdamW(groups, lr=stage.lr)
        else:
            opt = torch.optim.SGD(groups, lr=stage.lr, momentum=self.optim.momentum)
        return opt, make_scheduler(opt, self.optim.schedule, stage.epochs, self.optim.step_size, self.optim.gamma)

    def _discriminator_optimizer(self, stage: Stage) -> torch.optim.Optimizer | None:
        """The discriminators' own optimiser (None without discriminators): Adam with the GAN betas."""
        params = self.objective.discriminator_parameters()
        return torch.optim.Adam(params, lr=stage.lr, betas=(0.5, 0.999)) if params else None

    def _discriminator_step(self, inp: ObjectiveInput, d_opt: torch.optim.Optimizer) -> float:
        """One update of the discriminators alone on the step's detached outputs; their loss."""
        d_opt.zero_grad(set_to_none=True)  # also drops what the generator's backward left on them
        loss = self.objective.discriminator_loss(inp)
        loss.backward()
        average_gradients(self.objective.discriminator_parameters(), self.world)
        d_opt.step()
        return loss.item()

    def _losses(self, batch: dict[str, torch.Tensor], stage: Stage) -> tuple[dict[str, torch.Tensor], ObjectiveInput]:
        """The stage's weighted loss terms by name, and their sum under TOTAL; and what they were computed on."""
        media = [k for k in batch if not k.endswith("_labels")]
        inputs = {m: to_model_input(m, batch[m], self.device) for m in media}
        labels = {m: batch[f"{m}_labels"].to(self.device) for m in media}
        dtype = torch.float16 if self.precision == "fp16" else torch.bfloat16
        features, aux = self.objective.needs_features, self.objective.needs_aux
        with torch.autocast(self.device.type, dtype=dtype, enabled=self.amp):
            if aux:  # a method's own outputs (a head's arrays, a baseline's codes): logits, pooled, aux
                logits, pooled, arrays = self.net(inputs, return_features=True, return_aux=True)
            else:
                out = self.net(inputs, return_features=True) if features else self.net(inputs)
                (logits, pooled), arrays = (out if features else (out, None)), None
        inp = ObjectiveInput.build(logits, labels, MEDIA_CODES, pooled if features else None, arrays)
        return self.objective(inp, skip=stage.skipped(self.objective)), inp

    def _step_stats(self, losses: dict[str, torch.Tensor], inp: ObjectiveInput) -> StepStats:
        accuracy = self.objective.accuracy("adversarial")
        seen = len(inp.every_media)
        return StepStats({k: v.item() for k, v in losses.items() if k != TOTAL},
                         {m: (inp.logits[m].argmax(1) == y).float().sum().item() for m, y in inp.labels.items()},
                         {m: len(y) for m, y in inp.labels.items()},
                         (accuracy.item() * seen, seen) if accuracy is not None else None)

    def _check_finite(self, step: StepStats, stage: Stage, epoch: int, index: int) -> None:
        """Stop at the first NaN or infinite loss term, before it reaches the weights: the resume
        state of the last finished epoch stays as it was."""
        bad = {name: value for name, value in step.losses.items() if not math.isfinite(value)}
        if bad:
            terms = ", ".join(f"{name} = {value}" for name, value in bad.items())
            kept = f"; the last good state is kept in {self.state_path}" if self.state_path.exists() else ""
            raise TrainingError(f"{stage.name} epoch {epoch + 1} step {index + 1}: loss term {terms} is not finite "
                                f"(check the loss weights and train.{stage.name}.lr){kept}")

    def _resume(self) -> dict[str, Any] | None:
        if not self.state_path.exists():
            return None
        state = load_checkpoint(self.state_path, map_location=self.device)
        changed = mismatch(state.get("resume_key"), self.resume_key)
        if changed:
            log.warning("not resuming from %s: it was made with other %s; starting afresh", self.state_path,
                        " and ".join(changed))
            self.state_path.unlink(missing_ok=True)
            return None
        log.info("resuming after %s epoch %d from %s", state["stage"], state["epoch"], self.state_path)
        return state

    def run(self) -> list[dict[str, Any]]:
        state = self._resume()
        history: list[dict[str, Any]] = list(state["history"]) if state else []
        global_epoch = len(history)
        for s_index, stage in enumerate(self.stages):
            opt, sched = self._optimizer(stage)
            d_opt = self._discriminator_optimizer(stage)
            first = 0
            if state:
                done = [s.name for s in self.stages].index(state["stage"])
                if s_index < done or (s_index == done and state["epoch"] >= stage.epochs):
                    continue
                self.model.load_state_dict(state["model"])
                self.objective.load_checkpoint_state(state)
                if s_index == done:
                    opt.load_state_dict(state["optimizer"])
                    if d_opt is not None:
                        d_opt.load_state_dict(state["discriminator_optimizer"])
                    sched.load_state_dict(state["scheduler"])
                    first = state["epoch"]
                state = None
            if first == 0 and stage.fresh_centers is not None and stage.epochs > 0:
                self.objective.learnable["centers"].redraw(stage.fresh_centers.std, stage.fresh_centers.seed)
            for epoch in range(first, stage.epochs):
                row = self._epoch(stage, epoch, global_epoch, opt, d_opt)
                sched.step()
                history.append(row)
                global_epoch += 1
                if self.world.is_main:
                    save_checkpoint(self.state_path, {
                        "stage": stage.name, "epoch": epoch + 1, "history": history, "resume_key": self.resume_key,
                        "model": self.model.state_dict(), **self.objective.checkpoint_state(),
                        "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                        **({"discriminator_optimizer": d_opt.state_dict()} if d_opt is not None else {}),
                    })
                    self.on_epoch(row)
                barrier(self.world)
        return history

    def _epoch(self, stage: Stage, epoch: int, global_epoch: int, opt: torch.optim.Optimizer,
               d_opt: torch.optim.Optimizer | None = None) -> dict[str, Any]:
        self.model.train()
        self.batches.set_epoch(global_epoch)
        world = self.world
        # step s of the epoch goes to rank s mod size; every rank takes the same number of steps
        total = len(self.batches) if self.steps_per_epoch == 0 else min(self.steps_per_epoch, len(self.batches))
        per_rank = -(-total // world.size)
        steps = torch.utils.data.Subset(self.batches, range(world.rank, per_rank * world.size, world.size))
        loader = torch.utils.data.DataLoader(steps, batch_size=None, shuffle=False,
                                             num_workers=self.workers, persistent_workers=False)
        stats, start = EpochStats(), time.perf_counter()
        bar = progress_bar(loader, desc=f"{stage.name} {epoch + 1}/{stage.epochs}", unit="step",
                           disable=not self.progress, leave=False)
        for batch in bar:
            losses, inp = self._losses(batch, stage)
            step = self._step_stats(losses, inp)
            self._check_finite(step, stage, epoch, stats.steps)
            opt.zero_grad(set_to_none=True)
            self.scaler.scale(losses[TOTAL]).backward()
            average_gradients(list(self.objective.parameters()), world)  # the network's are DDP's
            self.scaler.step(opt)
            self.scaler.update()
            if d_opt is not None:  # then the discriminators, the generator fixed
                step.losses["discriminator"] = self._discriminator_step(inp, d_opt)
                self._check_finite(step, stage, epoch, stats.steps)
            stats.add(step)
            rate = stats.samples / (time.perf_counter() - start)
            bar.set_postfix({**{k: readable(v) for k, v in step.losses.items()}, "samples/s": f"{rate:.0f}"})
        elapsed = time.perf_counter() - start
        row = stats.all_reduce(self.device, world).history_row(global_epoch + 1, stage.name,
                                                                opt.param_groups[0]["lr"], elapsed)
        log.info("%s epoch %d/%d: %s", stage.name, epoch + 1, stage.epochs,
                 ", ".join(f"{k}={readable(v)}" for k, v in row.items() if isinstance(v, float)))
        return row
