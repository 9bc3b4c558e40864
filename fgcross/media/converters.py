"""From a preparation section of params.yaml to the function that prepares one file.

One place decides how a media file becomes an array, so that the pipeline's stages, the
tests and search (which must prepare a query exactly as the model's training data was)
all agree. Converters are functools.partial objects of module-level functions: they
pickle, so worker processes can run them. The table of the stages (which media each
prepares, and the params section it reads) is fgcross.media.stages, re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from fgcross.media.audio import load_spectrogram
from fgcross.media.birdnet import embed_recording
from fgcross.media.glyph import load_text_glyphs
from fgcross.media.images import load_image
from fgcross.media.kinds import KINDS
from fgcross.media.stages import BY_MEDIA, STAGES, PreparationStage
from fgcross.media.text import load_text_codes
from fgcross.media.video import preview_strip, sample_frames
from fgcross.params import FramesParams, ImagesParams, SpectrogramParams, TextParams

__all__ = ["BY_MEDIA", "STAGES", "Converter", "PreparationStage", "audio_converter", "converter", "extras",
           "image_converter", "text_converter", "video_converter"]

Converter = Callable[[Path], np.ndarray]


def image_converter(s: ImagesParams) -> Converter:
    return partial(load_image, size=s.size, fit=s.fit)


def video_converter(s: FramesParams) -> Converter:
    return partial(sample_frames, n=s.per_video, size=s.size, fit=s.fit)


def audio_converter(s: SpectrogramParams) -> Converter:
    if s.kind == "birdnet":  # a vector, not a picture: read by the model's audio encoder
        return partial(embed_recording, model=s.birdnet_model)
    return partial(load_spectrogram, sample_rate=s.sample_rate, n_fft=s.n_fft, hop_length=s.hop_length,
                   top_db=s.top_db, size=s.size, kind=s.kind, n_mels=s.n_mels, window_seconds=s.window_seconds,
                   render=s.render, colormap=s.colormap)


def text_converter(s: TextParams) -> Converter:
    if s.encoder == "charcnn":
        return partial(load_text_codes, length=s.length, vocabulary=s.vocabulary, lines=s.lines)
    if s.encoder == "glyph":
        return partial(load_text_glyphs, size=s.size, min_font=s.min_font)
    raise ValueError(f"unknown text encoder {s.encoder!r}: expected charcnn or glyph")


def converter(media: str, s: ImagesParams | FramesParams | SpectrogramParams | TextParams) -> Converter:
    """The converter of `media` configured by its (typed) params section `s` (its descriptor's)."""
    if media not in KINDS:
        raise ValueError(f"unknown media {media!r}")
    return KINDS[media].converter_for(s)


def extras(media: str) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Side arrays kept per item: a preview strip of the frames of a media whose item is frames (video)."""
    return {"preview": preview_strip} if KINDS[media].frames else {}
