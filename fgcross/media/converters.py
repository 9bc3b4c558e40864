"""From a preparation section of params.yaml to the function that prepares one file.

One place decides how a media file becomes an array, so that the pipeline's stages, the
tests and search (which must prepare a query exactly as the model's training data was)
all agree. Converters are functools.partial objects of module-level functions: they
pickle, so worker processes can run them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from fgcross.media.audio import load_spectrogram
from fgcross.media.glyph import load_text_glyphs
from fgcross.media.images import load_image
from fgcross.media.text import load_text_codes
from fgcross.media.video import preview_strip, sample_frames

Converter = Callable[[Path], np.ndarray]


@dataclass(frozen=True)
class PreparationStage:
    stage: str  # the pipeline stage (steps.<stage>)
    media: str  # the media it prepares
    section: str  # its params.yaml section


STAGES = {s.stage: s for s in (
    PreparationStage("images", "image", "images"),
    PreparationStage("frames", "video", "frames"),
    PreparationStage("spectrograms", "audio", "spectrogram"),
    PreparationStage("text", "text", "text"),
)}
BY_MEDIA = {s.media: s for s in STAGES.values()}


def converter(media: str, s: dict[str, Any]) -> Converter:
    """The converter of `media` configured by its params section `s`."""
    if media == "image":
        return partial(load_image, size=s["size"], fit=s.get("fit", "crop"))
    if media == "video":
        return partial(sample_frames, n=s["per_video"], size=s["size"], fit=s.get("fit", "crop"))
    if media == "audio":
        return partial(load_spectrogram, sample_rate=s.get("sample_rate"), n_fft=s["n_fft"],
                       hop_length=s["hop_length"], top_db=s["top_db"], size=s["size"], kind=s.get("kind", "stft"),
                       n_mels=s.get("n_mels", 128), window_seconds=s.get("window_seconds"),
                       render=s.get("render", "grey"), colormap=s.get("colormap", "magma"))
    if media == "text":
        encoder = s.get("encoder", "charcnn")
        if encoder == "charcnn":
            return partial(load_text_codes, length=s["length"])
        if encoder == "glyph":
            return partial(load_text_glyphs, size=s["size"], min_font=s.get("min_font", 6))
        raise ValueError(f"unknown text encoder {encoder!r}: expected charcnn or glyph")
    raise ValueError(f"unknown media {media!r}")


def extras(media: str) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Side arrays kept per item: a preview strip of each video's frames."""
    return {"preview": preview_strip} if media == "video" else {}
