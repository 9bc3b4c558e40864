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
from fgcross.params import Params

TRAINING_SECTIONS = ("data", "model", "train", "loss", *PREPARATION_SECTIONS)
"""The params sections that shape a trained model (and so its digest)."""

# Keys added after runs were recorded (metrics/ablation.csv, resume states): at these values
# they change nothing in training, so the digest leaves them out and older records still match.
NEUTRAL_KEYS = {("model", "shared"): True, ("loss", "adversarial_weight"): 0.0, ("loss", "triplet_weight"): 0.0,
                ("loss", "cca_weight"): 0.0, ("loss", "triplet_margin"): 0.5,
                # issue 19: the official code's options, at today's behaviour
                ("model", "text_branch"): "paper", ("text", "vocabulary"): "paper", ("text", "lines"): "all",
                ("train", "sampler"): "pk", ("train", "augment"): True, ("train", "text_shifts"): list(range(9)),
                ("train", "stage2_centers"): "carry", ("loss", "center_init_std"): 0.01,
                ("train", "steps_per_epoch"): 0,
                # issue 21: the methods compared with FGCrossNet (fgcross.models.factory)
                ("model", "method"): "fgcrossnet", ("model", "method_dim"): 64, ("loss", "method_weight"): 1.0,
                # issue 20: the parts of the method beyond FGCrossNet, off
                ("model", "text_model"): "branch", ("model", "text_vocab"): 2000, ("model", "text_width"): 256,
                ("loss", "supcon_weight"): 0.0, ("loss", "supcon_temperature"): 0.1,
                ("loss", "proxy_anchor_weight"): 0.0, ("loss", "multi_similarity_weight"): 0.0,
                ("model", "common_dim"): 128, ("loss", "reconstruction_weight"): 0.0,
                ("loss", "correlation_weight"): 0.0, ("loss", "pairwise_weight"): 0.0,
                ("loss", "pairwise_margin"): 1.0, ("loss", "gan_weight"): 0.0}

_EDGE = 1 << 20  # bytes hashed at each end of a large array


def training_digest(params: Params) -> str:
    """A hash of every params section that shapes a trained model (and nothing else)."""
    plain = params.as_dict()
    chosen = {name: plain[name] for name in TRAINING_SECTIONS}
    for (section, key), neutral in NEUTRAL_KEYS.items():
        if key in chosen[section] and chosen[section][key] == neutral:
            del chosen[section][key]
    return params_digest(chosen)


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
