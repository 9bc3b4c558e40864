"""Cheap content checks of listed files, so that a corrupt file fails at indexing, not mid-training.

Each probe reads as little as it can: an image's header and its last bytes (a truncated
JPEG has no end marker), a sound file's header, a video's first frame, a text's bytes.
Whole videos are never decoded. A probe returns None when the file looks usable, or one
sentence saying what is wrong with it.
"""

from __future__ import annotations

from pathlib import Path

from fgcross.media.kinds import KINDS, is_picture

JPEG_END = b"\xff\xd9"
PNG_END = b"IEND\xaeB`\x82"


def probe_image(path: Path) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            width, height = img.size
            fmt = img.format
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        return f"unreadable image ({err.__class__.__name__})"
    if width == 0 or height == 0:
        return "image of size 0"
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - 1024))
        tail = handle.read()
    if fmt == "JPEG" and JPEG_END not in tail:
        return "truncated JPEG (no end-of-image marker)"
    if fmt == "PNG" and PNG_END not in tail:
        return "truncated PNG (no IEND chunk)"
    return None


def probe_audio(path: Path) -> str | None:
    if is_picture(path):  # an already rendered spectrogram
        return probe_image(path)
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception as err:  # soundfile raises its own error types for broken headers
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]  # some decoders' errors are empty
        return f"unreadable audio ({first[:120]})"
    if info.frames == 0:
        return "zero-length audio"
    return None


def probe_video(path: Path) -> str | None:
    if path.is_dir():
        frames = [p for p in path.iterdir() if is_picture(p)]
        if not frames:
            return "frame folder holds no image"
        return probe_image(sorted(frames)[0])
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            return "OpenCV cannot open this video"
        ok, _ = cap.read()
        return None if ok else "no decodable frame"
    finally:
        cap.release()


def probe_text(path: Path) -> str | None:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"not UTF-8 text ({err.reason} at byte {err.start})"
    return "empty text" if not text.strip() else None


def probe(path: Path, media: str) -> str | None:
    """The check of `media`'s descriptor (fgcross.media.kinds) on one file."""
    return KINDS[media].probe_file(path)
