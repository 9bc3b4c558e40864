"""Text as character codes for the paper's char-CNN branch.

The paper's 69-character vocabulary (lower-case letters, digits, punctuation and the
space); code 0 is padding and unknown characters, so codes fit Embedding(70, d). Text is
lower-cased and cut or zero-padded to a fixed length.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

VOCABULARY = "abcdefghijklmnopqrstuvwxyz0123456789,;.!?:'\"/\\|_@#$%^&*~`+-=<>()[]{} "
assert len(VOCABULARY) == 69
CODES = {c: i + 1 for i, c in enumerate(VOCABULARY)}
VOCAB_SIZE = len(VOCABULARY) + 1  # + padding/unknown


def encode(text: str, length: int) -> np.ndarray:
    """uint8 [length] codes of the lower-cased text, cut or zero-padded."""
    codes = [CODES.get(c, 0) for c in text.lower()[:length]]
    out = np.zeros(length, dtype=np.uint8)
    out[: len(codes)] = codes
    return out


def read_text(path: str | Path) -> str:
    """The whole file as one item; raise ValueError for non-UTF-8 or empty text."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err
    if not text.strip():
        raise ValueError(f"{path}: empty text")
    return " ".join(text.split())


def load_text_codes(path: str | Path, length: int) -> np.ndarray:
    return encode(read_text(path), length)
