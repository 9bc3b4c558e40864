"""Spectrograms: a dB spectrogram rendered straight from the array to a uint8 image.

The paper loads a recording with librosa at its default rate, takes |STFT| with default
settings, converts it with amplitude_to_db(ref=max) and saves a librosa.display.specshow
figure. We compute the same array and render it without a matplotlib figure: dB values
map linearly to 256 levels (top_db below the maximum is black), low frequencies at the
bottom, resized to a fixed square, then either repeated to three grey channels or looked
up in a colormap table (`magma` is specshow's default for dB data). `kind: mel` uses a
mel power spectrogram (power_to_db, ref=max) instead of |STFT|.

Length: with `window_seconds` unset the whole recording is squeezed into the square (as
the paper's figures are). With `window_seconds` set, every image covers that much time:
a longer recording keeps its centre window, a shorter one is padded at the end with
silence (the black level), so one pixel column means the same time span for every item.

An entry that is already an image (a rendered spectrogram, as in the official release)
is loaded as an image.

Precision: everything from the decoded samples to the dB array runs in float64 (the
samples, the resampler, the STFT, the mel filters). librosa works in the input's precision,
and a float32 FFT's last bits depend on the CPU's vector instructions, which flipped a few
uint8 levels between machines: the prepared audio, and so every hash in dvc.lock after it,
differed with the CPU type. In float64 the rounding is about 1e9 times smaller than one
level step, so the levels are the same on any machine with the pinned library versions
(tests/media/test_spectrogram_and_glyph.py checks them against a plain float64 DFT).
The resampler is scipy's polyphase filter (deterministic C loops) rather than soxr, whose
single-precision engine picks its SIMD kernel at run time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import librosa
import numpy as np

from fgcross.media.images import load_image
from fgcross.media.kinds import is_picture

KINDS = ("stft", "mel")
RENDERS = ("grey", "colormap")


def spectrogram_db(wave: np.ndarray, n_fft: int, hop_length: int, top_db: float, kind: str = "stft",
                   sample_rate: int = 22050, n_mels: int = 128) -> np.ndarray:
    """dB spectrogram [freq, time] in [-top_db, 0] (ref = the maximum), float64 whatever the
    input's type: the same levels on any CPU (see the module docstring)."""
    wave = np.asarray(wave, dtype=np.float64)
    if kind == "stft":
        magnitude = np.abs(librosa.stft(wave, n_fft=n_fft, hop_length=hop_length))
        return librosa.amplitude_to_db(magnitude, ref=np.max, top_db=top_db)
    if kind == "mel":
        power = librosa.feature.melspectrogram(y=wave, sr=sample_rate, n_fft=n_fft, hop_length=hop_length,
                                               n_mels=n_mels, power=2.0, dtype=np.float64)
        return librosa.power_to_db(power, ref=np.max, top_db=top_db)
    raise ValueError(f"unknown spectrogram kind {kind!r}: expected one of {KINDS}")


def fix_columns(db: np.ndarray, columns: int, top_db: float) -> np.ndarray:
    """Keep the centre `columns` time steps, or pad at the end with silence (-top_db)."""
    have = db.shape[1]
    if have >= columns:
        start = (have - columns) // 2
        return db[:, start:start + columns]
    return np.pad(db, ((0, 0), (0, columns - have)), constant_values=-top_db)


@lru_cache(maxsize=8)
def colormap_table(name: str) -> np.ndarray:
    """uint8 [256, 3] RGB lookup table of a matplotlib colormap (no figure involved)."""
    import matplotlib

    try:
        cmap = matplotlib.colormaps[name]
    except KeyError as err:
        raise ValueError(f"unknown colormap {name!r} (any matplotlib colormap name)") from err
    return np.round(cmap(np.linspace(0.0, 1.0, 256))[:, :3] * 255).astype(np.uint8)


def db_to_image(db: np.ndarray, top_db: float, size: int, render: str = "grey",
                colormap: str = "magma") -> np.ndarray:
    """uint8 RGB [size, size, 3], low frequencies at the bottom."""
    levels = np.clip((db + top_db) / top_db * 255.0, 0, 255).astype(np.uint8)[::-1]
    levels = cv2.resize(np.ascontiguousarray(levels), (size, size), interpolation=cv2.INTER_AREA)
    if render == "grey":
        return np.repeat(levels[:, :, None], 3, axis=2)
    if render == "colormap":
        return colormap_table(colormap)[levels]
    raise ValueError(f"unknown render {render!r}: expected one of {RENDERS}")


def decode_audio(path: Path, sample_rate: int | None) -> tuple[np.ndarray, int]:
    """(float64 mono samples, their rate) at `sample_rate` (None: the file's own), through scipy's
    polyphase resampler; a file that does not decode, or decodes to nothing usable, is a
    ValueError of one line naming it. The spectrograms and BirdNET (fgcross.media.birdnet) read
    recordings through here."""
    try:
        wave, rate = librosa.load(str(path), sr=sample_rate, mono=True, dtype=np.float64, res_type="polyphase")
    except Exception as err:  # noqa: BLE001 - soundfile's and audioread's many types; some have no message
        reason = str(err).strip() or f"{type(err).__name__}: no decoder found any audio in it"
        raise ValueError(f"{path}: cannot decode audio ({reason})") from err
    if wave.size == 0:
        raise ValueError(f"{path}: the audio decodes to no samples (zero-length audio)")
    if not np.isfinite(wave).all():
        raise ValueError(f"{path}: the audio decodes to samples that are not finite numbers")
    return wave, int(rate)


def load_spectrogram(path: str | Path, sample_rate: int | None, n_fft: int, hop_length: int, top_db: float,
                     size: int, kind: str = "stft", n_mels: int = 128, window_seconds: float | None = None,
                     render: str = "grey", colormap: str = "magma") -> np.ndarray:
    """uint8 RGB [size, size, 3] for an audio file or an already rendered spectrogram image."""
    path = Path(path)
    if is_picture(path):
        return load_image(path, size)
    wave, rate = decode_audio(path, sample_rate)
    db = spectrogram_db(wave, n_fft, hop_length, top_db, kind, rate, n_mels)
    if window_seconds:
        db = fix_columns(db, int(round(window_seconds * rate / hop_length)) + 1, top_db)
    return db_to_image(db, top_db, size, render, colormap)
