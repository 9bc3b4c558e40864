"""Per-stage learning-rate schedules.

`step` is the paper's StepLR(step_size, gamma); note that its StepLR(3, 0.5) over 50 epochs
decays the rate to about 1e-8 of its start, so most late epochs barely move. `cosine`
anneals to zero over the stage; `constant` keeps the rate.
"""

from __future__ import annotations

import torch


def make_scheduler(optimizer: torch.optim.Optimizer, kind: str, epochs: int, step_size: int = 3,
                   gamma: float = 0.5) -> torch.optim.lr_scheduler.LRScheduler:
    if kind == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(epochs, 1))
    if kind == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    if kind == "constant":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    raise ValueError(f"unknown schedule {kind!r}")
