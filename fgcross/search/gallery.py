"""The search index: every exported item of every media, ready to rank and to show.

    build/search/
      features.npy        float32 [N, C], unit-normalised, items grouped by media
      items.csv           row, media, split, id, label, class_name, path, snippet (text items)
      previews.bin/.npy   a PNG per item (image thumbnail, video frame strip, spectrogram)
      sounds.bin/.npy     a short WAV clip per audio item (empty for others)
      meta.json           media ranges, splits, class names, model config digest, scorer
      scoring.npz         only for a method with a pairwise scorer (MCSM, CRAN; fgcross.scoring):
                          `item.<media>.<name>` (rows of that media's range) and `param.<name>`

Everything a result page shows is in this folder, so the server reads no file but the
uploaded query and the index. Ranking is by cosine similarity (inner product of unit
vectors), with faiss (IndexFlatIP, exact) when installed, numpy otherwise: the same order
but among equal scores (fgcross.inner_product). What is kept of each item to show it (PNG, WAV clip, text
snippet) is made by fgcross.media.preview, as the reports make theirs.

A method with a pairwise scorer ranks in two stages. The first shortlists, in each media
range searched, the SHORTLIST items whose feature vectors (the classifier's softmax, as
for FGCrossNet) have the largest inner product with the query's; the second scores the
shortlist exactly with the method's scorer and keeps the best k (ties by row). A range of
at most SHORTLIST items is scored whole, so there the ranking is the evaluation's exactly;
beyond it, an item the first stage ranks below SHORTLIST cannot be found. Scoring the whole
range instead would cost, per query, one scorer block against every item (see
benchmarks/pairwise_scoring.py for the cost at PKU FG-XMedia's sizes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fgcross import MEDIA
from fgcross.data.index_files import read_index
from fgcross.data.prepared import load_extra, load_split
from fgcross.errors import QueryError
from fgcross.exported import available_media, load_embeddings
from fgcross.inner_product import InnerProductIndex, faiss_available
from fgcross.io import atomic_dir, read_json, save_npz, write_json
from fgcross.media.kinds import KINDS
from fgcross.media.preview import SNIPPET, data_uri, png_bytes, read_item_text, shown_pixels, wav_bytes
from fgcross.metrics import l2_normalize
from fgcross.progress import progress_bar
from fgcross.scoring import Scorer

SHORTLIST = 1000
"""Items per media range that the first stage passes to a pairwise scorer (see the module docstring)."""


@dataclass(frozen=True)
class Hit:
    rank: int
    media: str
    id: str
    class_name: str
    score: float
    path: str
    row: int

    def as_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "media": self.media, "id": self.id, "class": self.class_name,
                "score": round(self.score, 6), "path": self.path}


def _write_blobs(path: Path, blobs: list[bytes]) -> None:
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in blobs])
    with open(path.with_suffix(".bin"), "wb") as handle:
        for blob in blobs:
            handle.write(blob)
    np.save(path.with_suffix(".npy"), offsets)


def build_search_index(exports: str | Path, index_dir: str | Path, media_dir: str | Path, out: str | Path,
                       splits: list[str], audio_seconds: float = 3.0, audio_rate: int = 8000,
                       progress: bool = True) -> dict[str, int]:
    """Index the exported embeddings of `splits`, with what a result page shows of each item."""
    index = read_index(index_dir)
    paths = dict(zip(index.manifest["id"], index.manifest["path"], strict=True))
    features, items, previews, sounds, ranges = [], [], [], [], {}
    scorer, scored = None, {}  # a method's pairwise scorer, and each media's arrays for it
    for media in MEDIA:
        start = sum(len(f) for f in features)
        for split in splits:
            folder = Path(exports) / split
            if not folder.exists():
                raise FileNotFoundError(f"{folder}: no exported split {split!r} (export.splits lists the splits)")
            if media not in available_media(folder):
                continue
            emb = load_embeddings(folder, media)
            prepared = load_split(Path(media_dir) / media, split)
            row_of = {i: r for r, i in enumerate(prepared.ids)}
            kind = KINDS[media]
            strips = load_extra(Path(media_dir) / media, split, "preview") if kind.frames else None
            features.append(l2_normalize(emb.features))
            if emb.scorer is not None:
                scorer = emb.scorer
                for name, value in emb.items.items():
                    scored.setdefault(f"{media}.{name}", []).append(value)
            rows = list(zip(emb.ids, emb.labels, strict=True))
            for item_id, label in progress_bar(rows, desc=f"index {media}/{split}", disable=not progress, leave=False):
                item_id = str(item_id)
                file = index.root / paths[item_id]
                row = row_of[item_id]
                snippet = ""
                if kind.shown_as_text:
                    snippet = read_item_text(file)[:SNIPPET]
                    previews.append(b"")
                else:
                    pixels = strips[row] if strips is not None else shown_pixels(prepared.data[row], file)
                    previews.append(png_bytes(np.asarray(pixels)))
                sounds.append((wav_bytes(file, audio_seconds, audio_rate) or b"") if kind.sound else b"")
                items.append({"media": media, "split": split, "id": item_id, "label": int(label),
                              "class_name": index.classes[int(label)], "path": paths[item_id], "snippet": snippet})
        end = sum(len(f) for f in features)
        if end > start:
            ranges[media] = [start, end]
    if not items:
        raise FileNotFoundError(f"{exports}: no exported embeddings for splits {splits}")
    scoring = (scorer, {k: np.concatenate(v) for k, v in scored.items()}) if scorer is not None else None
    write_search_index(out, np.concatenate(features), pd.DataFrame(items), previews, sounds, ranges, splits,
                       index.classes, scoring)
    return {m: e - s for m, (s, e) in ranges.items()}


def write_search_index(out: str | Path, features: np.ndarray, items: pd.DataFrame, previews: list[bytes],
                       sounds: list[bytes], ranges: dict[str, list[int]], splits: list[str],
                       classes: list[str], scoring: tuple[Scorer, dict[str, np.ndarray]] | None = None) -> None:
    """The index folder (see the module docstring), replaced as a whole. `items` has the
    columns media, split, id, label, class_name, path, snippet, one row per feature row,
    grouped by media as `ranges` ([start, end) per media) says. `scoring`: a pairwise scorer and
    its arrays by `<media>.<name>`, rows as in `ranges`."""
    with atomic_dir(out) as tmp:
        np.save(tmp / "features.npy", features.astype(np.float32))
        frame = items.copy()
        frame.insert(0, "row", range(len(frame)))
        frame.to_csv(tmp / "items.csv", index=False)
        _write_blobs(tmp / "previews", previews)
        _write_blobs(tmp / "sounds", sounds)
        if scoring is not None:
            save_npz(tmp / "scoring.npz", **{f"item.{k}": v for k, v in scoring[1].items()},
                     **{f"param.{k}": v for k, v in scoring[0].params.items()})
        write_json(tmp / "meta.json", {"ranges": ranges, "splits": splits, "classes": classes,
                                       "items": len(frame), "dim": int(features.shape[1]),
                                       "scorer": scoring[0].name if scoring is not None else None})


class SearchIndex:
    """A loaded search index: rank a query vector against all media or one."""

    def __init__(self, folder: str | Path, backend: str = "auto") -> None:
        folder = Path(folder)
        if not (folder / "meta.json").exists():
            raise FileNotFoundError(f"{folder}: no search index here (build it with `fgcross index`)")
        self.folder = folder
        self.meta = read_json(folder / "meta.json")
        self.features = np.load(folder / "features.npy")
        self.items = pd.read_csv(folder / "items.csv", dtype={"id": str, "path": str, "class_name": str,
                                                              "snippet": str}, keep_default_na=False)
        self.ranges = {m: tuple(self.meta["ranges"][m]) for m in MEDIA if m in self.meta["ranges"]}
        self._blobs = {name: (np.load(folder / f"{name}.npy"), np.memmap(folder / f"{name}.bin", mode="r")
                              if (folder / f"{name}.bin").stat().st_size else np.zeros(0, np.uint8))
                       for name in ("previews", "sounds")}
        if backend not in ("auto", "numpy", "faiss"):
            raise ValueError(f"unknown search backend {backend!r}: expected auto, numpy or faiss")
        if backend == "auto":
            backend = "faiss" if faiss_available() else "numpy"
        self.backend = backend
        self._ranker = InnerProductIndex(self.features, backend, "search.backend")
        self.scorer: Scorer | None = None
        self.scored: dict[str, dict[str, np.ndarray]] = {}  # media -> the scorer's arrays of its range
        if self.meta.get("scorer"):  # an index written before pairwise scorers has no such key
            with np.load(folder / "scoring.npz") as z:  # no pickles: allow_pickle stays False
                self.scorer = Scorer(self.meta["scorer"], {k[6:]: z[k] for k in z.files if k.startswith("param.")})
                for key in (k for k in z.files if k.startswith("item.")):
                    media, name = key[5:].split(".", 1)
                    self.scored.setdefault(media, {})[name] = z[key]

    @property
    def media(self) -> list[str]:
        return list(self.ranges)

    def search(self, vector: np.ndarray, media: str = "all", k: int = 10, query: Any = None) -> list[Hit]:
        """The k items most similar to `vector` (cosine), from one media or all; with the index's
        pairwise scorer instead when it has one and `query` (a search.query.EncodedQuery) brings
        the scorer's arrays: a first-stage shortlist, scored exactly (see the module docstring)."""
        if k < 1:
            raise QueryError(f"k must be at least 1 (got {k})")
        if media != "all" and media not in self.ranges:
            raise ValueError(f"the index holds no {media} items (it has: {', '.join(self.media)})")
        within = self.ranges[media] if media != "all" else None
        start, end = within or (0, len(self.features))
        k = max(1, min(k, end - start))
        unit = l2_normalize(np.asarray(vector, np.float32).reshape(1, -1))
        if self.scorer is not None and query is not None and query.items:
            scores, rows = self._scored(unit, query, [media] if media != "all" else self.media, k)
        else:
            scores, rows = self._ranker.top_k(unit, k, within)
        hits = []
        for rank, (row, score) in enumerate(zip(rows, scores, strict=True), start=1):
            item = self.items.iloc[int(row)]
            hits.append(Hit(rank, item["media"], item["id"], item["class_name"], float(score), item["path"], int(row)))
        return hits

    def _scored(self, unit: np.ndarray, query: Any, media: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows) of the k best by the pairwise scorer among each range's first-stage shortlist."""
        all_scores, all_rows = [], []
        for m in media:
            start, end = self.ranges[m]
            _, rows = self._ranker.top_k(unit, min(end - start, SHORTLIST), (start, end))
            rows = np.sort(rows)
            all_scores.append(self.scorer.block(query.media, query.items, m, self.scored[m], rows - start)[0])
            all_rows.append(rows)
        scores, rows = np.concatenate(all_scores), np.concatenate(all_rows)
        best = np.lexsort((rows, -scores))[:k]  # by score, ties by row
        return scores[best], rows[best]

    def _blob(self, name: str, row: int) -> bytes:
        offsets, data = self._blobs[name]
        return bytes(data[offsets[row]:offsets[row + 1]])

    def preview_uri(self, row: int) -> str:
        """The item's picture as a data URI ("" for a text item)."""
        blob = self._blob("previews", row)
        return data_uri(blob, "image/png") if blob else ""

    def sound_uri(self, row: int) -> str:
        """The item's sound clip as a data URI ("" for all but recordings)."""
        blob = self._blob("sounds", row)
        return data_uri(blob, "audio/wav") if blob else ""
