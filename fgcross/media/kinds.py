"""Which file holds which media: the one table of file extensions of the package.

The index stage accepts a listed file by it (fgcross.data.manifest), the probes and the
converters tell a picture from a sound or a movie by it (an audio entry may be an already
rendered spectrogram picture; a video may be a folder of frame pictures), and search tells
what an uploaded query is by it. One table, so that a file the pipeline prepares is also
a file search takes as a query, and the other way round.
"""

from __future__ import annotations

from pathlib import Path

IMAGE_EXTENSIONS: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".bmp")
SOUND_EXTENSIONS: tuple[str, ...] = (".wav", ".flac", ".ogg", ".mp3")
VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".avi", ".mkv", ".webm", ".mov")
TEXT_EXTENSIONS: tuple[str, ...] = (".txt",)
FRAME_FOLDER = ""
"""The "extension" of a video given as a folder of frame pictures (one folder = one video)."""

EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image": IMAGE_EXTENSIONS,
    "text": TEXT_EXTENSIONS,
    "audio": SOUND_EXTENSIONS + IMAGE_EXTENSIONS,  # a picture: an already rendered spectrogram
    "video": VIDEO_EXTENSIONS + (FRAME_FOLDER,),
}
"""What a dataset list may name for each media (lower-case suffixes)."""

QUERY_MEDIA: dict[str, str] = {
    extension: media
    for media, extensions in (("image", IMAGE_EXTENSIONS), ("video", VIDEO_EXTENSIONS), ("audio", SOUND_EXTENSIONS),
                              ("text", TEXT_EXTENSIONS))
    for extension in extensions
}
"""The media of an uploaded query file by its suffix. A picture is an image query: a rendered
spectrogram cannot be told from a photograph by its name, and a folder is not an upload."""


def is_picture(path: str | Path) -> bool:
    """Whether a file is a picture by its suffix (any case): a photograph, a video frame, or
    an audio entry that is an already rendered spectrogram."""
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS
