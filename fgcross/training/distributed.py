"""Data-parallel training over several processes (GPUs, or CPU processes on gloo).

`torchrun --nproc_per_node N -m steps.train` starts N processes, each with RANK,
WORLD_SIZE and LOCAL_RANK in its environment; `train.nproc: N` makes the train step start
them itself (`launch`). Each process trains a DistributedDataParallel replica on its own
share of the steps of every epoch (step s goes to rank s mod N, and a step's batch depends
only on seed, epoch and step, so the global set of batches is the same as in one process),
gradients are averaged across processes, and only rank 0 writes checkpoints, the model and
MLflow records. NCCL on CUDA, gloo on CPU.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass

import torch
import torch.distributed as dist

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1


def under_launcher() -> bool:
    """True inside a process started by torchrun (or our launch)."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def init_world(device: torch.device) -> World:
    """Join the process group when started by torchrun; a single process otherwise."""
    if not under_launcher() or int(os.environ["WORLD_SIZE"]) == 1:
        return World()
    world = World(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", 0)))
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    log.info("rank %d of %d (%s)", world.rank, world.size, dist.get_backend())
    return world


def local_device(device: torch.device, world: World) -> torch.device:
    """One GPU per process on CUDA."""
    if device.type == "cuda" and world.distributed:
        torch.cuda.set_device(world.local_rank)
        return torch.device("cuda", world.local_rank)
    return device


def all_reduce_sum(values: list[float], device: torch.device, world: World) -> list[float]:
    if not world.distributed:
        return values
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return tensor.tolist()


def average_gradients(params: list[torch.nn.Parameter], world: World) -> None:
    """For parameters outside the DDP module (the class centres)."""
    if not world.distributed:
        return
    for p in params:
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad /= world.size


def barrier(world: World) -> None:
    if world.distributed:
        dist.barrier()


def shutdown(world: World) -> None:
    if world.distributed and dist.is_initialized():
        dist.destroy_process_group()


def launch(nproc: int, module: str, argv: list[str], threads: int | None = None) -> int:
    """Run `python -m module argv` in nproc processes through torchrun; return its exit code.

    Each process gets `threads` intra-op threads when given (train.threads is per process),
    otherwise this process's threads divided among the N (at least 1), so N processes on a
    CPU machine share its cores instead of oversubscribing them.
    """
    per_process = threads or max(1, torch.get_num_threads() // nproc)
    env = {**os.environ, "OMP_NUM_THREADS": str(per_process)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
           "-m", module, *argv]
    log.info("starting %d training processes: %s", nproc, " ".join(cmd))
    return subprocess.run(cmd, env=env).returncode
