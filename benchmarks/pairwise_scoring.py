"""The pairwise scorers (MCSM, CRAN) at PKU FG-XMedia's test size, against the plain inner product.

    python -m benchmarks.pairwise_scoring [--sample 64] [--dim 64] [--cells 196] [--text-windows 14]

Synthetic arrays of the sizes of PKU FG-XMedia's test split (image 5,794, text 4,000, audio
6,000, video 5,684 items: 21,478 queries, each ranked against all 21,478 items, as X->All
does; the sizes of presets/pku_scale_rehearsal.yaml and benchmarks.search_latency).
FGCrossNet's evaluation computes one inner product of 200-dimensional unit vectors per pair
(the softmax over 200 classes); it is timed on every query, in the evaluation's chunks of 1,024.
The scorers are timed on `--sample` queries of every media against the whole gallery
(the evaluation's call, fgcross.scoring.Scorer.block per gallery media), and their time for all
queries is that per-query time times the number of queries:
- MCSM: four semantic spaces of `--dim` (one product of 4 x dim per pair);
- CRAN: global and relation vectors of `--dim`, and patches: `--cells` per image, frame and
  spectrogram (196: ResNet-50's 14 x 14 map at 448 px, the paper's input) and `--text-windows`
  per text; the local level compares every patch of the query with every patch of the item.
Pass `--cells 4 --text-windows 2` for the embedded set's default (64 px, ResNet-18: a 2 x 2 map).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.eval_speed import PKU_TEST
from fgcross import MEDIA
from fgcross.scoring import Scorer


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def arrays(method: str, n: int, media: str, dim: int, cells: int, windows: int,
           rng: np.random.Generator) -> dict[str, np.ndarray]:
    if method == "mcsm":
        return {"spaces": unit(rng.normal(size=(n, len(MEDIA), dim)))}
    p = windows if media == "text" else cells
    return {"global": unit(rng.normal(size=(n, dim))), "patches": unit(rng.normal(size=(n, p, dim))),
            "attention": rng.dirichlet(np.ones(p), n).astype(np.float32), "relation": unit(rng.normal(size=(n, dim)))}


def plain_seconds(rng: np.random.Generator) -> float:
    feats = {m: unit(rng.normal(size=(n, 200))) for m, n in PKU_TEST.items()}
    gallery = np.concatenate(list(feats.values()))
    start = time.perf_counter()
    for m in MEDIA:
        for s in range(0, len(feats[m]), 1024):
            feats[m][s:s + 1024] @ gallery.T
    return time.perf_counter() - start


def scorer_seconds(method: str, sample: int, dim: int, cells: int, windows: int,
                   rng: np.random.Generator) -> float:
    """Estimated seconds for every query: the per-query time on `sample` queries of each media."""
    items = {m: arrays(method, n, m, dim, cells, windows, rng) for m, n in PKU_TEST.items()}
    params = ({"fusion": rng.dirichlet(np.ones(len(MEDIA)), (len(MEDIA), len(MEDIA))).astype(np.float32)}
              if method == "mcsm" else {"levels": np.full(3, 1 / 3, np.float32)})
    scorer = Scorer(method, params)
    total = 0.0
    for q in MEDIA:
        query = {k: v[:sample] for k, v in items[q].items()}
        start = time.perf_counter()
        for g in MEDIA:
            scorer.block(q, query, g, items[g])
        total += (time.perf_counter() - start) / sample * PKU_TEST[q]
    return total


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sample", type=int, default=64, help="queries per media timed for each scorer")
    p.add_argument("--dim", type=int, default=64, help="model.method_dim")
    p.add_argument("--cells", type=int, default=196, help="CRAN patches of an image, frame or spectrogram")
    p.add_argument("--text-windows", type=int, default=14, help="CRAN patches (character windows) of a text")
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    n = sum(PKU_TEST.values())
    base = plain_seconds(rng)
    print(f"PKU FG-XMedia test split: {n:,} queries x {n:,} items")
    print(f"inner product, 200 dims (FGCrossNet), every query: {base:8.1f} s")
    for method in ("mcsm", "cran"):
        seconds = scorer_seconds(method, args.sample, args.dim, args.cells, args.text_windows, rng)
        print(f"{method} scorer, every query (from {args.sample} per media): {seconds:8.1f} s  "
              f"= {seconds / base:6.1f} x the inner product")


if __name__ == "__main__":
    main()
