"""Inputs the benchmarks make for themselves: bird-song-like WAVs and a long 720p MP4."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import soundfile as sf


def write_songs(folder: Path, count: int, seconds: float, sample_rate: int = 22050, seed: int = 0) -> list[Path]:
    """WAV files of chirps (rising and falling sweeps) over noise."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    files = []
    for n in range(count):
        base = rng.uniform(1500, 5000)
        wave = 0.4 * np.sin(2 * np.pi * (base * t + 800 * np.sin(2 * np.pi * rng.uniform(2, 6) * t) / 6))
        wave *= (np.sin(2 * np.pi * rng.uniform(1, 3) * t) > 0)  # phrases
        wave += 0.05 * rng.standard_normal(t.size)
        path = folder / f"song_{n:03d}.wav"
        sf.write(path, wave.astype(np.float32), sample_rate)
        files.append(path)
    return files


def write_video(path: Path, seconds: float = 30.0, fps: int = 30, size: tuple[int, int] = (1280, 720)) -> Path:
    """An MP4 (MPEG-4 part 2, OpenCV's writer) of a moving scene: a bird-coloured disc on a gradient."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    if not writer.isOpened():
        raise RuntimeError("OpenCV cannot write MP4 here")
    x = np.linspace(0, 255, w, dtype=np.float32)
    background = np.repeat(np.stack([x, x[::-1], np.full_like(x, 128)], axis=1)[None], h, axis=0).astype(np.uint8)
    for k in range(int(seconds * fps)):
        frame = background.copy()
        cx, cy = int(w / 2 + w / 3 * np.sin(k / 40)), int(h / 2 + h / 4 * np.cos(k / 25))
        cv2.circle(frame, (cx, cy), 80, (40, 90, 200), -1)
        cv2.putText(frame, str(k), (40, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        writer.write(frame)
    writer.release()
    return path
