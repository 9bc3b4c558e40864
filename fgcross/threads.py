"""How many threads a stage may use: the cores it was given, not every core of the machine.

Two trainings on a 2-core machine, each taking "every core" (torch's default), ran at a fifth of
their speed alone instead of a half: their OpenMP pools, BLAS pools and loader workers spin
against each other. So every stage asks here how many cores it was given, in this order:

    the params key (train.threads > 0)    what the user pinned
    OMP_NUM_THREADS                       Snakemake sets it to a rule's threads (locally and in a
                                          SLURM job); torchrun and `fgcross.training.distributed.launch`
                                          to each rank's share; set it for a `dvc queue` worker
    SLURM_CPUS_PER_TASK                   a SLURM job's share of its node (srun, sbatch)
    the cores this process may run on     os.sched_getaffinity (taskset, cgroups' cpusets)

and spends exactly that many: the loader workers first, the rest to torch's intra-op pool and,
through threadpoolctl, to NumPy's BLAS pool; torch's inter-op pool gets one thread (the steps
run no parallel graphs). With nothing set the budget is every core, which is what torch chose
before, so a default run's numbers do not change.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from fgcross.errors import ParamsError

log = logging.getLogger(__name__)

ENVIRONMENT = ("OMP_NUM_THREADS", "SLURM_CPUS_PER_TASK")
"""The variables that say how many cores a job was given, the first set one deciding: OMP_NUM_THREADS
first, as the more specific (one rank of a multi-process job inside a SLURM allocation)."""


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), 0 when the system does not say."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 0


@dataclass(frozen=True)
class ThreadBudget:
    """The cores a stage was given (`total`) and what said so (`source`: a params key, a variable, "cores")."""

    total: int
    source: str

    def split(self, workers: int) -> tuple[int, int]:
        """(torch intra-op threads, loader workers) that add up to the budget; the loader workers
        come first, and the main process keeps at least one thread."""
        return max(1, self.total - workers), workers


def thread_budget(requested: int, key: str = "train.threads", environ: Mapping[str, str] | None = None,
                  cores: int | None = None) -> ThreadBudget:
    """The budget for a params value `requested` (0: find it out); a count above the cores, or 0 with
    no cores known, is a ParamsError naming `key`."""
    environ = os.environ if environ is None else environ
    cores = available_cores() if cores is None else cores
    if requested < 0:
        raise ParamsError(f"{key} is {requested}: a thread count is 0 (find it out) or positive")
    if requested > 0:
        if cores and requested > cores:
            raise ParamsError(f"{key} is {requested}, more than the {cores} cores this process may run on")
        return ThreadBudget(requested, key)
    for name in ENVIRONMENT:
        value = environ.get(name, "").strip()
        if value:
            try:
                given = int(value)
            except ValueError:
                raise ParamsError(f"{name}={value!r} is not a number of threads ({key} is 0, so it decides)") from None
            if given > 0:
                return ThreadBudget(min(given, cores) if cores else given, name)
    if not cores:
        raise ParamsError(f"{key} is 0 and the number of cores cannot be found here: set {key} to a count")
    return ThreadBudget(cores, "cores")


def apply_budget(budget: ThreadBudget, workers: int = 0) -> int:
    """Give torch and the BLAS pool their share of `budget` (the rest is the loader's `workers`);
    return torch's intra-op thread count."""
    import threadpoolctl
    import torch

    threads, _ = budget.split(workers)
    if workers >= budget.total:
        log.warning("%d loader workers and the training process need more than the %d threads of %s: "
                    "lower train.workers", workers, budget.total, budget.source)
    torch.set_num_threads(threads)
    with contextlib.suppress(RuntimeError):  # the pool already ran work in this process: it keeps its size
        torch.set_num_interop_threads(1)
    threadpoolctl.threadpool_limits(limits=threads, user_api="blas")
    log.info("threads: %d for torch, %d loader workers (%d from %s)", threads, workers, budget.total, budget.source)
    return threads
