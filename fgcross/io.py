"""Atomic file and folder writes.

Every stage output is written to a temporary sibling and renamed into place, so an
interrupted stage never leaves a half-written file that a later stage (or Snakemake's
and DVC's caches) would mistake for a finished one.

A temporary sibling is hidden (`.<name>.<pid>.<random>.tmp`) and carries the pid of the
process writing it. A stage killed outright (SIGKILL) leaves its siblings behind; the next
write of the same output removes those whose process is gone. A full disk (ENOSPC, or a
quota: EDQUOT) is a DiskFullError naming the output, and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from fgcross.errors import DiskFullError

FULL = (errno.ENOSPC, errno.EDQUOT)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success rename it onto `path`.

    `suffix` keeps the extension for libraries that insist on one (np.save, cv2).
    On error the temporary file is removed and `path` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=f".tmp{suffix}", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        with _disk_full_is_an_error(path):
            yield tmp_path
        if tmp_path.exists():  # mkstemp makes 0600 files; outputs get the usual permissions
            os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def _disk_full_is_an_error(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as err:
        if err.errno not in FULL or isinstance(err, DiskFullError):
            raise
        raise DiskFullError(err.errno, f"no space left on the device writing {path} ({err.strerror}); nothing "
                                       f"was written: free space under {path.parent} and run it again") from None


def _leftover_pid(name: str, output: str) -> int | None | bool:
    """For a temporary sibling of `output` (`.<output>.[<pid>.]<8 random>.tmp...` or `.old`): the
    pid in its name, or None (a name without one); False for any other name."""
    match = re.fullmatch(rf"\.{re.escape(output)}\.(?:(\d+)\.)?[a-z0-9_]{{8}}\.(?:tmp.*|old)", name)
    if not match:
        return False
    return int(match.group(1)) if match.group(1) else None


def pid_alive(pid: int) -> bool:
    """Whether a process `pid` runs (one of another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(path: str | os.PathLike) -> list[Path]:
    """Remove the temporary siblings of `path` left by a writer that no longer runs (a killed
    stage); return them. Those of a live process (another writer of this output) are kept."""
    path = Path(path)
    removed = []
    with contextlib.suppress(FileNotFoundError):
        for entry in path.parent.iterdir():
            pid = _leftover_pid(entry.name, path.name)
            if pid is False or (pid is not None and (pid == os.getpid() or pid_alive(pid))):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


def reserve(path: str | os.PathLike) -> None:
    """Allocate a (sparse, memory-mapped) file's blocks now, so that a full disk is an OSError here
    rather than a SIGBUS at a later write through the mapping; a file system without fallocate is left as is."""
    with open(path, "r+b") as f:
        size = os.fstat(f.fileno()).st_size
        try:
            os.posix_fallocate(f.fileno(), 0, size)
        except OSError as err:
            if err.errno in FULL:
                raise DiskFullError(err.errno, f"no space left on the device for {path} ({size / 2**20:.0f} MiB); "
                                               f"free space under {Path(path).parent} and run it again") from None
            if err.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                raise


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write UTF-8 `text` to `path` atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write `obj` as indented, key-sorted JSON (stable diffs for DVC metrics)."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def save_npy(path: str | os.PathLike, array: np.ndarray) -> None:
    """np.save atomically; the result can be opened with np.load(mmap_mode='r')."""
    with atomic_path(path, suffix=".npy") as tmp:
        np.save(tmp, array)


def save_npz(path: str | os.PathLike, **arrays: np.ndarray) -> None:
    """np.savez (uncompressed) atomically."""
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, **arrays)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty temporary folder; on success it replaces `path` as a whole.

    Used for folder outputs (a prepared media folder, the generated dataset): readers
    see either the old complete folder or the new complete folder, never a mix.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent))
    try:
        with _disk_full_is_an_error(path):
            yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".old", dir=path.parent))
            os.replace(path, old / "x")
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
