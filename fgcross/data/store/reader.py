"""ItemSource: a split of the store as `len()` and numpy-like row access to decoded items.

`source[i]` is item i as the uint8 (or code) array preparation made, `source[rows]` those
items stacked, `source[rows, ...]` numpy indexing after the rows, and `source[i, f]` frame f
of video i alone (the training sampler draws one
frame of a video, so it decodes one JPEG, not all of them). Each member is read with one
os.pread at the offset the members table gives, and its crc32 is checked, so a damaged
shard is named at the first bad read; shard sizes are checked on opening. File handles are
opened lazily per process and dropped on pickling, so a source goes to DataLoader workers
(fork or spawn) and each worker decodes its own items.
"""

from __future__ import annotations

import os
import re
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from fgcross.data.store.catalog import StoreError, check_sizes
from fgcross.data.store.codec import DEFAULT_DECODER, JPEG_DECODERS, decode_member


class ItemSource:
    """Items of one split: the main array (`member` None) or a side array such as `preview`."""

    def __init__(self, folder: str | Path, split: str, split_meta: dict[str, Any], extra: str | None = None,
                 decoder: str = DEFAULT_DECODER) -> None:
        if decoder not in JPEG_DECODERS:
            raise ValueError(f"unknown JPEG decoder {decoder!r}: expected one of {sorted(JPEG_DECODERS)}")
        self.folder, self.split, self.decoder = Path(folder), split, decoder
        self.count = int(split_meta["count"])
        names = list(split_meta["members"])
        if extra is None:
            self.columns = [m for m, n in enumerate(names) if re.fullmatch(r"(f\d{3}\.)?(jpg|png|npy)", n)]
            self.shape = tuple(split_meta["shape"])
        else:
            self.columns = [m for m, n in enumerate(names) if n.split(".")[0] == extra]
            if not self.columns:
                raise StoreError(f"{self.folder}: split {split} has no side array {extra!r}")
            self.shape = (self.count, *split_meta["extras"][extra])
        self.names = [names[m] for m in self.columns]
        self.dtype = np.dtype(split_meta["dtype"] if extra is None else np.uint8)
        self.shards = [s["name"] for s in split_meta["shards"]]
        self.starts = np.cumsum([0] + [s["count"] for s in split_meta["shards"]])
        self.table = np.load(self.folder / f"{split}.members.npy", mmap_mode="r", allow_pickle=False) \
            if self.count else np.zeros((0, 0, 3), np.int64)
        check_sizes(self.folder, split_meta)
        self._fds: dict[int, int] = {}
        self._pid = os.getpid()

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __len__(self) -> int:
        return self.count

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_fds": {}, "table": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._pid = os.getpid()
        self.table = np.load(self.folder / f"{self.split}.members.npy", mmap_mode="r", allow_pickle=False) \
            if self.count else np.zeros((0, 0, 3), np.int64)

    def __del__(self) -> None:
        if getattr(self, "_pid", None) == os.getpid():
            for fd in getattr(self, "_fds", {}).values():
                os.close(fd)

    def _fd(self, shard: int) -> int:
        if self._pid != os.getpid():  # a forked worker: the parent's descriptors share its file offsets
            self._fds, self._pid = {}, os.getpid()
        if shard not in self._fds:
            self._fds[shard] = os.open(self.folder / self.shards[shard], os.O_RDONLY)
        return self._fds[shard]

    def _member(self, row: int, column: int) -> np.ndarray:
        shard = int(np.searchsorted(self.starts, row, side="right")) - 1
        offset, length, crc = (int(v) for v in self.table[row, self.columns[column]])
        data = os.pread(self._fd(shard), length, offset)
        if len(data) != length or zlib.crc32(data) != crc:
            raise StoreError(f"{self.folder / self.shards[shard]}: item {row} of split {self.split} fails its "
                             "crc32 check: the shard is corrupt or truncated; run preparation again (or dvc pull)")
        return decode_member(self.names[column], data, JPEG_DECODERS[self.decoder])

    def item(self, row: int) -> np.ndarray:
        if not -self.count <= row < self.count:
            raise IndexError(f"row {row} is outside the {self.count} items of {self.folder} {self.split}")
        row %= self.count
        if not self.names[0].startswith("f"):  # one member; frames are stacked even when there is one
            return self._member(row, 0)
        return np.stack([self._member(row, c) for c in range(len(self.columns))])

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, tuple):  # (row, frame, ...): one frame of a video decoded alone; else the rows, then the rest
            row, rest = key[0], key[1:]
            if self.names[0].startswith("f") and isinstance(row, (int, np.integer)) and rest \
                    and isinstance(rest[0], (int, np.integer)):
                return self._member(int(row) % self.count, int(rest[0]))[rest[1:]]
            items = self[row]
            return items[rest] if isinstance(row, (int, np.integer)) else items[(slice(None), *rest)]
        if isinstance(key, (int, np.integer)):
            return self.item(int(key))
        rows = np.arange(self.count)[key] if isinstance(key, slice) else np.asarray(key, dtype=np.int64)
        if rows.ndim != 1:
            raise IndexError(f"rows must be one-dimensional, not of shape {rows.shape}")
        if len(rows) == 0:
            return np.zeros((0, *self.shape[1:]), self.dtype)
        return np.stack([self.item(int(r)) for r in rows])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self[slice(None)]
        return out if dtype is None else out.astype(dtype)
