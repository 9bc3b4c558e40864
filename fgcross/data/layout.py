"""The PKU FG-XMedia dataset layout: where the lists and the media live.

    ROOT/classes.txt                      optional; "<label> <class dir>" per line
    ROOT/<media>/<class>/<file>           the media files
    ROOT/list/<media>/{train,test}.txt    "<path relative to ROOT> <label>" per line

Lists may live elsewhere (`data.lists`), as the official code keeps them beside the code.
What files each media takes is fgcross.media.kinds's table, shared with the converters and search.
"""

from __future__ import annotations

from pathlib import Path

SPLITS: tuple[str, ...] = ("train", "test")


def list_file(lists_dir: Path, media: str, split: str) -> Path:
    return lists_dir / media / f"{split}.txt"


def lists_dir(root: Path, lists: str | None) -> Path:
    """Where the list files are: `data.lists` when given, else ROOT/list."""
    return Path(lists) if lists else root / "list"
