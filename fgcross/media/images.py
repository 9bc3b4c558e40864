"""Images: decode once, resize the shorter side, centre-crop a square, store uint8 RGB."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def resize_square(img: np.ndarray, size: int) -> np.ndarray:
    """Resize so the shorter side is `size`, then centre-crop `size` x `size`."""
    h, w = img.shape[:2]
    scale = size / min(h, w)
    nh, nw = max(size, round(h * scale)), max(size, round(w * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    img = cv2.resize(img, (nw, nh), interpolation=interp)
    top, left = (nh - size) // 2, (nw - size) // 2
    return np.ascontiguousarray(img[top:top + size, left:left + size])


def read_rgb(path: str | Path) -> np.ndarray:
    """Decode an image file as uint8 RGB [H, W, 3]; raise ValueError naming the file."""
    data = np.fromfile(str(path), dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if img is None:
        raise ValueError(f"{path}: not a decodable image")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def load_image(path: str | Path, size: int) -> np.ndarray:
    """uint8 RGB [size, size, 3]."""
    return resize_square(read_rgb(path), size)
