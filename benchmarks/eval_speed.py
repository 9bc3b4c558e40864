"""Evaluation at PKU FG-XMedia test size: time and peak memory, against the loop definition.

    python -m benchmarks.eval_speed [--scale 1.0] [--sample 3]

Embeddings of the PKU FG-XMedia test split's size (image 5,794, text 4,000, audio 6,000,
video 5,684 items; 200 classes, 200 dimensions: softmax outputs of a noisy classifier) are
evaluated with the whole protocol (12 bi-modality directions, 4 X->All with and without
the query's item, P@k, R@k, mAP@R). Baseline: `average_precision_loop`, the definition as
plain Python loops, timed on `--sample` queries of every direction in this run; its time
for all queries is that per-query time times the number of queries (running it whole
would take hours). Targets: 10 s or less, 3 GB or less, 40 times the loop or more.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from benchmarks.ap_definition import average_precision_loop
from fgcross import MEDIA, MEDIA_LETTER
from fgcross.exported import Embeddings, save_embeddings
from fgcross.metrics import protocol_metrics, retrieval_scores

REPO = Path(__file__).resolve().parent.parent

PKU_TEST = {"image": 5794, "text": 4000, "audio": 6000, "video": 5684}
"""PKU FG-XMedia's test split per media (presets/pku_scale_rehearsal.yaml; 21,478 items in all)."""


def fake_embeddings(scale: float, classes: int = 200, seed: int = 0) -> dict[str, Embeddings]:
    rng = np.random.default_rng(seed)
    out = {}
    for m, n in PKU_TEST.items():
        n = max(classes, int(n * scale))
        labels = rng.integers(0, classes, n)
        logits = rng.normal(0, 1, (n, classes)) + 3.0 * np.eye(classes)[labels]
        probs = np.exp(logits - logits.max(1, keepdims=True))
        out[m] = Embeddings(m, (probs / probs.sum(1, keepdims=True)).astype(np.float32), labels,
                            np.array([f"{m}{i}" for i in range(n)]))
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", type=float, default=1.0, help="fraction of the PKU test size")
    p.add_argument("--sample", type=int, default=3, help="queries per direction timed with the loop")
    p.add_argument("--backend", default="numpy", choices=["numpy", "torch", "faiss"])
    args = p.parse_args(argv)
    emb = fake_embeddings(args.scale)
    items = sum(len(e.labels) for e in emb.values())
    print(f"embeddings: {', '.join(f'{m} {len(e.labels)}' for m, e in emb.items())} ({items} items, 200 dims)")

    tracemalloc.start()
    start = time.perf_counter()
    scores = retrieval_scores(emb, backend=args.backend)
    ours = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**30
    tracemalloc.stop()
    metrics = protocol_metrics(scores)

    rng = np.random.default_rng(1)
    loop_seconds, loop_queries, all_queries, worst_loop = 0.0, 0, 0, 0.0
    gallery = np.concatenate([emb[m].features for m in MEDIA])
    gallery_labels = np.concatenate([emb[m].labels for m in MEDIA])
    for q in MEDIA:
        for g in [*[m for m in MEDIA if m != q], "all"]:
            feats, labels = (gallery, gallery_labels) if g == "all" else (emb[g].features, emb[g].labels)
            picks = rng.choice(len(emb[q].labels), args.sample, replace=False)
            start = time.perf_counter()
            aps = average_precision_loop(emb[q].features[picks], feats, emb[q].labels[picks], labels)
            loop_seconds += time.perf_counter() - start
            loop_queries += len(picks)
            all_queries += len(emb[q].labels)
            key = f"{MEDIA_LETTER[q]}2{'all' if g == 'all' else MEDIA_LETTER[g]}"
            # float32 scores against the loop's float64: a near tie may swap two ranks
            worst_loop = max(worst_loop, float(np.nanmax(np.abs(aps - scores[key].ap[picks]))))
            assert np.allclose(aps, scores[key].ap[picks], atol=1e-4, equal_nan=True), key
    loop_total = loop_seconds / loop_queries * all_queries
    print(f"fgcross.metrics ({args.backend}): {ours:.2f} s for the whole protocol "
          f"(bi_avg {metrics['bi_avg']:.4f}, multi_avg {metrics['multi_avg']:.4f}), peak {peak:.2f} GiB")
    print(f"loop baseline: {loop_seconds / loop_queries * 1000:.1f} ms per query on {loop_queries} queries "
          f"-> {loop_total:.0f} s for all {all_queries} query-directions; APs on the sample within "
          f"{worst_loop:.1e} of the loop's (float32 scores, float64 loop)")
    print(f"ratio (loop / fgcross): {loop_total / ours:.0f}x   target >= 40x;  "
          f"time {ours:.1f} s (target <= 10 s);  memory {peak:.2f} GiB (target <= 3 GiB)")
    whole_step(emb, metrics, loop_total)


def whole_step(emb: dict[str, Embeddings], metrics: dict[str, float], loop_total: float) -> None:
    """`python -m steps.evaluate` on these embeddings, from process start to exit: the step as the
    pipeline runs it (protocol, extended metrics, per-class AP, diagnostics, re-ranking, files)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "exports" / "test"
        for m, e in emb.items():
            save_embeddings(folder / f"{m}.npz", {"features": e.features, "labels": e.labels, "ids": e.ids})
        out = Path(tmp) / "pku.json"
        command = [sys.executable, "-m", "steps.evaluate", "--params", str(REPO / "params.yaml"), "--quiet",
                   "--embeddings", str(Path(tmp) / "exports"), "--out", str(out), "--classes", str(Path(tmp) / "none"),
                   "--plots", str(Path(tmp) / "plots")]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"steps.evaluate failed: {done.stderr[-2000:]}")
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
        step = json.loads(out.read_text())
    worst = max(abs(step[k] - metrics[k]) for k in metrics if k in step)
    print(f"whole step (python -m steps.evaluate, start to exit): {seconds:.1f} s, peak RSS {rss:.2f} GiB, "
          f"{loop_total / seconds:.0f}x the loop; its mAPs differ from the protocol's by at most {worst:.1e}")
    verdict = {"<= 10 s": seconds <= 10, ">= 40x": loop_total / seconds >= 40, "exact to 1e-5": worst <= 1e-5}
    print("  targets: " + ", ".join(f"{k} {'PASS' if v else 'FAIL'}" for k, v in verdict.items()))


if __name__ == "__main__":
    main()
