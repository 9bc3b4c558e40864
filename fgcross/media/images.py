"""Images: decode once, fit into a square (centre crop, letterbox or squash), store uint8 RGB."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

FITS = ("crop", "letterbox", "squash")


def _resize(img: np.ndarray, width: int, height: int) -> np.ndarray:
    shrinking = width * height < img.shape[0] * img.shape[1]
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def resize_square(img: np.ndarray, size: int) -> np.ndarray:
    """Resize so the shorter side is `size`, then centre-crop `size` x `size` (the paper's way)."""
    h, w = img.shape[:2]
    scale = size / min(h, w)
    nh, nw = max(size, round(h * scale)), max(size, round(w * scale))
    img = _resize(img, nw, nh)
    top, left = (nh - size) // 2, (nw - size) // 2
    return np.ascontiguousarray(img[top:top + size, left:left + size])


def letterbox_square(img: np.ndarray, size: int) -> np.ndarray:
    """Resize so the longer side is `size` and centre it on black: nothing is cut off."""
    h, w = img.shape[:2]
    scale = size / max(h, w)
    nh, nw = min(size, max(1, round(h * scale))), min(size, max(1, round(w * scale)))
    out = np.zeros((size, size, img.shape[2]), dtype=img.dtype)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top:top + nh, left:left + nw] = _resize(img, nw, nh)
    return out


def squash_square(img: np.ndarray, size: int) -> np.ndarray:
    """Resize to `size` x `size` whatever the aspect ratio: the official code's `Resize((512, 512))`.

    The bird keeps all of its pixels but is stretched; training then crops `model.input_size`
    from the centre, as the official code's CenterCrop(448) does at train and test time."""
    return np.ascontiguousarray(_resize(img, size, size))


def fit_square(img: np.ndarray, size: int, fit: str = "crop") -> np.ndarray:
    """`size` x `size` by centre crop (`crop`), letterbox (`letterbox`) or squash (`squash`)."""
    if fit == "crop":
        return resize_square(img, size)
    if fit == "letterbox":
        return letterbox_square(img, size)
    if fit == "squash":
        return squash_square(img, size)
    raise ValueError(f"unknown fit {fit!r}: expected one of {FITS}")


def read_rgb(path: str | Path) -> np.ndarray:
    """Decode an image file as uint8 RGB [H, W, 3]; raise ValueError naming the file."""
    data = np.fromfile(str(path), dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if img is None:
        raise ValueError(f"{path}: not a decodable image")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def load_image(path: str | Path, size: int, fit: str = "crop") -> np.ndarray:
    """uint8 RGB [size, size, 3]."""
    return fit_square(read_rgb(path), size, fit)
