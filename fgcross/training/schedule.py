"""Per-stage learning-rate schedules.

`step` is StepLR(step_size, gamma), the official code's schedule (StepLR(3, 0.5), started
again for each stage, since train.sh runs main.py once per stage). Over 50 epochs it
halves the rate 16 times, so the last epochs run at 0.5^16 (about 1.5e-5) of the start and
barely move. `cosine` anneals to zero over the stage; `constant` keeps the rate.
"""

from __future__ import annotations

import torch


def make_scheduler(optimizer: torch.optim.Optimizer, kind: str, epochs: int, step_size: int,
                   gamma: float) -> torch.optim.lr_scheduler.LRScheduler:
    """The schedule `kind` (train.schedule) of one stage of `epochs` epochs."""
    if kind == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(epochs, 1))
    if kind == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    if kind == "constant":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    raise ValueError(f"unknown schedule {kind!r}")
