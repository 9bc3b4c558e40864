"""Prepared media (build/media/<media>/): compact arrays the training loader reads directly.

    meta.json              media, present, shape and dtype per split, how it was made
    <split>.npy            uint8 [N, ...] arrays (images, frames, spectrograms, glyphs) or char codes
    <split>.<extra>.npy    per-item side arrays (video: `preview`, a small strip of the frames)
    <split>.csv            id, label: one row per array row

Arrays open memory-mapped, so loading never decodes a file during training.

Scale: the items of each split are cut into `shards` contiguous pieces. A shard can be
prepared on its own (one Snakemake job, possibly on another machine) into a folder of the
same form, and `merge_prepared` joins the shard folders in order. Or one command prepares
everything with a pool of worker processes. Either way the result is byte-identical: the
order of items is the index's, whatever the shard count or the number of processes.
Arrays are written through memory-mapped files item by item, so memory stays bounded by
one item per process, not the dataset.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fgcross.progress import progress_bar

from fgcross.data.index_files import Index
from fgcross.data.layout import SPLITS
from fgcross.errors import PreparationError
from fgcross.io import atomic_dir, read_json, reserve, write_json
from fgcross.lifeline import die_with

Converter = Callable[[Path], np.ndarray]
Extra = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class PreparedSplit:
    media: str
    split: str
    data: np.ndarray  # memory-mapped
    ids: list[str]
    labels: np.ndarray  # int64


def shard_rows(count: int, shard: int, shards: int) -> np.ndarray:
    """Row positions of shard `shard` of `shards` contiguous, near-equal pieces."""
    if not 0 <= shard < shards:
        raise PreparationError(f"shard {shard} is outside 0..{shards - 1}")
    return np.array_split(np.arange(count), shards)[shard]


def resolve_processes(processes: int) -> int:
    """0 means every core this process may use."""
    if processes > 0:
        return processes
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _convert_one(convert: Converter, file: Path, rel: str, media: str) -> np.ndarray:
    try:
        return np.asarray(convert(file))
    except Exception as err:  # decoding libraries raise many types
        raise PreparationError(f"{file}: cannot prepare {media} item {rel!r}: {err}") from err


def _pool_context() -> multiprocessing.context.BaseContext:
    """Workers fork from a server that imported (and warmed up) the media libraries once
    (fgcross.media.warm): no per-worker start-up cost, and no fork of a busy parent."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["fgcross.media.warm"])
    return context


