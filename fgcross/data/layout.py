"""The PKU FG-XMedia dataset layout: where lists and media live, and what files each media takes.

    ROOT/classes.txt                      optional; "<label> <class dir>" per line
    ROOT/<media>/<class>/<file>           the media files
    ROOT/list/<media>/{train,test}.txt    "<path relative to ROOT> <label>" per line

Lists may live elsewhere (`data.lists`), as the official code keeps them beside the code.
"""

from __future__ import annotations

from pathlib import Path

SPLITS: tuple[str, ...] = ("train", "test")

EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image": (".jpg", ".jpeg", ".png", ".bmp"),
    "text": (".txt",),
    "audio": (".wav", ".flac", ".ogg", ".mp3", ".png", ".jpg", ".jpeg"),  # images: rendered spectrograms
    "video": (".mp4", ".avi", ".mkv", ".webm", ".mov", ""),  # "": a folder of frame images
}
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")


def list_file(lists_dir: Path, media: str, split: str) -> Path:
    return lists_dir / media / f"{split}.txt"


def lists_dir(root: Path, lists: str | None) -> Path:
    """Where the list files are: `data.lists` when given, else ROOT/list."""
    return Path(lists) if lists else root / "list"
