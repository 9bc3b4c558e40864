"""A rehearsal at PKU FG-XMedia's counts: every stage at 1/16, 1/8 and 1/4 of the benchmark's items.

    python -m benchmarks.pku_rehearsal                       # 1/16, 1/8, 1/4 (about 25 minutes on 2 cores)
    python -m benchmarks.pku_rehearsal --fractions 0.0625 1  # add the full counts where time allows
    python -m benchmarks.pku_rehearsal --json out.json       # the figures, for docs/scale.md

The data set is the generator's, with presets/pku_scale_rehearsal.yaml merged over params.yaml:
200 classes and PKU FG-XMedia's items per media and split (11,788 images, 8,000 texts,
12,000 recordings, 18,350 videos at full counts), scaled by each fraction, with small media
(64 px photos, half-second clips and recordings). Each stage runs as the pipeline runs it
(`python -m steps.<stage>` in a fresh process, in a working folder of its own), and prints:
seconds, items/s, peak RSS (of the stage's whole process tree, its worker processes included,
sampled every 50 ms), bytes on disk of its output, and, over the fractions, the fitted growth exponent of
time and of peak RSS against items (the slope of log-log least squares: 1.0 is linear).

Training takes a fixed number of steps at every size (train.steps_per_epoch), so its row
measures what grows with the data (reading the index and the prepared media, building the
sampler), not the steps. Targets: time exponent <= 1.1 per stage; peak RSS at the
largest size <= 1.3x the smallest.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import yaml

from fgcross.config import load_params, with_overrides
from fgcross.machine import compute_setup
from fgcross.presets import preset_overrides

REPO = Path(__file__).resolve().parent.parent
PRESET = REPO / "presets" / "pku_scale_rehearsal.yaml"
STAGES = {  # stage -> (command arguments, the output it writes, the items it handles)
    "synthesize": (["--out", "data/generated"], "data/generated", "all"),
    "index": (["--out", "build/index"], "build/index", "all"),
    "images": (["--index", "build/index", "--out", "build/media/image"], "build/media/image", "image"),
    "frames": (["--index", "build/index", "--out", "build/media/video"], "build/media/video", "video"),
    "spectrogram": (["--index", "build/index", "--out", "build/media/audio"], "build/media/audio", "audio"),
    "text": (["--index", "build/index", "--out", "build/media/text"], "build/media/text", "text"),
    "train": (["--media", "build/media", "--index", "build/index", "--out", "models",
               "--history", "plots/train_history.csv"], "models", "train"),
    "export": (["--model", "models", "--media", "build/media", "--out", "exports"], "exports", "all"),
    "evaluate": (["--embeddings", "exports", "--out", "metrics/eval.json", "--classes", "build/index/classes.csv",
                  "--plots", "plots"], "metrics", "test"),
    "search_index": (["--exports", "exports", "--index", "build/index", "--media", "build/media",
                      "--out", "build/search"], "build/search", "all"),
}


def scaled_params(fraction: float) -> dict:
    """params.yaml with the rehearsal preset, its counts scaled by `fraction` (at least one per class)."""
    overrides = preset_overrides(PRESET)
    counts = {m: {s: max(200, round(n * fraction)) for s, n in splits.items()}
              for m, splits in overrides["synthetic.counts"].items()}
    params = with_overrides(load_params(REPO / "params.yaml"), {**overrides, "synthetic.counts": counts,
                                                                  "tracking.enabled": False})
    return params.as_dict()


def items_of(params: dict, which: str) -> int:
    counts = params["synthetic"]["counts"]
    if which == "all":
        return sum(n for splits in counts.values() for n in splits.values())
    if which in ("train", "test"):
        return sum(splits[which] for splits in counts.values())
    return sum(counts[which].values())


def disk_bytes(path: Path) -> int:
    """Bytes of the files under path, a hard-linked file once."""
    seen, total = set(), 0
    for p in [path] if path.is_file() else path.rglob("*"):
        if p.is_file():
            st = p.stat()
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
    return total


def tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants now (0 for those already gone)."""
    total = 0
    for member in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def run_stage(work: Path, stage: str, args: list[str], interval: float = 0.05) -> tuple[float, int]:
    """Run one step in a fresh process; its wall seconds and the peak RSS (bytes) of its whole process
    tree (workers included), sampled every `interval` seconds. (wait4's ru_maxrss would not do: a
    child starts from its parent's high-water mark, and it is per process, not per tree.)"""
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    command = [sys.executable, "-m", f"steps.{stage}", "--params", "params.yaml", "--quiet", *args]
    start = time.perf_counter()
    peak = 0
    with open(work / f"{stage}.log", "w") as log:
        proc = subprocess.Popen(command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
        watched = psutil.Process(proc.pid)
        while proc.poll() is None:
            peak = max(peak, tree_rss(watched))
            time.sleep(interval)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{stage} failed at {work}: see {work / f'{stage}.log'}:\n"
                         + (work / f"{stage}.log").read_text()[-2000:])
    return seconds, peak


