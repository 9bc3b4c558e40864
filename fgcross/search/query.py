"""A query, file or typed text, prepared exactly as the model's training data was and embedded.

The preparation params are the ones stored with the model (models/config.json,
"preparation"), not today's params.yaml: a query goes through the same converter
(fgcross.media.converters) with the same settings as the items the model learnt from.
Which file is which media is the table of fgcross.media.kinds, the one the dataset is
indexed with; the model is read with fgcross.models.saved, with no training code.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from fgcross.data.prepared import PreparedSplit
from fgcross.data.store.codec import as_stored
from fgcross.embeddings import embed_split, scoring_arrays
from fgcross.errors import QueryError
from fgcross.media.converters import converter
from fgcross.media.kinds import QUERY_MEDIA
from fgcross.media.stages import BY_MEDIA
from fgcross.models.saved import load_model
from fgcross.params import stored_section


def media_of(path: str | Path) -> str:
    """The media of a query file by its suffix (fgcross.media.kinds); raises QueryError."""
    media = QUERY_MEDIA.get(Path(path).suffix.lower())
    if media is None:
        known = ", ".join(sorted(QUERY_MEDIA))
        raise QueryError(f"{path}: unknown file type {Path(path).suffix or '(none)'!r}; a query is one of {known}, "
                         "or a quoted text")
    return media


def check_file(path: str | Path, max_bytes: int) -> str:
    """The media of a query file, after checking its type and size; raises QueryError."""
    path = Path(path)
    media = media_of(path)
    if not path.is_file():
        raise QueryError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise QueryError(f"{path}: empty file")
    if size > max_bytes:
        raise QueryError(f"{path}: {size / 2**20:.1f} MiB is above the size limit of {max_bytes / 2**20:.1f} MiB "
                         "(search.max_upload_mb)")
    return media


def looks_like_a_file(query: str) -> bool:
    """A query naming a file is not typed text: an existing path, a known extension, or one
    word with an extension (`photo.gif` is refused as a file type, not searched as text).
    A word with a slash and no extension that names no file (`red/brown`) is text."""
    if "\n" in query or len(query) > 4096:
        return False
    try:
        if Path(query).exists() or Path(query).suffix.lower() in QUERY_MEDIA:
            return True
    except OSError:  # a name too long for the file system is text
        return False
    one_word = query.strip() and not any(c.isspace() for c in query.strip())
    return bool(one_word and Path(query.strip()).suffix)


@dataclass(frozen=True)
class EncodedQuery:
    """A query as the index ranks it: its media, its feature vector, and what the model's pairwise
    scorer reads of it (empty for FGCrossNet, ranked by the inner product of the vectors)."""

    media: str
    vector: np.ndarray
    items: dict[str, np.ndarray] = field(default_factory=dict)


class QueryEncoder:
    """The trained model and its preparation params: a query file in, a feature vector out."""

    def __init__(self, model_dir: str | Path, device: str = "cpu") -> None:
        self.device = torch.device(device)
        self.model, self.config = load_model(model_dir, self.device)
        self.input_size = int(self.config["model"]["input_size"])
        self.converters = {m: converter(m, stored_section(self.config["preparation"], BY_MEDIA[m].section))
                           for m in self.config["media"]}

    def encode_file(self, path: str | Path, media: str) -> EncodedQuery:
        """Prepare and embed one file; a file the converter cannot read is a QueryError."""
        if media not in self.converters:
            raise QueryError(f"{path}: the model was not trained on {media} (it knows: {', '.join(self.converters)})")
        try:
            data = self.converters[media](Path(path))
        except Exception as err:  # noqa: BLE001 - any decoder failure is a bad query file
            raise QueryError(f"{path}: cannot read this {media} file: {err}") from err
        if "store" in self.config:  # models trained on the store: the query as the store gives items back
            data = as_stored(media, data, int(self.config["store"]["jpeg_quality"]))
        split = PreparedSplit(media, "query", data[None], ["query"], np.zeros(1, np.int64))
        arrays = embed_split(self.model, split, self.input_size, self.device)
        return EncodedQuery(media, arrays["features"][0], scoring_arrays(arrays)[1])

    def encode_text(self, text: str) -> EncodedQuery:
        """Typed text: prepared through a temporary .txt file, as a text item of the dataset is."""
        if not text.strip():
            raise QueryError("empty text query")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "query.txt"
            path.write_text(text, encoding="utf-8")
            return self.encode_file(path, "text")

    def embed_file(self, path: str | Path, media: str) -> np.ndarray:
        """The feature vector of one file (encode_file's vector)."""
        return self.encode_file(path, media).vector

    def embed_text(self, text: str) -> np.ndarray:
        """The feature vector of typed text (encode_text's vector)."""
        return self.encode_text(text).vector
