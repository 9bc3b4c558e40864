"""Prepared media (build/media/<media>/): compact arrays the training loader reads directly.

    meta.json        media, present, shape and dtype per split, how it was made
    <split>.npy      uint8 [N, ...] arrays (images, frames, spectrograms) or uint8 char codes
    <split>.csv      id, label: one row per array row

Arrays open memory-mapped, so loading never decodes a file during training.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from fgcross.data.index_files import Index
from fgcross.data.layout import SPLITS
from fgcross.io import atomic_dir, read_json, write_json


class PreparationError(RuntimeError):
    """A media file could not be prepared; the message names the file and its list entry."""


@dataclass(frozen=True)
class PreparedSplit:
    media: str
    split: str
    data: np.ndarray  # memory-mapped
    ids: list[str]
    labels: np.ndarray  # int64


def prepare_media(index: Index, media: str, out: str | Path, convert: Callable[[Path], np.ndarray],
                  info: dict[str, Any], progress: bool = True) -> dict[str, int]:
    """Convert every item of `media` with `convert(file) -> array` and write the folder.

    A media absent from the index gives a folder with meta.json saying so, so that the
    pipeline's outputs are the same whatever media a dataset has.
    """
    counts: dict[str, int] = {}
    with atomic_dir(out) as tmp:
        present = media in index.media
        meta: dict[str, Any] = {"media": media, "present": present, "info": info, "splits": {}}
        if present:
            for split in SPLITS:
                rows = index.items(media, split)
                arrays = []
                for rel in tqdm(rows["path"], desc=f"{media}/{split}", unit="item", disable=not progress):
                    file = index.root / rel
                    try:
                        arrays.append(convert(file))
                    except Exception as err:  # decoding libraries raise many types
                        raise PreparationError(f"{file}: cannot prepare {media} item {rel!r}: {err}") from err
                data = np.stack(arrays) if arrays else np.zeros((0,), np.uint8)
                np.save(tmp / f"{split}.npy", data)
                rows[["id", "label"]].to_csv(tmp / f"{split}.csv", index=False)
                meta["splits"][split] = {"count": len(rows), "shape": list(data.shape), "dtype": str(data.dtype)}
                counts[split] = len(rows)
        write_json(tmp / "meta.json", meta)
    return counts


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
