"""Text as character codes for the paper's char-CNN branch.

Two vocabularies (`text.vocabulary`), both with code 0 as padding and unknown characters,
so codes fit Embedding(70, d):
- `paper`: the char-CNN's 69 characters (lower-case letters, digits, punctuation and the
  space); the text is lower-cased first.
- `official`: the 68 characters of the official dataset.py (the same list without the
  space) and no lower-casing, so capitals and spaces are dropped. The first 68 codes are
  the same in both.
Text is cut or zero-padded to a fixed length.

`text.lines: last` keeps only a file's last line: the official loader overwrites its text
with every line it reads, an accumulation bug we offer (off by default) to reproduce it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

VOCABULARY = "abcdefghijklmnopqrstuvwxyz0123456789,;.!?:'\"/\\|_@#$%^&*~`+-=<>()[]{} "
assert len(VOCABULARY) == 69
OFFICIAL_VOCABULARY = VOCABULARY[:-1]  # dataset.py: the same characters in the same order, no space
CODES = {c: i + 1 for i, c in enumerate(VOCABULARY)}
OFFICIAL_CODES = {c: i + 1 for i, c in enumerate(OFFICIAL_VOCABULARY)}
VOCAB_SIZE = len(VOCABULARY) + 1  # + padding/unknown
VOCABULARIES = ("paper", "official")
LINES = ("all", "last")


def encode(text: str, length: int, vocabulary: str = "paper") -> np.ndarray:
    """uint8 [length] codes of the text (lower-cased for `paper`), cut or zero-padded.

    `official` drops every character outside its vocabulary before cutting, as dataset.py
    does; `paper` keeps them as code 0."""
    if vocabulary == "paper":
        codes = [CODES.get(c, 0) for c in text.lower()[:length]]
    elif vocabulary == "official":
        codes = [OFFICIAL_CODES[c] for c in text if c in OFFICIAL_CODES][:length]
    else:
        raise ValueError(f"unknown vocabulary {vocabulary!r}: expected one of {VOCABULARIES}")
    out = np.zeros(length, dtype=np.uint8)
    out[: len(codes)] = codes
    return out


def read_text(path: str | Path) -> str:
    """The whole file as one item; raise ValueError for non-UTF-8 or empty text."""
    text = _decode(path)
    if not text.strip():
        raise ValueError(f"{path}: empty text")
    return " ".join(text.split())


def last_line(path: str | Path) -> str:
    """The file's last line, as the official loader's `for line in open(path): text = line...` leaves it.

    An empty last line gives an empty text (all padding), as it does there."""
    lines = _decode(path).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the newline that ends the file does not start another line
    return " ".join(lines[-1].split())


def _decode(path: str | Path) -> str:
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err


def load_text_codes(path: str | Path, length: int, vocabulary: str = "paper", lines: str = "all") -> np.ndarray:
    if lines not in LINES:
        raise ValueError(f"unknown text.lines {lines!r}: expected one of {LINES}")
    text = read_text(path) if lines == "all" else last_line(path)
    return encode(text, length, vocabulary)
