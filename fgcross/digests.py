"""Digests that name what a trained model was made of: its params and its prepared data.

MLflow finds the pipeline run through them (fgcross.tracking): a later stage computes the
same digests from params.yaml and the prepared media, so no run id has to be written into
a tracked output. They live below training and tracking and import neither torch nor a
media library.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from fgcross.config import params_digest
from fgcross.media.stages import SECTIONS as PREPARATION_SECTIONS
from fgcross.params import Params, without_neutral

TRAINING_SECTIONS = ("data", "model", "train", "loss", *PREPARATION_SECTIONS)
"""The params sections that shape a trained model (and so its digest)."""

_EDGE = 1 << 20  # bytes hashed at each end of a large array


def training_digest(params: Params) -> str:
    """A hash of every params section that shapes a trained model (and nothing else)."""
    plain = params.as_dict()
    chosen = {name: plain[name] for name in TRAINING_SECTIONS}
    return params_digest({name: without_neutral(name, section) for name, section in chosen.items()})


def _file_digest(path: Path, sha: hashlib._Hash) -> None:
    """Small files whole; an array by its size and its first and last MiB; a store's tar shard by
    its name and size alone, since meta.json (hashed whole) holds every shard's sha256. PKU
    FG-XMedia's prepared video is tens of GB, read here not at all."""
    size = path.stat().st_size
    sha.update(f"{path.name}\0{size}\0".encode())
    if path.suffix == ".tar":
        return
    with open(path, "rb") as handle:
        if path.suffix != ".npy" or size <= 2 * _EDGE:
            sha.update(handle.read())
            return
        sha.update(handle.read(_EDGE))
        handle.seek(size - _EDGE)
        sha.update(handle.read(_EDGE))


def data_digest(media_dir: str | Path, media: list[str] | None = None) -> str:
    """A hash of the prepared media folders (build/media/<media>/): every meta.json (with its shards'
    sha256) and id list whole, every array by its size and both ends. The same prepared data gives the
    same digest on any machine, whichever runner wrote it: hidden files are left out, as .dvcignore
    leaves out Snakemake's `.snakemake_timestamp` marker in every folder it made."""
    sha = hashlib.sha256()
    root = Path(media_dir)
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and (media is None or p.name in media)):
        sha.update(f"{folder.name}/".encode())
        for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
            _file_digest(path, sha)
    return sha.hexdigest()[:16]
