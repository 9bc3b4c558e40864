"""Run the benchmarks, each in a fresh process, and print their results.

    python -m benchmarks                     # all of them (about 5 minutes on 2 cores)
    python -m benchmarks frames_speed ...    # some of them
    python -m benchmarks --list
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

BENCHMARKS = {
    "spectrogram_speed": "spectrogram stage vs specshow figures at 300 dpi (goal: >= 20x)",
    "birdnet_speed": "BirdNET's stage per 3 s window, windows batched vs one at a time (real media: <= 60 ms)",
    "frames_speed": "25 frames from a 30 s 720p MP4 vs decoding every frame (goal: >= 3x)",
    "prepare_scaling": "a preparation stage with 2 processes vs 1 (goal: >= 1.7x)",
    "loader_speed": "training loader vs model step (goal: >= 2x; goal: training >= 90% of the model)",
    "store_speed": "store vs uint8: bytes on photos (<= 1/6), decode+augment at 448 (>= 150/s), disk peak (<= 1.1x)",
    "train_throughput": "model step samples/s at the default config (CUDA + bf16 vs float32 where a GPU is)",
    "shared_cores": "two trainings side by side, each within its thread budget, vs one alone (goal: >= 0.45x each)",
    "gpu_check": "versions, AMP/compile steps, DDP, resnet50 images/s and PKU epoch hours (CUDA; CPU: skips, says so)",
    "index_speed": "indexing a 40,000-entry list with content probes (goal: <= 60 s)",
    "eval_speed": "the evaluation protocol at PKU test size vs the loop definition (goal: >= 40x)",
    "quadruplet_memory": "quadruplet loss peak memory at B=256, D=200 (goal: <= 2 GB)",
    "pairwise_scoring": "MCSM's and CRAN's scorers at PKU eval size vs the inner product (goal: reported)",
    "search_latency": "one query (each media) against a 21,478-item gallery, warm vs first query (goal: <= 200 ms)",
    "pku_rehearsal": "every stage at 1/16, 1/8, 1/4 of PKU FG-XMedia's counts: growth exponents (goal: <= 1.1)",
    "report_time": "the HTML reports of the last pipeline run, pages in parallel vs one at a time (goal: <= 60 s)",
}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")
    p.add_argument("--list", action="store_true", help="list the benchmarks")
    args = p.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        p.error(f"unknown benchmark(s) {', '.join(unknown)}; --list shows them")
    if args.list:
        for name, what in BENCHMARKS.items():
            print(f"{name:20s} {what}")
        return
    failed = []
    for name in args.names or list(BENCHMARKS):
        print(f"\n=== {name}: {BENCHMARKS[name]}", flush=True)
        start = time.perf_counter()
        if subprocess.run([sys.executable, "-m", f"benchmarks.{name}"]).returncode != 0:
            failed.append(name)
        print(f"({time.perf_counter() - start:.0f} s)", flush=True)
    if failed:
        sys.exit(f"benchmarks that crashed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
