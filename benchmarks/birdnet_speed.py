"""BirdNET's stage (spectrogram.kind: birdnet) per 3-second window, beside the spectrogram stage.

    python -m benchmarks.birdnet_speed [--files 12] [--seconds 12]

Both converters run on the same WAV files in the same run, one process with one thread (the
stage's workers each run one interpreter thread). Printed: BirdNET's milliseconds per window
with all windows of a recording in one invocation (what the stage does) and one window per
invocation (the baseline), and the default spectrogram stage's milliseconds per recording.
Goal (the real-media issue): <= 60 ms per window per core, batched.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from benchmarks._inputs import write_songs  # noqa: E402
from fgcross.config import load_params  # noqa: E402
from fgcross.media import birdnet  # noqa: E402
from fgcross.media.converters import converter  # noqa: E402

GOAL_MS = 60.0
PARAMS = Path(__file__).resolve().parent.parent / "params.yaml"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--files", type=int, default=12)
    p.add_argument("--seconds", type=float, default=12.0)
    args = p.parse_args(argv)
    try:
        model = birdnet.loaded("")
    except birdnet.BirdNETError as err:
        print(f"skipped: {err}")
        return
    spectrogram = converter("audio", load_params(PARAMS).spectrogram)
    with tempfile.TemporaryDirectory() as tmp:
        files = write_songs(Path(tmp) / "wav", args.files, args.seconds)
        waves = [birdnet.windows_of(birdnet.load_wave(f)) for f in files]
        windows = sum(w.shape[0] for w in waves)
        birdnet.embed_recording(files[0])  # warm-up: the interpreter, its first allocation, the resampler
        start = time.perf_counter()
        for f in files:
            birdnet.embed_recording(f)
        stage = (time.perf_counter() - start) / windows * 1000
        start = time.perf_counter()
        for w in waves:
            model.embed(w)
        batched = (time.perf_counter() - start) / windows * 1000
        start = time.perf_counter()
        for w in waves:
            for one in w:
                model.embed(one[None])
        single = (time.perf_counter() - start) / windows * 1000
        spectrogram(files[0])
        start = time.perf_counter()
        for f in files:
            spectrogram(f)
        spec = (time.perf_counter() - start) / len(files) * 1000
        np.testing.assert_array_equal(birdnet.embed_recording(files[0]), birdnet.embed_recording(files[0]))
    print(f"{args.files} WAV files of {args.seconds:g} s: {windows} windows of 3 s at 48 kHz; 1 thread")
    print(f"BirdNET, all windows of a recording at once: {batched:.1f} ms/window "
          f"(the stage, decoding and resampling included: {stage:.1f} ms/window)")
    print(f"BirdNET, one window per invocation (baseline): {single:.1f} ms/window; batched is {single / batched:.2f}x")
    per_file = stage * windows / len(files)
    print(f"per {args.seconds:g} s recording: spectrogram stage (params.yaml) {spec:.1f} ms, BirdNET's stage "
          f"{per_file:.1f} ms ({per_file / spec:.1f}x the spectrogram's)")
    print(f"goal <= {GOAL_MS:.0f} ms/window: {'PASS' if stage <= GOAL_MS else 'FAIL'}")


if __name__ == "__main__":
    main()
