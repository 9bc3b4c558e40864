"""Outputs under faults: a full disk, and the leftovers of a killed writer."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fgcross import io
from fgcross.errors import DiskFullError, FgcrossError


def _full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_on_a_file_is_one_error_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(Path, "write_bytes", _full)
    with pytest.raises(DiskFullError, match=f"no space left on the device writing {tmp_path / 'eval.json'}"):
        io.write_json(tmp_path / "eval.json", {"a": 1})
    assert isinstance(DiskFullError(errno.ENOSPC, "x"), FgcrossError)
    assert list(tmp_path.iterdir()) == []


def test_disk_full_in_a_folder_output_leaves_nothing(tmp_path, monkeypatch):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "old.npy").write_bytes(b"the previous complete output")
    with pytest.raises(DiskFullError, match="media"), io.atomic_dir(tmp_path / "media") as tmp:
        np.save(tmp / "train.npy", np.zeros(3))
        monkeypatch.setattr(np, "save", _full)
        np.save(tmp / "test.npy", np.zeros(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media"]
    assert [p.name for p in (tmp_path / "media").iterdir()] == ["old.npy"]  # the old output, untouched


def test_reserve_turns_a_full_disk_into_an_error(tmp_path, monkeypatch):
    path = tmp_path / "big.npy"
    path.write_bytes(b"\0" * 10)
    monkeypatch.setattr(os, "posix_fallocate", _full)
    with pytest.raises(DiskFullError, match="big.npy"):
        io.reserve(path)


def test_leftovers_of_a_dead_writer_are_removed_at_the_next_write(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    stale_dir = tmp_path / f".media.{pid}.abcd1234.tmp"
    stale_dir.mkdir()
    (stale_dir / "train.npy").write_bytes(b"half")
    stale_file = tmp_path / f".eval.json.{pid}.abcd1234.tmp"
    stale_file.write_text("{")
    old_style = tmp_path / ".media.zyxw9876.tmp"
    old_style.mkdir()
    live = tmp_path / f".media.{os.getppid()}.abcd1234.tmp"  # a writer that still runs: kept
    live.mkdir()
    other = tmp_path / f".media.npy.{pid}.abcd1234.tmp"  # another output's: kept
    other.write_text("x")
    with io.atomic_dir(tmp_path / "media") as tmp:
        (tmp / "meta.json").write_text("{}")
    io.write_json(tmp_path / "eval.json", {})
    assert not stale_dir.exists() and not stale_file.exists() and not old_style.exists()
    assert live.exists() and other.exists()
    assert (tmp_path / "media" / "meta.json").exists()
