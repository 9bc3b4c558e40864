"""Video frames: N frames sampled uniformly over the video's duration, with OpenCV.

Sample i of N is the frame on screen at t_i = (i + 0.5) * D / N, the centre of the i-th
of N equal time segments of the duration D. How the frames are found:

- Constant frame rate (the usual case): the frame index is t_i * fps, and we seek to it
  (or step forward with `grab`, which skips colour conversion, when it is only a few
  frames ahead) instead of decoding every frame. Each frame's timestamp is checked
  against its index.
- Variable frame rate, or a container whose frame count or seeking cannot be trusted:
  the timestamps disagree with the indices, and we decode the video once, front to back,
  keeping the frame on screen at each t_i.
- Rotation metadata (phone videos) is applied, so frames are upright.
- Fewer frames than N: frames repeat (uniform over what exists), with a warning.

A folder of frame images (the official release's form) is sampled the same way by index.
Frames are then fitted into a square: resize and centre crop (the paper) or letterbox.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from fgcross.media.images import fit_square, read_rgb
from fgcross.media.kinds import is_picture

log = logging.getLogger(__name__)
SKIP_AHEAD = 16  # a target at most this many frames ahead is reached by grabbing, not seeking


def _warn_short(path: Path, total: int, n: int) -> None:
    if total < n:
        log.warning("%s: %d frame(s), fewer than the %d requested; frames repeat", path, total, n)


def uniform_indices(total: int, n: int) -> np.ndarray:
    """Indices of n frames at the centres of n equal segments of `total` frames."""
    if total <= 0:
        raise ValueError("video has no frames")
    return np.minimum(((np.arange(n) + 0.5) * total / n).astype(np.int64), total - 1)


def segment_centres(duration: float, n: int) -> np.ndarray:
    """The n target times (seconds) at the centres of n equal segments of `duration`."""
    return (np.arange(n) + 0.5) * duration / n


def _frames_from_folder(folder: Path, n: int) -> list[np.ndarray]:
    files = sorted(p for p in folder.iterdir() if is_picture(p))
    if not files:
        raise ValueError(f"{folder}: no frame images in this folder")
    _warn_short(folder, len(files), n)
    return [read_rgb(files[i]) for i in uniform_indices(len(files), n)]


def _seek_frames(cap: cv2.VideoCapture, indices: np.ndarray, fps: float) -> list[np.ndarray] | None:
    """The frames at `indices` by seeking; None when a read fails or a timestamp disagrees
    with its index by more than half a frame (variable frame rate, unreliable container)."""
    tolerance_ms = 500.0 / fps + 1.0
    frames: dict[int, np.ndarray] = {}
    position = 0  # index of the next frame a read returns
    for index in sorted(set(indices.tolist())):
        ahead = index - position
        if 0 <= ahead <= SKIP_AHEAD:
            for _ in range(ahead):
                if not cap.grab():
                    return None
        else:
            cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, frame = cap.read()
        if not ok or abs(cap.get(cv2.CAP_PROP_POS_MSEC) - index * 1000.0 / fps) > tolerance_ms:
            return None
        frames[index] = frame
        position = index + 1
    return [frames[i] for i in indices.tolist()]


def _scan_frames(cap: cv2.VideoCapture, path: Path, n: int, duration: float | None) -> list[np.ndarray]:
    """Decode front to back; keep the frame on screen at each target time."""
    cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
    if duration is None:  # unknown length: keep everything, then choose
        every = []
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            every.append(frame)
        if not every:
            raise ValueError(f"{path}: no decodable frame")
        _warn_short(path, len(every), n)
        return [every[i] for i in uniform_indices(len(every), n)]
    targets_ms = segment_centres(duration, n) * 1000.0
    chosen: list[np.ndarray] = []
    previous = None
    while len(chosen) < n:
        ok, frame = cap.read()
        if not ok:
            break
        stamp = cap.get(cv2.CAP_PROP_POS_MSEC)
        while previous is not None and len(chosen) < n and stamp > targets_ms[len(chosen)]:
            chosen.append(previous)  # the previous frame was on screen at this target
        previous = frame
    if previous is None:
        raise ValueError(f"{path}: no decodable frame")
    chosen.extend([previous] * (n - len(chosen)))  # targets after the last frame's start
    return chosen


def _frames_from_file(path: Path, n: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise ValueError(f"{path}: OpenCV cannot open this video")
    try:
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)  # apply rotation metadata
        total, fps = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), cap.get(cv2.CAP_PROP_FPS)
        known = total > 0 and fps > 0
        frames = None
        if known:
            _warn_short(path, total, n)
            frames = _seek_frames(cap, uniform_indices(total, n), fps)
            if frames is None:
                log.debug("%s: timestamps do not follow the frame rate; scanning", path)
        if frames is None:
            frames = _scan_frames(cap, path, n, total / fps if known else None)
        return [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in frames]
    finally:
        cap.release()


def sample_frames(path: str | Path, n: int, size: int, fit: str = "crop") -> np.ndarray:
    """uint8 RGB [n, size, size, 3] from a video file or a folder of frames."""
    path = Path(path)
    frames = _frames_from_folder(path, n) if path.is_dir() else _frames_from_file(path, n)
    return np.stack([fit_square(f, size, fit) for f in frames])


def preview_strip(frames: np.ndarray, height: int = 48, max_frames: int = 8) -> np.ndarray:
    """uint8 [height, height * k, 3]: up to `max_frames` of the sampled frames side by side,
    small, for reports and search results."""
    chosen = frames[uniform_indices(len(frames), min(max_frames, len(frames)))]
    return np.concatenate([cv2.resize(f, (height, height), interpolation=cv2.INTER_AREA) for f in chosen], axis=1)
