"""Training batches: P classes x K items of every media per step, built from prepared arrays.

Each step draws `classes_per_batch` classes and, for each media, `items_per_class` items
of each of those classes, so every batch holds all media and every class in it has at
least two items (of different media, too): the ranking loss always finds valid
quadruplets, which the official unshuffled loaders rarely give it. An epoch is one pass
over the largest media; smaller media are cycled. A step's randomness comes from
(seed, epoch, step) alone, so batches are the same with any number of loader workers and
after a resume.

`train.sampler: sequential` gives the official code's batches instead (`SequentialBatches`):
each media's items in list order, unshuffled, the same every epoch, P x K of each media per
step (the official `--batch_size`), and an epoch that ends with the shortest media, as
zipping four DataLoaders does. `train.augment: false` replaces the random crop and flip by
the centre crop the official code uses in training, and `train.text_shifts` is the set the
front shift of a training text is drawn from (official: 0, 2, 4, 6, 8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from fgcross.data.prepared import PreparedSplit
from fgcross.media.kinds import KINDS

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1) * 255
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1) * 255


@dataclass
class BatchConfig:
    classes_per_batch: int
    items_per_class: int
    input_size: int
    seed: int
    text_shifts: tuple[int, ...]  # zero codes put in front of a training text: one drawn per item
    augment: bool  # random crop and flip of images and frames; False: centre crop, no flip


def crop(pictures: np.ndarray, size: int, rng: np.random.Generator | None) -> np.ndarray:
    """Random crop (rng given) or centre crop of [N, H, W, C] pictures to size x size."""
    h, w = pictures.shape[1:3]
    if rng is None:
        top, left = (h - size) // 2, (w - size) // 2
        return pictures[:, top:top + size, left:left + size]
    out = np.empty((pictures.shape[0], size, size, pictures.shape[3]), dtype=pictures.dtype)
    for n in range(pictures.shape[0]):
        top, left = rng.integers(0, h - size + 1), rng.integers(0, w - size + 1)
        out[n] = pictures[n, top:top + size, left:left + size]
    return out


def shift_text(codes: np.ndarray, rng: np.random.Generator, shifts: tuple[int, ...]) -> np.ndarray:
    """Each row moved right by a shift drawn uniformly from `shifts`, zero codes in front.

    The draw is an index into `shifts`, so shifts 0..8 draw exactly as `integers(0, 9)` did."""
    out = np.zeros_like(codes)
    for n, row in enumerate(codes):
        s = min(int(shifts[int(rng.integers(0, len(shifts)))]), codes.shape[1])
        out[n, s:] = row[: codes.shape[1] - s]
    return out


class TrainBatches(torch.utils.data.Dataset):
    """A map-style dataset whose item `step` is a whole batch (use batch_size=None)."""

    def __init__(self, splits: dict[str, PreparedSplit], cfg: BatchConfig) -> None:
        self.splits = splits
        self.cfg = cfg
        self.epoch = 0
        self.by_class = {m: {int(c): np.flatnonzero(s.labels == c) for c in np.unique(s.labels)}
                         for m, s in splits.items()}
        common = set.intersection(*(set(v) for v in self.by_class.values()))
        self.classes = np.array(sorted(common))
        if len(self.classes) < 2:
            raise ValueError("fewer than two classes have training items in every media")
        per_step = min(cfg.classes_per_batch, len(self.classes)) * cfg.items_per_class
        self.steps = max(1, math.ceil(max(len(s.labels) for s in splits.values()) / per_step))

    def __len__(self) -> int:
        return self.steps

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __getitem__(self, step: int) -> dict[str, torch.Tensor]:
        cfg = self.cfg
        rng = np.random.default_rng([cfg.seed, self.epoch, step])
        chosen = rng.choice(self.classes, size=min(cfg.classes_per_batch, len(self.classes)), replace=False)
        batch: dict[str, torch.Tensor] = {}
        for media, split in self.splits.items():
            rows = []
            for c in chosen:
                pool = self.by_class[media][int(c)]
                rows.append(rng.choice(pool, size=cfg.items_per_class, replace=len(pool) < cfg.items_per_class))
            rows = np.concatenate(rows)
            batch[f"{media}_labels"] = torch.from_numpy(split.labels[rows])
            batch[media] = torch.from_numpy(self._inputs(media, split, rows, rng))
        return batch

    def _inputs(self, media: str, split: PreparedSplit, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        data = split.data
        if is_vectors(data):  # embeddings of a frozen encoder (BirdNET): used as they are
            return np.ascontiguousarray(np.asarray(data[rows]), dtype=np.float32)
        if is_codes(data):
            return shift_text(np.asarray(data[rows]), rng, self.cfg.text_shifts)
        if KINDS[media].frames:  # one random frame of each chosen video
            frames = rng.integers(0, data.shape[1], size=len(rows))
            pictures = np.stack([data[r, f] for r, f in zip(rows, frames, strict=True)])
        else:
            pictures = np.stack([data[r] for r in rows])
        pictures = crop(pictures, self.cfg.input_size, rng if self.cfg.augment else None)
        if KINDS[media].flips and self.cfg.augment:
            flip = rng.random(len(rows)) < 0.5
            pictures[flip] = pictures[flip, :, ::-1]
        return np.ascontiguousarray(pictures)


class SequentialBatches(TrainBatches):
    """The official code's zipped, unshuffled per-media loaders as one batch sampler.

    Step s holds items [s*B, (s+1)*B) of every media's list (B = P x K), in list order and
    the same in every epoch; the epoch ends when the shortest media runs out (its last batch
    may be short, as a DataLoader without drop_last gives it). A video still contributes one
    frame, drawn from (seed, epoch, step); text shifts and crops follow `BatchConfig`."""

    def __init__(self, splits: dict[str, PreparedSplit], cfg: BatchConfig) -> None:
        self.splits = splits
        self.cfg = cfg
        self.epoch = 0
        self.per_media = cfg.classes_per_batch * cfg.items_per_class
        self.steps = max(1, min(math.ceil(len(s.labels) / self.per_media) for s in splits.values()))

    def __getitem__(self, step: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.cfg.seed, self.epoch, step])
        batch: dict[str, torch.Tensor] = {}
        for media, split in self.splits.items():
            rows = np.arange(step * self.per_media, min((step + 1) * self.per_media, len(split.labels)))
            batch[f"{media}_labels"] = torch.from_numpy(split.labels[rows])
            batch[media] = torch.from_numpy(self._inputs(media, split, rows, rng))
        return batch


def make_batches(splits: dict[str, PreparedSplit], cfg: BatchConfig, sampler: str) -> TrainBatches:
    """The batches of `train.sampler`: `pk` (P classes x K items, shuffled) or `sequential` (official)."""
    if sampler == "pk":
        return TrainBatches(splits, cfg)
    if sampler == "sequential":
        return SequentialBatches(splits, cfg)
    raise ValueError(f"unknown sampler {sampler!r}: expected pk or sequential")


def is_codes(data: np.ndarray | torch.Tensor) -> bool:
    """Character codes [N, L] (text, charcnn) rather than pictures [N, H, W, 3] or frames [N, F, H, W, 3]."""
    return data.ndim == 2 and not is_vectors(data)


def is_vectors(data: np.ndarray | torch.Tensor) -> bool:
    """Float embeddings [N, D] (audio with `spectrogram.kind: birdnet`) rather than codes or pictures."""
    return data.ndim == 2 and data.dtype in (np.float32, np.float64, torch.float32, torch.float64)


def to_model_input(media: str, x: torch.Tensor, device: torch.device) -> torch.Tensor:
    """uint8 [N, H, W, 3] -> normalised float [N, 3, H, W] on device; text codes -> long; embeddings -> float.

    Text rendered as glyph pictures is a picture like the others."""
    if is_vectors(x):
        return x.to(device=device, dtype=torch.float32, non_blocking=True)
    if is_codes(x):
        return x.to(device=device, dtype=torch.long, non_blocking=True)
    x = x.to(device, non_blocking=True).permute(0, 3, 1, 2).float()
    return ((x - MEAN.to(device)) / STD.to(device)).contiguous(memory_format=torch.channels_last)


def eval_batches(split: PreparedSplit, input_size: int, batch_size: int):
    """Yield (row indices, uint8/int batch) in order, centre-cropped; a video yields all its frames."""
    n = len(split.labels)
    for start in range(0, n, batch_size):
        rows = np.arange(start, min(start + batch_size, n))
        data = np.asarray(split.data[rows])
        if is_codes(data) or is_vectors(data):
            yield rows, torch.from_numpy(data)
            continue
        if KINDS[split.media].frames:
            data = data.reshape(-1, *data.shape[2:])
        yield rows, torch.from_numpy(np.ascontiguousarray(crop(data, input_size, None)))
