"""Spectrograms: |STFT| in dB (ref = max) rendered straight to a uint8 image array.

The paper renders librosa.display.specshow figures; we skip the matplotlib figure and map
dB values linearly to grey levels, low frequencies at the bottom, resized to a fixed
square and repeated to three channels for the shared CNN. An entry that is already an
image (a rendered spectrogram, as in the official release) is loaded as an image.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import librosa
import numpy as np

from fgcross.data.layout import IMAGE_EXTENSIONS
from fgcross.media.images import load_image


def spectrogram_db(wave: np.ndarray, n_fft: int, hop_length: int, top_db: float) -> np.ndarray:
    """dB spectrogram [freq, time] in [-top_db, 0]."""
    magnitude = np.abs(librosa.stft(wave, n_fft=n_fft, hop_length=hop_length))
    return librosa.amplitude_to_db(magnitude, ref=np.max, top_db=top_db)


def db_to_image(db: np.ndarray, top_db: float, size: int) -> np.ndarray:
    """uint8 RGB [size, size, 3]: grey levels, low frequencies at the bottom."""
    grey = np.clip((db + top_db) / top_db * 255.0, 0, 255).astype(np.uint8)[::-1]
    grey = cv2.resize(np.ascontiguousarray(grey), (size, size), interpolation=cv2.INTER_AREA)
    return np.repeat(grey[:, :, None], 3, axis=2)


def load_spectrogram(path: str | Path, sample_rate: int | None, n_fft: int, hop_length: int,
                     top_db: float, size: int) -> np.ndarray:
    """uint8 RGB [size, size, 3] for an audio file or an already rendered spectrogram image."""
    path = Path(path)
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        return load_image(path, size)
    wave, _ = librosa.load(str(path), sr=sample_rate, mono=True)
    if wave.size == 0:
        raise ValueError(f"{path}: zero-length audio")
    return db_to_image(spectrogram_db(wave, n_fft, hop_length, top_db), top_db, size)
