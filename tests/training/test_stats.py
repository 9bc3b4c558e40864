"""Epoch statistics: sums by name, the history row's keys and order, the all-reduce in one process."""

import torch

from fgcross.training.distributed import World
from fgcross.training.stats import EpochStats, StepStats


def two_steps(modality: bool) -> EpochStats:
    stats = EpochStats()
    for ce in (1.0, 3.0):
        stats.add(StepStats({"ce": ce, "center": 0.5}, {"image": 1.0, "text": 2.0}, {"image": 2, "text": 4},
                            (3.0, 6) if modality else None))
    return stats


def test_sums_and_the_history_row():
    stats = two_steps(modality=True)
    assert stats.steps == 2 and stats.samples == 12 and stats.losses == {"ce": 4.0, "center": 1.0}
    row = stats.history_row(3, "stage2", 0.01, elapsed=2.0)
    assert list(row) == ["epoch", "stage", "lr", "loss_ce", "loss_center", "loss_total", "acc_image", "acc_text",
                         "acc_modality", "samples", "samples_per_s"]
    assert row["loss_ce"] == 2.0 and row["loss_total"] == 2.5 and row["acc_image"] == 0.5
    assert row["acc_modality"] == 0.5 and row["samples"] == 12 and row["samples_per_s"] == 6.0


def test_no_adversary_no_modality_accuracy():
    assert "acc_modality" not in two_steps(modality=False).history_row(1, "stage1", 0.1, elapsed=1.0)


def test_all_reduce_in_one_process_is_the_record_itself():
    stats = two_steps(modality=True)
    assert stats.all_reduce(torch.device("cpu"), World()) == stats


def test_the_tracked_history_leaves_out_the_machine_speed():
    from fgcross.training.pipeline import history_frame

    frame = history_frame([{"epoch": 1, "lr": 1e-3, "loss_total": 2.0, "samples": 8, "samples_per_s": 123.4}])
    assert list(frame.columns) == ["epoch", "lr", "loss_total", "samples"]  # samples_per_s goes to MLflow only
