"""The thread budget: where a stage's core count comes from, and what it is split into."""

import pytest
import torch

from fgcross.errors import ParamsError
from fgcross.threads import ThreadBudget, apply_budget, thread_budget


def test_a_pinned_count_decides_over_the_environment():
    budget = thread_budget(1, environ={"OMP_NUM_THREADS": "2", "SLURM_CPUS_PER_TASK": "2"}, cores=2)
    assert budget == ThreadBudget(1, "train.threads")


def test_the_launcher_s_share_then_slurm_s_then_the_cores():
    assert thread_budget(0, environ={"OMP_NUM_THREADS": "3", "SLURM_CPUS_PER_TASK": "8"}, cores=16) == \
        ThreadBudget(3, "OMP_NUM_THREADS")
    assert thread_budget(0, environ={"SLURM_CPUS_PER_TASK": "8"}, cores=16) == ThreadBudget(8, "SLURM_CPUS_PER_TASK")
    assert thread_budget(0, environ={}, cores=16) == ThreadBudget(16, "cores")
    assert thread_budget(0, environ={"SLURM_CPUS_PER_TASK": "32"}, cores=16).total == 16  # never past the cores


def test_counts_that_cannot_be_met_name_the_key():
    with pytest.raises(ParamsError, match=r"train\.threads is 4, more than the 2 cores"):
        thread_budget(4, cores=2)
    with pytest.raises(ParamsError, match=r"train\.threads is 0 and the number of cores cannot be found"):
        thread_budget(0, environ={}, cores=0)
    with pytest.raises(ParamsError, match=r"OMP_NUM_THREADS='two'"):
        thread_budget(0, environ={"OMP_NUM_THREADS": "two"}, cores=2)


def test_loader_workers_come_out_of_the_budget():
    assert ThreadBudget(4, "cores").split(0) == (4, 0)
    assert ThreadBudget(4, "cores").split(3) == (1, 3)
    assert ThreadBudget(2, "cores").split(4) == (1, 4)  # the main process keeps one thread (and a warning)


def test_apply_sets_torch_and_the_blas_pool():
    import threadpoolctl

    before = torch.get_num_threads()
    try:
        assert apply_budget(ThreadBudget(2, "cores"), workers=1) == 1
        assert torch.get_num_threads() == 1
        blas = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        assert blas and all(p["num_threads"] == 1 for p in blas)
    finally:
        torch.set_num_threads(before)
        threadpoolctl.threadpool_limits(limits=before, user_api="blas")
