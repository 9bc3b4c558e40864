"""Prepared media (build/media/<media>/): each media's items as a store of WebDataset tar
shards (fgcross.data.store), which the training loader, export, search and the reports read
by row through `PreparedSplit.data`.

Scale: the items of each split are cut into shards of `prepare.shard_items` items. One
command writes every shard with a pool of worker processes (what DVC runs); or
`prepare.shards` jobs each write their share of the shards in place (what Snakemake runs,
possibly on other machines) and record them in a small part file, and a last job writes the
tables and meta.json from the part files. Nothing is merged by copying, so the disk peak
is the store plus one shard per worker being written. Either way the bytes are the same:
a shard's bytes depend on its items alone, whatever the number of processes or jobs.
meta.json is removed first and written last, so a killed preparation never leaves a
folder that a reader takes as complete.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fgcross.data.index_files import Index
from fgcross.data.layout import SPLITS
from fgcross.data.store.catalog import StoreError, finish, read_meta, start
from fgcross.data.store.plan import ShardPlan, job_shards, plan_shards
from fgcross.data.store.reader import ItemSource
from fgcross.data.store.writer import Converter, Extra, ShardTask, write_shard
from fgcross.errors import PreparationError
from fgcross.io import read_json, write_json
from fgcross.lifeline import die_with
from fgcross.params import PrepareParams
from fgcross.progress import progress_bar
from fgcross.threads import available_cores

@dataclass(frozen=True)
class PreparedSplit:
    media: str
    split: str
    data: ItemSource | np.ndarray  # the store's items, decoded on access; or an array (a search query)
    ids: list[str]
    labels: np.ndarray  # int64


@dataclass(frozen=True)
class StoreSettings:
    """How items are stored (params `prepare.jpeg_quality`, `prepare.shard_items`)."""

    jpeg_quality: int
    shard_items: int

    @classmethod
    def of(cls, prepare: PrepareParams) -> StoreSettings:
        return cls(prepare.jpeg_quality, prepare.shard_items)

    def as_meta(self) -> dict[str, Any]:
        import PIL

        return {"jpeg_quality": self.jpeg_quality, "shard_items": self.shard_items, "pillow": PIL.__version__}


def resolve_processes(processes: int) -> int:
    """0 means every core this process may use."""
    if processes > 0:
        return processes
    return available_cores() or 1


def _pool_context() -> multiprocessing.context.BaseContext:
    """Workers fork from a server that imported (and warmed up) the media libraries once
    (fgcross.media.warm): no per-worker start-up cost, and no fork of a busy parent."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["fgcross.media.warm"])
    return context


def _tables(index: Index, media: str) -> dict[str, pd.DataFrame]:
    if media not in index.media:
        return {}
    return {split: index.items(media, split).reset_index(drop=True) for split in SPLITS}


def _meta(media: str, present: bool, info: dict[str, Any], settings: StoreSettings,
          extras: dict[str, Extra]) -> dict[str, Any]:
    return {"media": media, "present": present, "info": info, "extras": sorted(extras), "store": settings.as_meta()}


def _task(index: Index, media: str, table: pd.DataFrame, plan: ShardPlan, convert: Converter,
          extras: dict[str, Extra], settings: StoreSettings, folder: Path) -> ShardTask:
    rows = table.iloc[plan.first:plan.first + plan.count]
    rels = rows["path"].tolist()
    return ShardTask(plan, media, [index.root / r for r in rels], rels, rows["id"].astype(str).tolist(),
                     [int(v) for v in rows["label"]], convert, extras, settings.jpeg_quality, folder)


def _write_all(tasks: list[ShardTask], processes: int, progress: bool, desc: str) -> list[dict[str, Any]]:
    """Write the shards of `tasks`, in a pool when processes > 1; return their records."""
    records = []
    with progress_bar(total=sum(t.plan.count for t in tasks), desc=desc, unit="item", disable=not progress) as bar:
        if processes <= 1 or len(tasks) <= 1:
            for task in tasks:
                records.append(write_shard(task))
                bar.update(task.plan.count)
            return records
        with ProcessPoolExecutor(min(processes, len(tasks)), mp_context=_pool_context(), initializer=die_with,
                                 initargs=(os.getpid(),)) as pool:
            futures = {pool.submit(write_shard, t): t for t in tasks}
            try:
                for future in as_completed(futures):
                    records.append(future.result())
                    bar.update(futures[future].plan.count)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    return records


