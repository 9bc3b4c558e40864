"""Bird songs from traits: phrases of syllables over background noise, as float waveforms.

pitch sets the syllables' base frequency, sweep their contour, tempo their length and
spacing, notes how many make a phrase. Within a class the pitch, timing, loudness, start
and noise vary; the duration is the same for every recording (no length shortcut).
"""

from __future__ import annotations

import numpy as np

PITCH_HZ = {"very low": 1100.0, "low": 1600.0, "middle": 2300.0, "high": 3200.0, "very high": 4400.0}
TEMPO = {"slow": (0.13, 0.11), "steady": (0.09, 0.07), "fast": (0.055, 0.04)}  # (syllable s, gap s)
NOTES = {"two": 2, "three": 3, "four": 4, "five": 5}


def _syllable(f0: float, sweep: str, dur: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    n = max(int(dur * sr), 8)
    t = np.arange(n) / sr
    if sweep == "rising":
        freq = f0 * np.linspace(0.8, 1.25, n)
    elif sweep == "falling":
        freq = f0 * np.linspace(1.25, 0.8, n)
    elif sweep == "trilled":
        freq = f0 * (1 + 0.1 * np.sin(2 * np.pi * 45 * t))
    else:
        freq = np.full(n, f0)
    phase = 2 * np.pi * np.cumsum(freq) / sr + rng.uniform(0, 2 * np.pi)
    tone = np.sin(phase) + 0.3 * np.sin(2 * phase)
    return tone * np.hanning(n)


def _noise(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Brownish background noise (wind, leaves): white noise through a one-pole low-pass."""
    white = rng.normal(0, 1, n)
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(n, 1 / sr)
    spectrum /= np.sqrt(1 + freqs / 300.0)
    out = np.fft.irfft(spectrum, n)
    return out / (np.abs(out).max() + 1e-9)


def synthesize_song(traits: dict[str, str], seconds: float, sr: int, rng: np.random.Generator,
                    variation: float, noise: float) -> np.ndarray:
    """A float32 waveform in [-1, 1] of exactly round(seconds * sr) samples."""
    n = int(round(seconds * sr))
    out = np.zeros(n, dtype=np.float64)
    f0 = PITCH_HZ[traits["pitch"]] * (1 + rng.uniform(-0.05, 0.05) * variation)
    syl, gap = (v * (1 + rng.uniform(-0.15, 0.15) * variation) for v in TEMPO[traits["tempo"]])
    notes = NOTES[traits["notes"]]
    pos = rng.uniform(0.02, 0.25) * seconds
    while pos < seconds:
        for _ in range(notes):
            start = int(pos * sr)
            s = _syllable(f0 * (1 + rng.normal(0, 0.01)), traits["sweep"], syl, sr, rng)
            end = min(start + len(s), n)
            if start >= n:
                break
            out[start:end] += s[: end - start] * rng.uniform(0.7, 1.0)
            pos += syl + gap
        pos += rng.uniform(0.25, 0.5)  # pause between phrases
    out /= np.abs(out).max() + 1e-9
    out = out * rng.uniform(0.5, 0.9) + _noise(n, sr, rng) * (0.05 + 0.45 * noise) * rng.uniform(0.6, 1.0)
    return (out / max(1.0, np.abs(out).max())).astype(np.float32)
