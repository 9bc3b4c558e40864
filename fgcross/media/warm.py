"""Imported once by the fork server of the preparation pools (fgcross.data.prepared).

Decoding libraries are slow to start: the first librosa.load alone imports scipy.signal
and more, about 1.6 s. Importing this module pays those costs once, in the fork server;
every worker forked from it starts warm instead of paying them again, which is what lets
a stage scale with its process count. Nothing here runs in the parent process.
"""

from __future__ import annotations

import io

import cv2
import librosa
import numpy as np
import soundfile as sf

import fgcross.media.converters  # noqa: F401  (the converters and every media library they import)
from fgcross.media.audio import colormap_table, spectrogram_db

cv2.setNumThreads(1)  # inherited by the workers: the processes are the parallelism


def _warm_up() -> None:
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros(2048, np.float32), 22050, format="WAV")
    buffer.seek(0)
    wave, rate = librosa.load(buffer, sr=22050)
    spectrogram_db(wave, 256, 64, 80.0, "mel", rate, 16)
    colormap_table("magma")


_warm_up()
