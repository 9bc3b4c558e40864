"""An item's arrays as tar members, and back.

Which form each array takes (measured, docs/benchmarks.md):
- photos and video frames (a media kind that is `photographic`, fgcross.media.kinds): JPEG (Pillow's bundled libjpeg-turbo, `prepare.jpeg_quality`,
  4:4:4 chroma so fine colour marks keep their colour, optimised Huffman tables; the same
  bytes on any machine with the pinned Pillow), one member per frame (`f000.jpg`, ...);
- spectrograms and glyph pictures: PNG, lossless (so harmless by construction), a single
  grey channel when the three channels are equal (a grey spectrogram, a glyph);
- anything else (text character codes): a small .npy member, loaded with allow_pickle=False.

Decoding uses simplejpeg (libjpeg-turbo): on real photographs it decoded 1.2x faster than
torchvision.io.decode_jpeg, 1.4x faster than OpenCV and 1.9x faster than Pillow, with the
same pixels (benchmarks/store_speed.py). Every decoder here returns uint8 [H, W, 3] RGB.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np

from fgcross.media.kinds import is_photographic

Decoder = Callable[[bytes], np.ndarray]


def member_names(media: str, item: np.ndarray, extras: dict[str, np.ndarray]) -> list[str]:
    """The data members of an item (their extension, after the key): fixed per media and shape."""
    if is_photographic(media) and item.ndim == 4:
        names = [f"f{i:03d}.jpg" for i in range(item.shape[0])]
    elif is_photographic(media) and is_picture(item):
        names = ["jpg"]
    elif is_picture(item):
        names = ["png"]
    else:
        names = ["npy"]
    return names + [f"{name}.jpg" if is_picture(side) else f"{name}.npy" for name, side in sorted(extras.items())]


def is_picture(array: np.ndarray) -> bool:
    return array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] == 3


def encode_item(media: str, item: np.ndarray, extras: dict[str, np.ndarray], quality: int) -> list[bytes]:
    """The bytes of each member of `member_names`, in that order."""
    if is_photographic(media) and item.ndim == 4:
        parts = [encode_jpeg(frame, quality) for frame in item]
    elif is_photographic(media) and is_picture(item):
        parts = [encode_jpeg(item, quality)]
    elif is_picture(item):
        parts = [encode_png(item)]
    else:
        parts = [encode_npy(item)]
    return parts + [encode_jpeg(side, quality) if is_picture(side) else encode_npy(side)
                    for _, side in sorted(extras.items())]


def encode_jpeg(pixels: np.ndarray, quality: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buf, "JPEG", quality=quality, subsampling=0, optimize=True)
    return buf.getvalue()


def encode_png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    grey = bool((pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 0] == pixels[..., 2]).all())
    picture = Image.fromarray(np.ascontiguousarray(pixels[..., 0] if grey else pixels))
    buf = io.BytesIO()
    picture.save(buf, "PNG", compress_level=6)
    return buf.getvalue()


def encode_npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def decode_simplejpeg(data: bytes) -> np.ndarray:
    import simplejpeg

    return simplejpeg.decode_jpeg(data, colorspace="RGB")


def decode_torchvision(data: bytes) -> np.ndarray:
    import torch
    from torchvision.io import decode_jpeg

    return decode_jpeg(torch.frombuffer(bytearray(data), dtype=torch.uint8)).permute(1, 2, 0).numpy()


def decode_opencv(data: bytes) -> np.ndarray:
    import cv2

    return cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def decode_pillow(data: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


JPEG_DECODERS: dict[str, Decoder] = {"simplejpeg": decode_simplejpeg, "torchvision": decode_torchvision,
                                     "opencv": decode_opencv, "pillow": decode_pillow}
DEFAULT_DECODER = "simplejpeg"


def as_stored(media: str, item: np.ndarray, quality: int) -> np.ndarray:
    """An item as a reader of the store gets it back (a search query must look like the
    training data: photos and frames through the same JPEG round trip)."""
    if is_photographic(media) and item.ndim == 4:
        return np.stack([decode_simplejpeg(encode_jpeg(frame, quality)) for frame in item])
    if is_photographic(media) and is_picture(item):
        return decode_simplejpeg(encode_jpeg(item, quality))
    return item


def decode_member(name: str, data: bytes, jpeg: Decoder) -> np.ndarray:
    """A member's array from its bytes, chosen by its extension."""
    if name.endswith(".jpg") or name == "jpg":
        return jpeg(data)
    if name.endswith(".png") or name == "png":
        from PIL import Image

        pixels = np.asarray(Image.open(io.BytesIO(data)))
        return np.repeat(pixels[..., None], 3, axis=2) if pixels.ndim == 2 else pixels
    return np.load(io.BytesIO(data), allow_pickle=False)
