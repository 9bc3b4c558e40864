"""Spectrogram stage against the official recipe, on the same WAV files in the same run.

    python -m benchmarks.spectrogram_speed [--files 12] [--seconds 10]

Ours: the spectrogram stage's converter with the paper preset's section (librosa load at
22,050 Hz, |STFT| with librosa's defaults, amplitude_to_db ref=max, rendered through the
magma lookup table at 512 px). Baseline (the official code's way): the same array drawn
with librosa.display.specshow in a matplotlib figure saved as a PNG at 300 dpi, one figure
per file. Target: ours 20 times faster or more.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import librosa
import librosa.display
import matplotlib
import numpy as np

from benchmarks._inputs import write_songs
from fgcross.config import load_params
from fgcross.media.converters import converter

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PRESET = Path(__file__).resolve().parent.parent / "presets" / "pku_fgcrossnet.yaml"


def official_specshow(wav: Path, out: Path) -> None:
    wave, sr = librosa.load(str(wav))
    db = librosa.amplitude_to_db(np.abs(librosa.stft(wave)), ref=np.max)
    fig = plt.figure(figsize=(4, 4))
    librosa.display.specshow(db, sr=sr)
    plt.axis("off")
    fig.savefig(out, dpi=300, bbox_inches="tight", pad_inches=0)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--files", type=int, default=12)
    p.add_argument("--seconds", type=float, default=10.0)
    args = p.parse_args(argv)
    section = load_params(PRESET).spectrogram
    convert = converter("audio", section)
    with tempfile.TemporaryDirectory() as tmp:
        files = write_songs(Path(tmp) / "wav", args.files, args.seconds)
        convert(files[0])  # warm-up: imports, FFT plans, the colormap table
        official_specshow(files[0], Path(tmp) / "warm.png")
        start = time.perf_counter()
        for f in files:
            image = convert(f)
        ours = args.files / (time.perf_counter() - start)
        start = time.perf_counter()
        for n, f in enumerate(files):
            official_specshow(f, Path(tmp) / f"{n}.png")
        official = args.files / (time.perf_counter() - start)
    ratio = ours / official
    print(f"{args.files} WAV files of {args.seconds:g} s; output {image.shape} uint8")
    print(f"ours (array -> {section['render']} {section['colormap']} table): {ours:.1f} files/s")
    print(f"official (specshow figure, PNG at 300 dpi): {official:.2f} files/s")
    print(f"ratio {ratio:.1f}x (target >= 20x): {'PASS' if ratio >= 20 else 'FAIL'}")


if __name__ == "__main__":
    main()
