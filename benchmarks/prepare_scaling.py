"""Preparation scaling: the same stage over the same files with 1 and with 2 processes.

    python -m benchmarks.prepare_scaling [--files 2000] [--processes 2]

The input is `--files` WAV recordings of 10 s (80 distinct songs, hard-linked under other
names); the stage is the spectrogram stage with the paper preset's section, run through
fgcross.data.prepared.prepare_media exactly as the pipeline runs it (its process pool,
memory-mapped output). Each run is a fresh Python process, timed from start to finish,
imports included, as a user runs the stage. The outputs of the two runs are asserted
byte-identical. Target: 1.7 times faster or more with 2 processes on 2 cores.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks._inputs import write_songs
from fgcross.config import load_params
from fgcross.data.index_files import Index
from fgcross.data.prepared import StoreSettings, prepare_media
from fgcross.media.converters import converter
from fgcross.params import section_dict

PRESET = Path(__file__).resolve().parent.parent / "presets" / "pku_fgcrossnet.yaml"


def song_index(root: Path, files: int, seconds: float, distinct: int = 80) -> Index:
    songs = write_songs(root / "distinct", min(files, distinct), seconds)
    (root / "audio").mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(files):
        path = root / "audio" / f"rec_{n:05d}.wav"
        os.link(songs[n % len(songs)], path)
        paths.append(path)
    rows = [{"id": f"audio/{p.name}", "media": "audio", "split": "train" if n % 4 else "test", "label": n % 8,
             "class_name": f"class {n % 8}", "path": f"audio/{p.name}"} for n, p in enumerate(paths)]
    return Index(root, pd.DataFrame(rows), [f"class {c}" for c in range(8)])


def run_stage(root: Path, files: int, out: Path, processes: int) -> None:
    """One timed run (in its own process): the stage over the recordings under root/audio."""
    section = load_params(PRESET).spectrogram
    paths = sorted((root / "audio").iterdir())[:files]
    rows = [{"id": f"audio/{p.name}", "media": "audio", "split": "train" if n % 4 else "test", "label": n % 8,
             "class_name": f"class {n % 8}", "path": f"audio/{p.name}"} for n, p in enumerate(paths)]
    index = Index(root, pd.DataFrame(rows), [f"class {c}" for c in range(8)])
    prepare_media(index, "audio", out, converter("audio", section), section_dict(section),
                  StoreSettings.of(load_params(PRESET).prepare), progress=False, processes=processes)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--files", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--one", nargs=2, metavar=("ROOT", "OUT"), help=argparse.SUPPRESS)  # a child run
    args = p.parse_args(argv)
    if args.one:
        run_stage(Path(args.one[0]), args.files, Path(args.one[1]), args.processes)
        return
    with tempfile.TemporaryDirectory() as tmp:
        song_index(Path(tmp) / "root", args.files, args.seconds)
        times = {}
        for processes in (1, args.processes):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "benchmarks.prepare_scaling", "--files", str(args.files),
                            "--processes", str(processes), "--one", str(Path(tmp) / "root"),
                            str(Path(tmp) / f"out{processes}")], check=True)
            times[processes] = time.perf_counter() - start
        one, many = Path(tmp) / "out1", Path(tmp) / f"out{args.processes}"
        assert all(filecmp.cmp(one / f.name, many / f.name, shallow=False) for f in one.iterdir())
    ratio = times[1] / times[args.processes]
    print(f"spectrogram stage, {args.files} recordings of {args.seconds:g} s (paper preset section)")
    for processes, seconds in times.items():
        print(f"  {processes} process(es): {seconds:.1f} s ({args.files / seconds:.1f} files/s)")
    print(f"ratio {ratio:.2f}x (target >= 1.7x with 2 processes): {'PASS' if ratio >= 1.7 else 'FAIL'}")


if __name__ == "__main__":
    main()
