"""Exact inner-product search over unit vectors (cosine similarity), by numpy or by faiss.

The one place that talks to faiss: the evaluation (fgcross.metrics, `eval.backend`) takes
whole similarity rows from it, search (fgcross.search.gallery, `search.backend`) the top
k of a row, optionally within a range of rows (one media). faiss's IndexFlatIP is exact, but
its float32 kernels sum in another order than numpy's, so near-equal scores may swap: search
therefore uses faiss for a shortlist and orders it the numpy way (same rows, same order, tested),
while evaluation takes faiss's similarities as they are (the same mAPs to about 1e-7).
faiss is an optional dependency (the `test` extra installs it); asking for it without it
installed is an ImportError that names the setting.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

BACKENDS = ("numpy", "faiss")
SHORTLIST_MARGIN = 64
"""Rows beyond k that faiss shortlists for search, so that near-ties at the k-th place are all rescored."""


def faiss_available() -> bool:
    """Whether faiss can be imported here."""
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def import_faiss(setting: str) -> ModuleType:
    """The faiss module; if it is missing, an ImportError saying that `setting` asks for it."""
    try:
        import faiss
    except ImportError as err:
        raise ImportError(f"{setting} is faiss but faiss is not installed (pip install faiss-cpu)") from err
    return faiss


class InnerProductIndex:
    """`vectors` (float32 [N, D], unit rows) ready to be ranked against queries by inner product."""

    def __init__(self, vectors: np.ndarray, backend: str, setting: str = "backend") -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown {setting} {backend!r}: expected {' or '.join(BACKENDS)}")
        self.vectors, self.backend = vectors, backend
        self._faiss = None
        if backend == "faiss":
            faiss = import_faiss(setting)
            self._faiss = faiss.IndexFlatIP(vectors.shape[1])  # exact inner products, faiss's own kernels
            self._faiss.add(np.ascontiguousarray(vectors))

    def similarities(self, queries: np.ndarray) -> np.ndarray:
        """Every inner product [queries, N], in row order."""
        if self._faiss is None:
            return queries @ self.vectors.T
        values, positions = self._faiss.search(np.ascontiguousarray(queries), len(self.vectors))
        sims = np.empty((len(queries), len(self.vectors)), dtype=np.float32)
        np.put_along_axis(sims, positions, values, axis=1)
        return sims

    def top_k(self, query: np.ndarray, k: int, within: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows) of the k rows (all, or those in [start, end) = `within`) with the
        largest inner product with `query` ([1, D]), best first, ties by row; k must be within
        1 .. the number of rows searched.

        Both backends give the same answer: faiss only shortlists (its float32 kernels may
        order near-ties differently), and the shortlist is then scored and ordered exactly as
        the numpy backend scores and orders the whole range."""
        start, end = within or (0, len(self.vectors))
        if self._faiss is None:
            return self._best(query, np.arange(start, end), self.vectors[start:end], k)
        import faiss

        params = None if within is None else faiss.SearchParameters(sel=faiss.IDSelectorRange(start, end))
        _, found = self._faiss.search(query, min(end - start, k + SHORTLIST_MARGIN), params=params)
        rows = np.sort(found[0][found[0] >= 0])
        return self._best(query, rows, self.vectors[rows], k)

    @staticmethod
    def _best(query: np.ndarray, rows: np.ndarray, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        sims = vectors @ query[0]
        top = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else np.arange(len(sims))
        top = top[np.lexsort((rows[top], -sims[top]))]  # by score, ties by row
        return sims[top], rows[top]