def prepare_media(index: Index, media: str, out: str | Path, convert: Converter, info: dict[str, Any],
                  settings: StoreSettings, progress: bool = True, processes: int = 1, job: int | None = None,
                  jobs: int = 1, part: str | Path | None = None,
                  extras: dict[str, Extra] | None = None) -> dict[str, int]:
    """Convert every item of `media` with `convert(file) -> array` into the store at `out`.

    With `job` given, write only that job's shards (of `jobs`) and record them in `part`
    for `finish_prepared`; otherwise write them all and finish. A media absent from the
    index gives a folder whose meta.json says so, so that the pipeline's outputs are the
    same whatever media a dataset has."""
    extras = extras or {}
    out = Path(out)
    tables = _tables(index, media)
    plans = plan_shards({s: len(t) for s, t in tables.items()}, settings.shard_items)
    chosen = plans if job is None else job_shards(plans, job, jobs)
    start(out)
    tasks = [_task(index, media, tables[p.split], p, convert, extras, settings, out) for p in chosen]
    records = _write_all(tasks, processes, progress, media)
    meta = _meta(media, bool(tables), info, settings, extras)
    if job is not None:
        if part is None:
            raise PreparationError("a shard job needs --part, the file that records its shards")
        write_json(part, {"meta": meta, "job": job, "jobs": jobs, "records": records})
        return {}
    finish(out, meta, tables, plans, records)
    return {s: len(t) for s, t in tables.items()}


def finish_prepared(index: Index, media: str, out: str | Path, parts: list[str | Path], info: dict[str, Any],
                    settings: StoreSettings, extras: dict[str, Extra] | None = None) -> dict[str, int]:
    """After the shard jobs: check their part files form one complete run, write the tables and meta.json."""
    extras = extras or {}
    tables = _tables(index, media)
    meta = _meta(media, bool(tables), info, settings, extras)
    loaded = [(Path(p), read_json(p)) for p in parts]
    if not loaded:
        raise PreparationError("no shard part files to finish from")
    jobs = loaded[0][1]["jobs"]
    if sorted(p["job"] for _, p in loaded) != list(range(jobs)) or any(p["jobs"] != jobs for _, p in loaded):
        raise PreparationError(f"part files {[str(f) for f, _ in loaded]} are not the complete set of jobs "
                               f"0..{jobs - 1}")
    for path, part in loaded:
        if part["meta"] != meta:
            raise PreparationError(f"{path}: written with other settings ({part['meta']}) than these ({meta}): "
                                   "shard jobs of different runs; run preparation again")
    plans = plan_shards({s: len(t) for s, t in tables.items()}, settings.shard_items)
    finish(out, meta, tables, plans, [r for _, part in loaded for r in part["records"]])
    return {s: len(t) for s, t in tables.items()}


def is_present(folder: str | Path) -> bool:
    return bool(read_json(Path(folder) / "meta.json")["present"])


def load_split(folder: str | Path, split: str, decoder: str | None = None) -> PreparedSplit:
    """A split of a prepared store; its `data` decodes items on access."""
    folder = Path(folder)
    meta = read_meta(folder)
    if not meta["present"]:
        raise FileNotFoundError(f"{folder}: media {meta['media']} is absent from this dataset")
    table = pd.read_csv(folder / f"{split}.csv", dtype={"id": str})
    kwargs = {} if decoder is None else {"decoder": decoder}
    data = ItemSource(folder, split, meta["splits"][split], **kwargs)
    return PreparedSplit(meta["media"], split, data, table["id"].tolist(), table["label"].to_numpy(np.int64))


def has_extra(folder: str | Path, name: str) -> bool:
    """Whether a complete store of a present media keeps the side array `name` (video: `preview`)."""
    folder = Path(folder)
    if not (folder / "meta.json").is_file():
        return False
    meta = read_meta(folder)
    return bool(meta["present"]) and name in meta["extras"]


def load_extra(folder: str | Path, split: str, name: str) -> ItemSource:
    """A side array (e.g. `preview`), decoded on access, one row per item of the split."""
    folder = Path(folder)
    return ItemSource(folder, split, read_meta(folder)["splits"][split], extra=name)


__all__ = ["PreparedSplit", "StoreError", "StoreSettings", "finish_prepared", "is_present", "has_extra",
           "load_extra", "load_split", "prepare_media", "resolve_processes"]
