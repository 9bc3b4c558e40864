"""One shard file: convert its items, encode them, write the tar in place, record it.

The shard is written under a temporary name beside its final one and renamed when complete
(fgcross.io.atomic_path), so a preparation killed at any point leaves no file under a shard's
name that is not a whole shard; memory holds one item at a time. Per item the tar holds its
data members (codec.member_names), `<key>.cls` (the label) and `<key>.json` (id and label),
as WebDataset expects; the key is the item's row in its split, 8 digits.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fgcross.data.store.codec import encode_item, member_names
from fgcross.data.store.plan import ShardPlan
from fgcross.data.store.tar import TarWriter
from fgcross.errors import PreparationError
from fgcross.io import atomic_path

Converter = Callable[[Path], np.ndarray]
Extra = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ShardTask:
    """Everything a worker process needs to write one shard (it pickles)."""

    plan: ShardPlan
    media: str
    files: list[Path]
    rels: list[str]
    ids: list[str]
    labels: list[int]
    convert: Converter
    extras: dict[str, Extra]
    quality: int
    folder: Path


def item_key(row: int) -> str:
    return f"{row:08d}"


def _convert_one(task: ShardTask, k: int) -> np.ndarray:
    try:
        return np.asarray(task.convert(task.files[k]))
    except Exception as err:  # decoding libraries raise many types
        raise PreparationError(f"{task.files[k]}: cannot prepare {task.media} item {task.rels[k]!r}: {err}") from err


def write_shard(task: ShardTask) -> dict[str, Any]:
    """Write the shard of `task.plan` into task.folder; return its record (size, sha256, offsets
    [count, members, 3] of (data offset, length, crc32) and the items' shapes)."""
    plan = task.plan
    offsets = np.zeros((plan.count, 0, 3), np.int64)
    first: dict[str, Any] = {}
    with atomic_path(task.folder / plan.name, suffix=".tar") as tmp, open(tmp, "wb") as handle:
        tar = TarWriter(handle)
        for k in range(plan.count):
            item = _convert_one(task, k)
            side = {name: np.asarray(fn(item)) for name, fn in task.extras.items()}
            shapes = {"shape": list(item.shape), "dtype": str(item.dtype),
                      "extras": {n: list(a.shape) for n, a in sorted(side.items())}}
            if k == 0:
                first = shapes
                offsets = np.zeros((plan.count, len(member_names(task.media, item, side)), 3), np.int64)
            elif shapes != first:
                raise PreparationError(f"{task.rels[k]}: prepared as {shapes}, the first item of shard {plan.name} "
                                       f"as {first}")
            key = item_key(plan.first + k)
            names = member_names(task.media, item, side)
            for m, (name, data) in enumerate(zip(names, encode_item(task.media, item, side, task.quality),
                                                 strict=True)):
                offsets[k, m] = (tar.add(f"{key}.{name}", data), len(data), zlib.crc32(data))
            tar.add(f"{key}.cls", f"{task.labels[k]}\n".encode())
            tar.add(f"{key}.json", json.dumps({"id": task.ids[k], "label": task.labels[k]}, sort_keys=True).encode())
        sha256 = tar.close()
        size = tar.offset
    return {"name": plan.name, "split": plan.split, "number": plan.number, "first": plan.first, "count": plan.count,
            "size": size, "sha256": sha256, "members": names, **first, "offsets": offsets.tolist()}
