"""The media kinds: one `MediaKind` per media, the one room that holds what each media is.

Everything that differs between an image, a video, a recording and a text sits here: the
files a dataset list may name for it and the files search takes as a query, its letter in
the metric keys (`i2t`), the preparation stage (and params section) that prepares it, the
function that prepares one file, the probe that checks one file at indexing, how the store
keeps its pictures (JPEG for photographs), whether training may mirror it, whether an item
is several frames, how a person is shown it (a picture, a sound as well, or its text), and
its marker on the embedding map. Every other room asks the descriptor (`KINDS[media]`)
instead of comparing media names, so a new media kind is one entry here and its modules
(docs/extending.md).

Functions are named by dotted path ("module:function") and imported only when used, so that
naming the media imports no media library (librosa, OpenCV) and no layer above this one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

IMAGE_EXTENSIONS: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".bmp")
SOUND_EXTENSIONS: tuple[str, ...] = (".wav", ".flac", ".ogg", ".mp3")
VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".avi", ".mkv", ".webm", ".mov")
TEXT_EXTENSIONS: tuple[str, ...] = (".txt",)
FRAME_FOLDER = ""
"""The "extension" of a video given as a folder of frame pictures (one folder = one video)."""


@dataclass(frozen=True)
class MediaKind:
    name: str  # the media's name in lists, params (data.media), folders and metric tables
    letter: str  # its letter in the metric keys: i2t, a2all
    stage: str  # the preparation stage (python -m steps.<stage>) and its params section
    extensions: tuple[str, ...]  # what a dataset list may name (lower-case suffixes)
    query_extensions: tuple[str, ...]  # what search takes as an uploaded query of this media
    converter: str  # "module:function": (params section) -> (file -> array), the stage's converter
    probe: str  # "module:function": (file) -> None or what is wrong with it (the index stage)
    photographic: bool  # its pictures are photographs: JPEG in the store
    flips: bool  # training may mirror it (a mirrored spectrogram would reverse time; text has no mirror)
    frames: bool  # an item is several pictures: training draws one, export averages them, a strip shows them
    sound: bool  # a person hears it too (the reports' and search's player)
    shown_as_text: bool  # a person reads it (a snippet) rather than sees its prepared picture
    marker: str  # matplotlib marker on the embedding map

    def converter_for(self, section: Any) -> Callable[[Path], Any]:
        """The function that prepares one file, configured by the stage's typed params section."""
        return resolve(self.converter)(section)

    def probe_file(self, path: Path) -> str | None:
        return resolve(self.probe)(path)


def resolve(dotted: str) -> Callable[..., Any]:
    """The function a "module:function" path names, imported now."""
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


KINDS: dict[str, MediaKind] = {k.name: k for k in (
    MediaKind("image", "i", "images", IMAGE_EXTENSIONS, IMAGE_EXTENSIONS, "fgcross.media.converters:image_converter",
              "fgcross.data.probe:probe_image", photographic=True, flips=True, frames=False, sound=False,
              shown_as_text=False, marker="o"),
    MediaKind("text", "t", "text", TEXT_EXTENSIONS, TEXT_EXTENSIONS, "fgcross.media.converters:text_converter",
              "fgcross.data.probe:probe_text", photographic=False, flips=False, frames=False, sound=False,
              shown_as_text=True, marker="s"),
    # an audio list may name a picture: an already rendered spectrogram (the official release's form)
    MediaKind("audio", "a", "spectrogram", SOUND_EXTENSIONS + IMAGE_EXTENSIONS, SOUND_EXTENSIONS,
              "fgcross.media.converters:audio_converter", "fgcross.data.probe:probe_audio", photographic=False,
              flips=False, frames=False, sound=True, shown_as_text=False, marker="^"),
    MediaKind("video", "v", "frames", VIDEO_EXTENSIONS + (FRAME_FOLDER,), VIDEO_EXTENSIONS,
              "fgcross.media.converters:video_converter", "fgcross.data.probe:probe_video", photographic=True,
              flips=True, frames=True, sound=False, shown_as_text=False, marker="D"),
)}
"""The four media of PKU FG-XMedia, in the order used everywhere (tables, keys, batches)."""

EXTENSIONS: dict[str, tuple[str, ...]] = {k.name: k.extensions for k in KINDS.values()}
"""What a dataset list may name for each media (lower-case suffixes)."""

QUERY_MEDIA: dict[str, str] = {
    extension: kind.name
    for kind in (KINDS["image"], KINDS["video"], KINDS["audio"], KINDS["text"])
    for extension in kind.query_extensions
}
"""The media of an uploaded query file by its suffix. A picture is an image query: a rendered
spectrogram cannot be told from a photograph by its name, and a folder is not an upload."""


def is_picture(path: str | Path) -> bool:
    """Whether a file is a picture by its suffix (any case): a photograph, a video frame, or
    an audio entry that is an already rendered spectrogram."""
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def is_photographic(media: str) -> bool:
    """Whether the store keeps `media`'s pictures as JPEG (a name it does not know: no)."""
    return media in KINDS and KINDS[media].photographic
