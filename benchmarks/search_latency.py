"""One search against a PKU-sized gallery, once the model is loaded (goal: 200 ms or less on CPU).

    python -m benchmarks.search_latency [--gallery 21478] [--repeats 10]

The model is the default config (params.yaml: backbone, input size, preparation) with 200
classes (PKU's), random weights: latency does not depend on what it learnt. The gallery
is a search index of 21,478 items (the PKU FG-XMedia test set's size) in PKU's media
proportions, with random unit features. Queries are real files of each media from a small
generated dataset, prepared and embedded as `fgcross search` does: decode, prepare, embed,
rank. Baseline, measured in the same run: the first query after start-up (what a one-shot
`fgcross search` call pays: importing, loading the model and the index). Both backends
(numpy, faiss) are timed when faiss is installed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from fgcross import MEDIA
from fgcross.config import load_params
from fgcross.data.synthetic import generate_dataset
from fgcross.inner_product import faiss_available
from fgcross.metrics import l2_normalize
from fgcross.models.fgcrossnet import build_model
from fgcross.params import Params
from fgcross.search.gallery import SearchIndex, write_search_index
from fgcross.search.query import QueryEncoder, media_of
from fgcross.training.pipeline import model_config, save_model

PKU_TEST = {"image": 5794, "text": 5794, "audio": 4000, "video": 5890}  # scaled to --gallery below
GOAL_MS = 200.0


def write_model(folder: Path, params: Params, classes: int) -> None:
    """The default model config with `classes` outputs and random weights, saved as train saves a model."""
    cfg = model_config(params, classes)
    save_model(folder, {"model": build_model(cfg, "none").state_dict()}, cfg, params, list(MEDIA),
               [f"{i:03d}.class" for i in range(classes)])


def write_gallery(folder: Path, size: int, classes: int, seed: int = 0) -> None:
    """A search index of `size` items in PKU's test proportions, random unit features, nothing to show."""
    rng = np.random.default_rng(seed)
    total = sum(PKU_TEST.values())
    counts = {m: round(size * n / total) for m, n in PKU_TEST.items()}
    counts["video"] += size - sum(counts.values())
    rows, ranges, start = [], {}, 0
    for media, n in counts.items():
        ranges[media] = [start, start + n]
        rows += [{"media": media, "split": "test", "id": f"{media}/{i}", "label": i % classes,
                  "class_name": f"{i % classes:03d}.class", "path": f"{media}/{i}", "snippet": ""} for i in range(n)]
        start += n
    write_search_index(folder, l2_normalize(rng.random((size, classes), dtype=np.float32)), pd.DataFrame(rows),
                       [b""] * size, [b""] * size, ranges, ["test"], [f"{i:03d}.class" for i in range(classes)])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gallery", type=int, default=21478)
    p.add_argument("--classes", type=int, default=200)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--params", default="params.yaml")
    args = p.parse_args(argv)
    params = load_params(args.params)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cfg = replace(params.synthetic, families=1, species_per_family=2, train_per_class=1, test_per_class=1)
        generate_dataset(tmp / "data", cfg, progress=False)
        queries = {}
        for media in ("image", "text", "audio", "video"):
            first = (tmp / "data/list" / media / "test.txt").read_text().split()[0]
            queries[media] = tmp / "data" / first
        write_model(tmp / "models", params, args.classes)
        write_gallery(tmp / "search", args.gallery, args.classes)

        start = time.perf_counter()
        encoder = QueryEncoder(tmp / "models")
        index = SearchIndex(tmp / "search", "numpy")
        index.search(encoder.embed_file(queries["image"], "image"), "all", 10)
        cold_ms = (time.perf_counter() - start) * 1000

        backends = ["numpy", "faiss"] if faiss_available() else ["numpy"]
        print(f"search_latency: gallery {args.gallery} items x {args.classes} dims; {params.model.backbone} at "
              f"{params.model.input_size} px; median of {args.repeats} warm queries per media")
        for backend in backends:
            index = SearchIndex(tmp / "search", backend)
            for media, path in queries.items():
                index.search(encoder.embed_file(path, media_of(path)), "all", 10)  # warm
                times = []
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    index.search(encoder.embed_file(path, media_of(path)), "all", 10)
                    times.append((time.perf_counter() - t0) * 1000)
                warm = statistics.median(times)
                print(f"search_latency: {backend:5s} {media:5s} {warm:7.1f} ms (goal <= {GOAL_MS:.0f} ms: "
                      f"{'met' if warm <= GOAL_MS else 'NOT met'}); first query after start-up (baseline) "
                      f"{cold_ms:.0f} ms, {cold_ms / warm:.0f}x slower")
            vector = encoder.embed_file(queries["image"], "image")
            t0 = time.perf_counter()
            for _ in range(args.repeats):
                index.search(vector, "all", 10)
            ranking_ms = (time.perf_counter() - t0) * 1000 / args.repeats
            print(f"search_latency: {backend:5s} ranking alone {ranking_ms:.2f} ms")


if __name__ == "__main__":
    main()
