"""One epoch's training statistics: summed per process, then over processes, then one history row.

The numbers are summed across processes in a fixed order of named fields (steps, samples,
each loss term, right answers and items per media, the modality adversary's right answers
and items), the same on every process because every process runs the same objective on
the same media.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from fgcross.training.distributed import World, all_reduce_sum

OUTSIDE_TOTAL = frozenset({"discriminator"})
"""Losses logged beside the network's terms but not part of its total: CM-GANs' discriminators,
trained in a step of their own (fgcross.training.loop)."""


@dataclass(frozen=True)
class StepStats:
    """One step's numbers: its weighted loss terms by name, right answers and items per media,
    and the modality adversary's (right answers, items) when it ran."""

    losses: dict[str, float]
    correct: dict[str, float]
    counts: dict[str, int]
    modality: tuple[float, int] | None = None


@dataclass
class EpochStats:
    """Sums over an epoch's steps: loss terms by name (weighted, as the objective returns them),
    right answers and items by media, the modality adversary's right answers and items."""

    steps: int = 0
    samples: int = 0
    losses: dict[str, float] = field(default_factory=dict)
    correct: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    modality_right: float = 0.0
    modality_seen: int = 0

    def add(self, step: StepStats) -> None:
        self.steps += 1
        for name, value in step.losses.items():
            self.losses[name] = self.losses.get(name, 0.0) + value
        for m in step.counts:
            self.correct[m] = self.correct.get(m, 0.0) + step.correct[m]
            self.counts[m] = self.counts.get(m, 0) + step.counts[m]
        self.samples += sum(step.counts.values())
        if step.modality is not None:
            self.modality_right += step.modality[0]
            self.modality_seen += step.modality[1]

    def _named(self) -> list[tuple[str, str | None, float]]:
        """Every number as (field, key within the field, value), in the fixed order."""
        return [("steps", None, self.steps), ("samples", None, self.samples),
                *(("losses", name, v) for name, v in self.losses.items()),
                *(("correct", m, self.correct[m]) for m in self.counts),
                *(("counts", m, v) for m, v in self.counts.items()),
                ("modality_right", None, self.modality_right), ("modality_seen", None, self.modality_seen)]

    def all_reduce(self, device: torch.device, world: World) -> EpochStats:
        """The sums over every process (this record itself in one process)."""
        named = self._named()
        totals = all_reduce_sum([value for _, _, value in named], device, world)
        out = EpochStats()
        for (name, key, _), total in zip(named, totals, strict=True):
            if key is None:
                setattr(out, name, total)
            else:
                getattr(out, name)[key] = total
        return out

    def history_row(self, epoch: int, stage: str, lr: float, elapsed: float) -> dict[str, Any]:
        """epoch, stage, lr, loss_<term>..., loss_total, acc_<media>..., acc_modality (when the
        adversary ran), samples, samples_per_s: the losses are means over the steps."""
        row: dict[str, Any] = {"epoch": epoch, "stage": stage, "lr": lr}
        row.update({f"loss_{name}": v / self.steps for name, v in self.losses.items()})
        row["loss_total"] = sum(v / self.steps for name, v in self.losses.items() if name not in OUTSIDE_TOTAL)
        row.update({f"acc_{m}": self.correct[m] / self.counts[m] for m in self.counts})
        if self.modality_seen:  # the adversary's accuracy: it should fall toward chance (1 / media)
            row["acc_modality"] = self.modality_right / self.modality_seen
        row["samples"] = int(self.samples)
        row["samples_per_s"] = self.samples / elapsed
        return row
