"""What makes a folder of shards a store: meta.json, the per-split tables, and their checks.

    meta.json               written last: media, present, how it was made, per split the count,
                            the items' shape and dtype, the member names and every shard's name,
                            item count, size and sha256; `store` says the format and its settings
    <split>.csv             id, label: one row per item, in the index's order
    <split>.members.npy     int64 [N, members, 3]: each data member's offset, length and crc32
    <split>.wids.json       the wids shard index (webdataset's indexed datasets read it as is)
    <split>-NNNNNN.tar      the shards

A folder without meta.json, or whose meta.json has no `store`, is not a complete store:
preparation removes meta.json before it writes any shard and writes it after all of them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fgcross.data.store.plan import ShardPlan
from fgcross.errors import PreparationError
from fgcross.io import read_json, remove_leftovers, save_npy, write_json

FORMAT = {"format": "webdataset", "version": 1}
META = "meta.json"


class StoreError(PreparationError):
    """A prepared folder that cannot be read as a store: old format, missing or damaged shard."""


def start(folder: str | Path) -> None:
    """Before any shard is written: a store being prepared is never taken as complete."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / META).unlink(missing_ok=True)


def finish(folder: str | Path, meta: dict[str, Any], tables: dict[str, pd.DataFrame],
           plans: list[ShardPlan], records: list[dict[str, Any]]) -> None:
    """Write the per-split tables, remove what no shard of this plan is, and write meta.json last."""
    folder = Path(folder)
    by_name = {r["name"]: r for r in records}
    missing = [p.name for p in plans if p.name not in by_name]
    if missing:
        raise StoreError(f"{folder}: shards {missing[:5]} were not written (run the missing shard jobs)")
    for plan in plans:
        _check_file(folder, by_name[plan.name])
    meta = {**meta, "store": {**meta.get("store", {}), **FORMAT}, "splits": {}}
    for split, table in tables.items():
        chosen = [by_name[p.name] for p in plans if p.split == split]
        meta["splits"][split] = _split_meta(folder, split, table, chosen)
    keep = {p.name for p in plans} | {f"{s}.{ext}" for s in tables for ext in ("csv", "members.npy", "wids.json")}
    for entry in folder.iterdir():
        if entry.name not in keep and entry.name != META and entry.is_file():
            entry.unlink()  # a shard of an earlier, larger plan; a table of a removed split
    remove_leftovers(folder / META)
    write_json(folder / META, meta)


def _split_meta(folder: Path, split: str, table: pd.DataFrame, records: list[dict[str, Any]]) -> dict[str, Any]:
    table[["id", "label"]].to_csv(folder / f"{split}.csv", index=False)
    write_json(folder / f"{split}.wids.json", {"__kind__": "wids-shard-index-v1", "wids_version": 1,
                                              "name": split, "shardlist": [{"url": r["name"], "nsamples": r["count"]}
                                                                           for r in records]})
    if not records:
        save_npy(folder / f"{split}.members.npy", np.zeros((0, 0, 3), np.int64))
        return {"count": 0, "shape": [0], "dtype": "uint8", "members": [], "extras": {}, "shards": []}
    first = records[0]
    for record in records[1:]:
        for key in ("shape", "dtype", "extras", "members"):
            if record[key] != first[key]:
                raise StoreError(f"{folder / record['name']}: items prepared as {key} {record[key]}, those of "
                                 f"{first['name']} as {first[key]}")
    save_npy(folder / f"{split}.members.npy", np.concatenate([np.asarray(r["offsets"], np.int64).reshape(
        r["count"], len(first["members"]), 3) for r in records]))
    count = sum(r["count"] for r in records)
    return {"count": count, "shape": [count, *first["shape"]], "dtype": first["dtype"], "members": first["members"],
            "extras": first["extras"], "shards": [{k: r[k] for k in ("name", "count", "size", "sha256")}
                                                  for r in records]}


def _check_file(folder: Path, record: dict[str, Any]) -> None:
    path = folder / record["name"]
    if not path.is_file() or path.stat().st_size != record["size"]:
        raise StoreError(f"{path}: missing or not the size its shard job recorded ({record['size']} bytes); "
                         "run preparation again")


def read_meta(folder: str | Path) -> dict[str, Any]:
    """meta.json of a complete store; a clear error for an unfinished folder or today's old format."""
    folder = Path(folder)
    if not (folder / META).is_file():
        raise StoreError(f"{folder}: no {META}, so not a complete prepared store (an interrupted preparation?); "
                         "run the preparation stage again")
    meta = read_json(folder / META)
    if meta.get("present") and "store" not in meta:
        raise StoreError(f"{folder}: prepared media in the old uint8 .npy format, which this version no longer "
                         "reads; run preparation again (snakemake or dvc repro re-run it once the code changed)")
    return meta


def check_sizes(folder: str | Path, split_meta: dict[str, Any]) -> None:
    """Every shard of a split is there at its recorded size (a truncated copy is named at once)."""
    for shard in split_meta["shards"]:
        path = Path(folder) / shard["name"]
        size = path.stat().st_size if path.is_file() else None
        if size != shard["size"]:
            raise StoreError(f"{path}: shard is {'missing' if size is None else f'{size} bytes'}, meta.json says "
                             f"{shard['size']}: truncated or replaced; run preparation again (or dvc pull)")


def verify(folder: str | Path) -> int:
    """Check every shard's sha256 against meta.json; return how many were checked."""
    folder = Path(folder)
    meta = read_meta(folder)
    checked = 0
    for split_meta in meta["splits"].values():
        check_sizes(folder, split_meta)
        for shard in split_meta["shards"]:
            sha = hashlib.sha256()
            with open(folder / shard["name"], "rb") as handle:
                for block in iter(lambda h=handle: h.read(1 << 22), b""):
                    sha.update(block)
            if sha.hexdigest() != shard["sha256"]:
                raise StoreError(f"{folder / shard['name']}: sha256 differs from meta.json: the shard is corrupt; "
                                 "run preparation again (or dvc pull)")
            checked += 1
    return checked
