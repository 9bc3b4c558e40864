"""What a person sees and hears of an item: thumbnails, frame strips and spectrogram pictures
as PNG, the start of a recording as a WAV clip, the start of a text, and the HTML that shows
them with every dataset string escaped.

The reports (fgcross.reports.items) and search (the index it writes, the result pages it
serves) both show items through these functions, so an item looks the same in both, and
dataset text (class names, ids, a text item holding `<script>`) is escaped in one place:
it is shown, never run. Everything is embeddable as a data URI, so a page needs no network
and no file beside it.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np

from fgcross.media.kinds import is_picture

THUMBNAIL = 128  # longest side of an embedded picture, in pixels: small pages, sharp enough to judge a bird
SNIPPET = 300  # characters of a text item shown (and kept in the search index)
SHOWN_SPECTROGRAM = {"sample_rate": 22050, "n_fft": 512, "hop_length": 128, "top_db": 80.0, "kind": "mel",
                     "render": "colormap"}
"""How a recording is drawn when the store keeps a vector for it (BirdNET) rather than its picture:
a mel spectrogram in specshow's colours, for the eye only (the model never sees it)."""


def png_bytes(pixels: np.ndarray, max_side: int = THUMBNAIL * 4) -> bytes:
    """uint8 RGB [H, W, 3] (or frames [F, H, W, 3], joined side by side) as PNG bytes, shrunk
    so that its height stays within THUMBNAIL and its width within max_side."""
    import cv2

    if pixels.ndim == 4:
        pixels = np.concatenate(list(pixels), axis=1)
    pixels = np.ascontiguousarray(pixels)
    scale = min(1.0, THUMBNAIL / pixels.shape[0], max_side / pixels.shape[1])
    if scale < 1.0:
        size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("could not encode a picture as PNG")
    return buf.tobytes()


def shown_pixels(stored: np.ndarray, path: str | Path) -> np.ndarray:
    """The picture shown for an item: what the store holds, or, for an item the store keeps as
    a vector (a BirdNET embedding of a recording), the recording's spectrogram drawn from its file."""
    stored = np.asarray(stored)
    if stored.dtype == np.uint8 and stored.ndim in (3, 4):
        return stored
    from fgcross.media.audio import load_spectrogram

    return load_spectrogram(path, size=THUMBNAIL, **SHOWN_SPECTROGRAM)


def wav_bytes(path: str | Path, seconds: float = 3.0, sample_rate: int = 11025) -> bytes | None:
    """The first `seconds` of a recording as 16-bit mono WAV bytes; None for an entry that is
    a picture (a pre-rendered spectrogram has no sound to play)."""
    import librosa
    import soundfile

    if is_picture(path):
        return None
    wave, rate = librosa.load(str(path), sr=sample_rate, mono=True, duration=seconds)
    buf = io.BytesIO()
    soundfile.write(buf, wave, rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def read_item_text(path: str | Path) -> str:
    """A text item as shown: the whole file, undecodable bytes replaced rather than fatal."""
    return Path(path).read_text(encoding="utf-8", errors="replace")


def data_uri(blob: bytes, mime: str) -> str:
    """`blob` as an embeddable data URI of type `mime` ("image/png", "audio/wav")."""
    return f"data:{mime};base64," + base64.b64encode(blob).decode()


def png_data_uri(pixels: np.ndarray, max_side: int = THUMBNAIL * 4) -> str:
    """png_bytes as an embeddable data URI."""
    return data_uri(png_bytes(pixels, max_side), "image/png")


def wav_data_uri(path: str | Path, seconds: float = 3.0, sample_rate: int = 11025) -> str | None:
    """wav_bytes as an embeddable data URI (None for a picture entry)."""
    sound = wav_bytes(path, seconds, sample_rate)
    return None if sound is None else data_uri(sound, "audio/wav")


def text_html(text: str, limit: int = SNIPPET) -> str:
    """The first `limit` characters of a text item, escaped; an ellipsis marks a cut."""
    return f'<div class="txt">{html.escape(text[:limit])}{"…" if len(text) > limit else ""}</div>'


def picture_html(src: str, alt: str, title: str | None = None) -> str:
    """An <img> of a data URI; `alt` (and the hover `title`) escaped."""
    shown = f' title="{html.escape(title)}"' if title is not None else ""
    return f'<img src="{html.escape(src)}" alt="{html.escape(alt)}"{shown}>'


def sound_html(src: str) -> str:
    """An <audio> player of a data URI, loaded only when played."""
    return f'<audio controls preload="none" src="{html.escape(src)}"></audio>'
