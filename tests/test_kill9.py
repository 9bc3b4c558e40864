"""Fault injection: kill -9 a preparation stage and the training stage at seeded
points, re-run, and compare with an uninterrupted run: byte-identical outputs, no process of
the stage left behind, no temporary folder left."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, write_tiny_params


def _group(pgid: int) -> list[int]:
    """The pids of the live processes in process group `pgid` (from /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                pids.append(int(entry.name))
    return pids


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    """A stage in a process group of its own, as Snakemake and SLURM start one."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", *args], cwd=cwd, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _finish(args: list[str], cwd: Path) -> None:
    proc = _start(args, cwd)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()[-2000:]


def _kill_and_check_group(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _group(proc.pid)
    for pid in left:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"processes left behind after kill -9 of the stage: {left}"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    work = tmp_path_factory.mktemp("kill9")
    write_tiny_params(work / "params.yaml", {"tracking": {"enabled": False},
                                             "train": {"stage1": {"epochs": 3}, "stage2": {"epochs": 1},
                                                       "threads": 1}})
    return work


@pytest.mark.parametrize("seed", [0, 1])
def test_kill9_of_a_preparation_stage(work, index_dir, seed):
    args = ["steps.images", "--params", "params.yaml", "--index", str(index_dir), "--processes", "2", "--quiet"]
    if not (work / "reference").exists():
        _finish([*args, "--out", "reference"], work)
    out = work / f"killed{seed}"
    proc = _start([*args, "--out", out.name], work)
    while len(_group(proc.pid)) < 4 and proc.poll() is None:  # the stage, the forkserver and 2 workers
        time.sleep(0.01)
    time.sleep(random.Random(seed).uniform(0.0, 0.2))
    _kill_and_check_group(proc)
    _finish([*args, "--out", out.name], work)
    assert _files(out) == _files(work / "reference")
    assert not [p.name for p in work.iterdir() if p.name.startswith(f".{out.name}.")]


def _kill_after_checkpoints(proc: subprocess.Popen, state: Path, checkpoints: int) -> None:
    """SIGKILL the training once it has written `checkpoints` more epoch states (each a new inode)."""
    seen, last = 0, next(iter(state.glob("*.pt")), None)
    last = last.stat().st_ino if last else None
    while seen < checkpoints and proc.poll() is None:
        files = list(state.glob("*.pt")) if state.exists() else []
        ino = files[0].stat().st_ino if files else None
        if ino is not None and ino != last:
            seen, last = seen + 1, ino
        time.sleep(0.005)
    assert proc.poll() is None, "the training ended before it could be killed"
    _kill_and_check_group(proc)


def test_kill9_of_the_training_stage_twice(work, media_dir, index_dir):
    """Killed after a seeded number of epochs, resumed and killed again, then finished: the same model."""
    def args(out: str) -> list[str]:
        return ["steps.train", "--params", "params.yaml", "--media", str(media_dir), "--index", str(index_dir),
                "--out", out, "--history", f"{out}.csv", "--quiet"]

    _finish(args("model_ref"), work)
    state, rng = work / "build" / "train_state", random.Random(0)
    _kill_after_checkpoints(_start(args("model"), work), state, rng.randint(1, 2))
    _kill_after_checkpoints(_start(args("model"), work), state, 1)
    _finish(args("model"), work)
    assert (work / "model" / "model.pt").read_bytes() == (work / "model_ref" / "model.pt").read_bytes()
    assert (work / "model" / "config.json").read_bytes() == (work / "model_ref" / "config.json").read_bytes()
    assert list(state.glob("*")) == []  # no resume state, no temporary file left
