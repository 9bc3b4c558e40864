"""Frame sampling against decoding every frame: 25 frames from a 30 s 720p MP4.

    python -m benchmarks.frames_speed [--seconds 30] [--frames 25]

The video is made for the benchmark (OpenCV's MPEG-4 writer, 30 fps, 1280x720). Ours:
the frames stage's sampler (seek to each target, or grab forward when it is close) at the
paper preset's 25 frames and 512 px. Baseline: decode every frame front to back (as
extracting all frames with ffmpeg and then sampling does), keep the same 25, resize them.
Both produce the same frames (asserted). Target: ours 3 times faster or more.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from benchmarks._inputs import write_video
from fgcross.media.images import fit_square
from fgcross.media.video import sample_frames, uniform_indices


def decode_everything(path: Path, n: int, size: int) -> np.ndarray:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    chosen = [frames[i] for i in uniform_indices(len(frames), n)]
    return np.stack([fit_square(cv2.cvtColor(f, cv2.COLOR_BGR2RGB), size) for f in chosen])


def best_of(fn, repeats: int) -> tuple[float, np.ndarray]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--frames", type=int, default=25)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        path = write_video(Path(tmp) / "long.mp4", args.seconds)
        print(f"made {path.name}: {args.seconds:g} s, 30 fps, 1280x720, {path.stat().st_size / 1e6:.1f} MB "
              f"in {time.perf_counter() - start:.1f} s")
        ours, a = best_of(lambda: sample_frames(path, args.frames, args.size), args.repeats)
        every, b = best_of(lambda: decode_everything(path, args.frames, args.size), args.repeats)
    assert np.array_equal(a, b), "the sampler must return the frames decoding everything gives"
    ratio = every / ours
    print(f"ours (seek/grab): {ours:.2f} s; decode every frame: {every:.2f} s (best of {args.repeats})")
    print(f"ratio {ratio:.1f}x (target >= 3x): {'PASS' if ratio >= 3 else 'FAIL'}")


if __name__ == "__main__":
    main()
