"""Video frames: N frames sampled uniformly over the video's duration, with OpenCV.

Frame i of N is the one at the centre of the i-th of N equal time segments. Where the
container reports a frame count we seek to each chosen frame instead of decoding them
all; a video with fewer frames than N repeats frames (uniform over what exists). A folder
of frame images (the official release's form) is read the same way.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from fgcross.data.layout import IMAGE_EXTENSIONS
from fgcross.media.images import read_rgb, resize_square

log = logging.getLogger(__name__)


def _warn_short(path: Path, total: int, n: int) -> None:
    if total < n:
        log.warning("%s: %d frame(s), fewer than the %d requested; frames repeat", path, total, n)


def uniform_indices(total: int, n: int) -> np.ndarray:
    """Indices of n frames at the centres of n equal segments of `total` frames."""
    if total <= 0:
        raise ValueError("video has no frames")
    return np.minimum(((np.arange(n) + 0.5) * total / n).astype(np.int64), total - 1)


def _frames_from_folder(folder: Path, n: int) -> list[np.ndarray]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
    _warn_short(folder, len(files), n)
    return [read_rgb(files[i]) for i in uniform_indices(len(files), n)]


def _frames_from_file(path: Path, n: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise ValueError(f"{path}: OpenCV cannot open this video")
    try:
        total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        _warn_short(path, total, n)
        frames: list[np.ndarray] = []
        if total > 0:
            for i in uniform_indices(total, n):
                cap.set(cv2.CAP_PROP_POS_FRAMES, int(i))
                ok, frame = cap.read()
                if not ok:  # unreliable count or seek: fall back to decoding everything
                    frames = []
                    break
                frames.append(frame)
        if not frames:
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            every = []
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                every.append(frame)
            if not every:
                raise ValueError(f"{path}: no decodable frame")
            frames = [every[i] for i in uniform_indices(len(every), n)]
        return [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in frames]
    finally:
        cap.release()


def sample_frames(path: str | Path, n: int, size: int) -> np.ndarray:
    """uint8 RGB [n, size, size, 3] from a video file or a folder of frames."""
    path = Path(path)
    frames = _frames_from_folder(path, n) if path.is_dir() else _frames_from_file(path, n)
    return np.stack([resize_square(f, size) for f in frames])
