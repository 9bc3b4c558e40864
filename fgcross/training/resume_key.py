"""What a resume state must match to be resumed: everything that determines the trained result.

A killed training resumes from its last epoch only when the state was made with the same
params sections that training reads (fgcross.digests.TRAINING_SECTIONS), the same data (the
index's manifest and classes), the same prepared media (fgcross.digests.data_digest) and the
same training code (the files of the packages training runs). Each part is a hash; the state
file stores them, and a state whose parts differ is discarded with a message naming the parts
that changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import fgcross
from fgcross.digests import data_digest

CODE_PACKAGES = ("training", "losses", "models", "data")
"""The subpackages of fgcross whose code decides what training computes (plus the modules below)."""
CODE_MODULES = ("params.py", "config.py", "devices.py", "__init__.py")


def files_digest(files: Iterable[Path], root: Path) -> str:
    """sha256 over each file's path (relative to `root`) and content, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        with open(path, "rb") as f:
            digest.update(hashlib.file_digest(f, "sha256").digest())
    return digest.hexdigest()[:16]


def code_digest() -> str:
    """The training code: every .py file of CODE_PACKAGES and CODE_MODULES."""
    root = Path(fgcross.__file__).resolve().parent
    files = [p for pkg in CODE_PACKAGES for p in (root / pkg).rglob("*.py")]
    files += [root / m for m in CODE_MODULES]
    return files_digest(files, root)


def index_digest(index_dir: str | Path) -> str:
    """The data: the index's manifest (every item, its label and path) and classes."""
    index_dir = Path(index_dir)
    return files_digest([index_dir / "manifest.csv", index_dir / "classes.csv"], index_dir)


def media_digest(media_dir: str | Path, media: list[str]) -> str:
    """The prepared media training reads: fgcross.digests.data_digest of the media present (their
    meta.json and id lists whole, each array by its size and both ends: at PKU scale the arrays are
    hundreds of GB, too much to read at every start), and the names of those media."""
    return data_digest(media_dir, media) + ":" + ",".join(media)


def resume_key(params_digest: str, index_dir: str | Path, media_dir: str | Path, media: list[str]) -> dict[str, str]:
    """The parts a resume state must match, by name (the names are what a mismatch reports)."""
    return {"params": params_digest, "data": index_digest(index_dir), "media": media_digest(media_dir, media),
            "code": code_digest()}


def mismatch(stored: dict[str, str] | None, current: dict[str, str]) -> list[str]:
    """The parts of `current` that `stored` does not match (all of them for a state without a key)."""
    if not isinstance(stored, dict):
        return list(current)
    return [name for name, value in current.items() if stored.get(name) != value]