def rehearse(fraction: float, root: Path, only: list[str] | None = None) -> list[dict]:
    """Every stage at `fraction` of the counts in root/f<fraction>; with `only`, just those stages,
    again, in a folder an earlier run left (to re-time a stage on a quieter machine)."""
    work = root / f"f{fraction:g}"
    if only:
        if not (work / "params.yaml").exists():
            raise SystemExit(f"{work}: no earlier run to re-time {only} in (run without --stages first)")
        params = yaml.safe_load((work / "params.yaml").read_text(encoding="utf-8"))
    else:
        work.mkdir(parents=True)
        params = scaled_params(fraction)
        (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    rows = []
    for stage, (args, output, which) in STAGES.items():
        if only and stage not in only:
            continue
        seconds, rss = run_stage(work, stage, args)
        items = params["train"]["steps_per_epoch"] * 2 if which == "train" else items_of(params, which)
        rows.append({"fraction": fraction, "stage": stage, "items": items, "seconds": round(seconds, 2),
                     "items_per_s": round(items / seconds, 1), "peak_rss_mb": round(rss / 2**20, 1),
                     "disk_mb": round(disk_bytes(work / output) / 2**20, 2)})
        print(f"  1/{1 / fraction:g} {stage:13s} {items:7d} items {seconds:8.1f} s {items / seconds:9.1f}/s "
              f"{rss / 2**20:8.0f} MB RSS {rows[-1]['disk_mb']:9.1f} MB on disk", flush=True)
    return rows


def growth(rows: list[dict]) -> list[dict]:
    """Per stage: the log-log slope of seconds and of peak RSS against items, and RSS largest/smallest.
    Training runs a fixed number of steps, so its slope is taken against the data's items."""
    out = []
    for stage in dict.fromkeys(r["stage"] for r in rows):
        mine = sorted((r for r in rows if r["stage"] == stage), key=lambda r: r["fraction"])
        if len(mine) < 2:
            continue
        size = np.log([r["items"] if stage != "train" else r["fraction"] for r in mine])
        out.append({"stage": stage,
                    "time_exponent": round(float(np.polyfit(size, np.log([r["seconds"] for r in mine]), 1)[0]), 2),
                    "rss_exponent": round(float(np.polyfit(size, np.log([r["peak_rss_mb"] for r in mine]), 1)[0]), 2),
                    "rss_largest_vs_smallest": round(mine[-1]["peak_rss_mb"] / mine[0]["peak_rss_mb"], 2)})
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fractions", type=float, nargs="+", default=[1 / 16, 1 / 8, 1 / 4])
    p.add_argument("--work", help="working folder (default: a temporary one, removed afterwards)")
    p.add_argument("--json", help="write the figures here")
    p.add_argument("--stages", nargs="+", choices=list(STAGES),
                   help="re-time only these stages in the folders of an earlier run (needs --work)")
    args = p.parse_args(argv)
    if args.stages and not args.work:
        p.error("--stages re-times stages of an earlier run: give its --work folder")
    root = Path(args.work or tempfile.mkdtemp(prefix="fgcross-rehearsal-"))
    setup = compute_setup()
    print(f"machine: {setup['cpu']}, {os.cpu_count()} cores, {setup['threads']} torch threads, torch {setup['torch']}")
    rows: list[dict] = []
    try:
        for fraction in sorted(args.fractions):
            print(f"fraction {fraction:g} of PKU FG-XMedia's counts:", flush=True)
            rows += rehearse(fraction, root, args.stages)
    finally:
        if not args.work:
            shutil.rmtree(root, ignore_errors=True)
    fits = growth(rows)
    print("\ngrowth (log-log slope against items; target: time <= 1.1, RSS largest/smallest <= 1.3):")
    for fit in fits:
        print(f"  {fit['stage']:13s} time {fit['time_exponent']:5.2f}  RSS {fit['rss_exponent']:5.2f}  "
              f"RSS largest/smallest {fit['rss_largest_vs_smallest']:.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": setup, "cores": os.cpu_count(), "runs": rows,
                                               "growth": fits}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