@dataclass(frozen=True)
class _Target:
    """Where a split's items go: the main array and the side arrays, as .npy files."""

    data: Path
    extras: dict[str, Path]

    def open(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return np.load(self.data, mmap_mode="r+"), {n: np.load(p, mmap_mode="r+") for n, p in self.extras.items()}


def _flush(data: np.ndarray, side: dict[str, np.ndarray]) -> None:
    for array in (data, *side.values()):
        array.flush()


def _store(data: np.ndarray, side: dict[str, np.ndarray], extras: dict[str, Extra], row: int,
           item: np.ndarray, rel: str) -> None:
    if item.shape != data.shape[1:] or item.dtype != data.dtype:
        raise PreparationError(f"{rel}: prepared as {item.dtype} {item.shape}, the first item of the split as "
                               f"{data.dtype} {data.shape[1:]}")
    data[row] = item
    for name, fn in extras.items():
        side[name][row] = fn(item)


def _convert_rows(convert: Converter, files: list[Path], rels: list[str], media: str, target: _Target,
                  extras: dict[str, Extra], first_row: int) -> int:
    """A worker's task: convert a run of items and write them straight into the output arrays
    (only a count travels back to the parent, not the arrays)."""
    data, side = target.open()
    for k, (file, rel) in enumerate(zip(files, rels, strict=True)):
        _store(data, side, extras, first_row + k, _convert_one(convert, file, rel, media), rel)
    _flush(data, side)
    return len(files)


def _create_target(tmp: Path, split: str, count: int, first: np.ndarray, extras: dict[str, Extra]) -> _Target:
    """The output files of a split, sized from its first item."""
    target = _Target(tmp / f"{split}.npy", {name: tmp / f"{split}.{name}.npy" for name in extras})
    np.lib.format.open_memmap(target.data, "w+", first.dtype, (count, *first.shape)).flush()
    for name, fn in extras.items():
        side = fn(first)
        np.lib.format.open_memmap(target.extras[name], "w+", side.dtype, (count, *side.shape)).flush()
    for path in (target.data, *target.extras.values()):
        reserve(path)  # a full disk fails here, as an error, not later as a SIGBUS in a memory-mapped write
    return target


def _write_split(tmp: Path, split: str, convert: Converter, files: list[Path], rels: list[str], media: str,
                 extras: dict[str, Extra], pool: ProcessPoolExecutor | None, workers: int,
                 progress: Any) -> dict[str, Any]:
    """Convert a split's items into <split>.npy (and the extras); return the split's meta."""
    count = len(files)
    if count == 0:
        np.save(tmp / f"{split}.npy", np.zeros((0,), np.uint8))
        return {"count": 0, "shape": [0], "dtype": "uint8"}
    first = (pool.submit(_convert_one, convert, files[0], rels[0], media).result() if pool
             else _convert_one(convert, files[0], rels[0], media))
    target = _create_target(tmp, split, count, first, extras)
    data, side = target.open()
    _store(data, side, extras, 0, first, rels[0])
    _flush(data, side)  # before any worker opens the files
    progress.update(1)
    if pool is None:
        for row in range(1, count):
            _store(data, side, extras, row, _convert_one(convert, files[row], rels[row], media), rels[row])
            progress.update(1)
    else:
        chunk = max(1, min(16, (count - 1) // (workers * 4)))
        futures = [pool.submit(_convert_rows, convert, files[i:i + chunk], rels[i:i + chunk], media, target,
                               extras, i) for i in range(1, count, chunk)]
        try:
            for future in as_completed(futures):
                progress.update(future.result())
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    _flush(data, side)
    return {"count": count, "shape": [count, *first.shape], "dtype": str(first.dtype)}


def prepare_media(index: Index, media: str, out: str | Path, convert: Converter, info: dict[str, Any],
                  progress: bool = True, processes: int = 1, shard: int | None = None, shards: int = 1,
                  extras: dict[str, Extra] | None = None) -> dict[str, int]:
    """Convert every item of `media` (or of one shard) with `convert(file) -> array` and write the folder.

    With processes > 1 the items are converted by a pool of worker processes, each writing
    its items straight into the memory-mapped output. A media absent from the index gives
    a folder with meta.json saying so, so that the pipeline's outputs are the same
    whatever media a dataset has.
    """
    extras = extras or {}
    counts: dict[str, int] = {}
    with atomic_dir(out) as tmp, contextlib.ExitStack() as stack:
        present = media in index.media
        meta: dict[str, Any] = {"media": media, "present": present, "info": info, "splits": {},
                                "extras": sorted(extras)}
        if shard is not None:
            meta["shard"] = {"index": shard, "of": shards}
        pool = None
        if present and processes > 1:
            pool = stack.enter_context(ProcessPoolExecutor(processes, mp_context=_pool_context(),
                                                           initializer=die_with, initargs=(os.getpid(),)))
        if present:
            for split in SPLITS:
                rows = index.items(media, split)
                if shard is not None:
                    rows = rows.iloc[shard_rows(len(rows), shard, shards)].reset_index(drop=True)
                rels = rows["path"].tolist()
                files = [index.root / rel for rel in rels]
                with progress_bar(total=len(rows), desc=f"{media}/{split}", unit="item",
                                  disable=not progress) as bar:
                    meta["splits"][split] = _write_split(tmp, split, convert, files, rels, media, extras, pool,
                                                         processes, bar)
                rows[["id", "label"]].to_csv(tmp / f"{split}.csv", index=False)
                counts[split] = len(rows)
        write_json(tmp / "meta.json", meta)
    return counts


def merge_prepared(parts: list[str | Path], out: str | Path) -> dict[str, int]:
    """Join shard folders (given in any order) into one prepared folder, streaming the arrays."""
    metas = [(Path(p), read_json(Path(p) / "meta.json")) for p in parts]
    if not metas:
        raise PreparationError("no shard folders to merge")
    for folder, meta in metas:
        if "shard" not in meta:
            raise PreparationError(f"{folder}: not a shard folder (its meta.json has no 'shard')")
    metas.sort(key=lambda fm: fm[1]["shard"]["index"])
    total = metas[0][1]["shard"]["of"]
    if [m["shard"]["index"] for _, m in metas] != list(range(total)) or any(m["shard"]["of"] != total
                                                                            for _, m in metas):
        raise PreparationError(f"shards {[str(f) for f, _ in metas]} are not the complete set 0..{total - 1}")
    first = metas[0][1]
    for folder, meta in metas[1:]:
        for key in ("media", "present", "info", "extras"):
            if meta[key] != first[key]:
                raise PreparationError(f"{folder}: '{key}' differs from {metas[0][0]}: shards of different runs")
    counts: dict[str, int] = {}
    with atomic_dir(out) as tmp:
        meta = {k: v for k, v in first.items() if k != "shard"}
        meta["splits"] = {}
        if first["present"]:
            for split in SPLITS:
                tables = [pd.read_csv(f / f"{split}.csv", dtype={"id": str}) for f, _ in metas]
                count = sum(len(t) for t in tables)
                for suffix in ["", *(f".{e}" for e in first["extras"])]:
                    _concat_arrays([f / f"{split}{suffix}.npy" for f, _ in metas], tmp / f"{split}{suffix}.npy",
                                   count, main=not suffix)
                pd.concat(tables, ignore_index=True).to_csv(tmp / f"{split}.csv", index=False)
                data = np.load(tmp / f"{split}.npy", mmap_mode="r")
                meta["splits"][split] = {"count": count, "shape": list(data.shape), "dtype": str(data.dtype)}
                counts[split] = count
        write_json(tmp / "meta.json", meta)
    return counts


def _concat_arrays(files: list[Path], out: Path, count: int, main: bool) -> None:
    arrays = [np.load(f, mmap_mode="r") for f in files if f.exists()]
    arrays = [a for a in arrays if len(a)]
    if count == 0 or not arrays:
        if main:  # an empty split still has its (empty) main array, as _write_split writes it
            np.save(out, np.zeros((0,), np.uint8))
        return
    merged = np.lib.format.open_memmap(out, "w+", arrays[0].dtype, (count, *arrays[0].shape[1:]))
    row = 0
    for array in arrays:
        for start in range(0, len(array), 256):  # bounded memory whatever the shard size
            block = array[start:start + 256]
            merged[row:row + len(block)] = block
            row += len(block)
    merged.flush()


def is_present(folder: str | Path) -> bool:
    return bool(read_json(Path(folder) / "meta.json")["present"])


def load_split(folder: str | Path, split: str) -> PreparedSplit:
    folder = Path(folder)
    meta = read_json(folder / "meta.json")
    if not meta["present"]:
        raise FileNotFoundError(f"{folder}: media {meta['media']} is absent from this dataset")
    table = pd.read_csv(folder / f"{split}.csv", dtype={"id": str})
    data = np.load(folder / f"{split}.npy", mmap_mode="r")
    return PreparedSplit(meta["media"], split, data, table["id"].tolist(), table["label"].to_numpy(np.int64))


def load_extra(folder: str | Path, split: str, name: str) -> np.ndarray:
    """A side array (e.g. `preview`), memory-mapped, one row per item of the split."""
    return np.load(Path(folder) / f"{split}.{name}.npy", mmap_mode="r")
