"""Spectrogram variants and rendering; text rendered as glyph pictures."""

import matplotlib
import numpy as np
import pytest
import soundfile as sf

from fgcross.media.audio import colormap_table, db_to_image, fix_columns, load_spectrogram, spectrogram_db
from fgcross.media.glyph import layout, load_text_glyphs, render_glyphs

SR = 22050


def _tone(path, hz, seconds=1.0):
    t = np.arange(int(SR * seconds)) / SR
    sf.write(path, 0.5 * np.sin(2 * np.pi * hz * t), SR)
    return path


def test_mel_variant_shows_the_pitch(tmp_path):
    low, high = _tone(tmp_path / "low.wav", 500), _tone(tmp_path / "high.wav", 5000)
    a = load_spectrogram(low, SR, 512, 128, 80.0, 64, kind="mel", n_mels=64)
    b = load_spectrogram(high, SR, 512, 128, 80.0, 64, kind="mel", n_mels=64)
    assert a.shape == (64, 64, 3)
    assert np.argmax(a[:, :, 0].mean(1)) > np.argmax(b[:, :, 0].mean(1))
    db = spectrogram_db(np.zeros(SR, np.float32) + 1e-3, 512, 128, 80.0, kind="mel", n_mels=32)
    assert db.shape[0] == 32 and db.max() <= 0 and db.min() >= -80
    with pytest.raises(ValueError, match="unknown spectrogram kind"):
        spectrogram_db(np.zeros(100), 64, 16, 80.0, kind="cqt")


def test_colormap_table_is_matplotlibs_and_grey_repeats_one_channel():
    table = colormap_table("magma")
    expected = np.round(matplotlib.colormaps["magma"](np.linspace(0, 1, 256))[:, :3] * 255)
    assert table.shape == (256, 3) and np.array_equal(table, expected.astype(np.uint8))
    db = np.linspace(-80, 0, 40 * 50).reshape(40, 50)
    grey = db_to_image(db, 80.0, 32)
    assert np.array_equal(grey[..., 0], grey[..., 1]) and np.array_equal(grey[..., 0], grey[..., 2])
    colour = db_to_image(db, 80.0, 32, render="colormap", colormap="magma")
    assert np.array_equal(colour, table[grey[..., 0]])  # the same levels, looked up
    with pytest.raises(ValueError, match="unknown colormap"):
        colormap_table("no-such-map")


def test_windows_crop_long_and_pad_short_recordings(tmp_path):
    db = np.arange(3 * 10, dtype=float).reshape(3, 10) - 80
    assert fix_columns(db, 4, 80.0).tolist() == db[:, 3:7].tolist()  # centre window
    padded = fix_columns(db, 14, 80.0)
    assert padded.shape == (3, 14) and (padded[:, 10:] == -80).all()  # silence at the end
    short, long = _tone(tmp_path / "s.wav", 1000, 0.5), _tone(tmp_path / "l.wav", 1000, 3.0)
    a = load_spectrogram(short, SR, 512, 128, 80.0, 64, window_seconds=1.0)
    b = load_spectrogram(long, SR, 512, 128, 80.0, 64, window_seconds=1.0)
    assert a.shape == b.shape == (64, 64, 3)
    assert a[:, 40:].max() == 0 and b[:, 40:].max() > 0  # the short one's second half is silence


def test_glyphs_render_wrapped_text_deterministically(tmp_path):
    text = "A small finch with a bright blue head, a green back and red underparts " * 2
    pixels, lines = layout(text, 128)
    assert len(lines) > 1 and pixels >= 6
    img = render_glyphs(text, 128)
    assert img.shape == (128, 128, 3) and img.dtype == np.uint8
    assert (img < 128).mean() > 0.05  # ink on the page
    assert np.array_equal(img, render_glyphs(text, 128))
    assert np.array_equal(img[..., 0], img[..., 2])
    short_font, _ = layout("tiny", 128)
    assert short_font > pixels  # a short text gets a bigger font
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    assert np.array_equal(load_text_glyphs(tmp_path / "t.txt", 128), img)


def test_glyphs_cut_a_text_too_long_for_the_smallest_font():
    pixels, lines = layout("word " * 5000, 64, min_font=6)
    assert pixels == 6 and 0 < len(lines) * 6 * 1.15 <= 64
    assert render_glyphs("word " * 5000, 64).shape == (64, 64, 3)


def _reference_db(wave: np.ndarray, n_fft: int, hop: int, top_db: float) -> np.ndarray:
    """|STFT| in dB the textbook way, in float64: centred zero-padded frames, a periodic Hann
    window, an explicit DFT matrix (no FFT library), power_to_db with ref = max."""
    padded = np.pad(np.asarray(wave, np.float64), n_fft // 2)
    frames = np.stack([padded[i * hop:i * hop + n_fft] for i in range(1 + (padded.size - n_fft) // hop)], axis=1)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    dft = np.exp(-2j * np.pi * np.arange(n_fft // 2 + 1)[:, None] * np.arange(n_fft)[None, :] / n_fft)
    power = np.maximum(1e-10, np.abs(dft @ (window[:, None] * frames)) ** 2)
    db = 10 * np.log10(power) - 10 * np.log10(power.max())
    return np.maximum(db, db.max() - top_db)


def test_spectrogram_levels_do_not_depend_on_the_fft_rounding():
    """The prepared audio is the same on any CPU: the levels equal those of an independent float64
    DFT, while the float32 FFT (what librosa computes for float32 samples, with CPU-dependent last
    bits) lands on other levels in the quiet bins, so this test would catch a return to float32."""
    import librosa

    t = np.arange(3 * SR) / SR
    wave = (0.5 * np.sin(2 * np.pi * (500 + 2000 * t) * t)
            + 1e-3 * np.random.default_rng(0).standard_normal(t.size)).astype(np.float32)  # a chirp, a low floor

    def levels(db):
        return np.clip((db + 80.0) / 80.0 * 255.0, 0, 255).astype(np.uint8)

    ours, reference = spectrogram_db(wave, 512, 128, 80.0), _reference_db(wave, 512, 128, 80.0)
    assert ours.dtype == np.float64 and np.abs(ours - reference).max() < 1e-6  # a level is 0.31 dB
    assert np.array_equal(levels(ours), levels(reference))
    single = librosa.amplitude_to_db(np.abs(librosa.stft(wave, n_fft=512, hop_length=128)), ref=np.max, top_db=80.0)
    assert single.dtype == np.float32 and (levels(single) != levels(reference)).sum() > 0
    mel = spectrogram_db(wave, 512, 128, 80.0, kind="mel", n_mels=64)
    assert mel.dtype == np.float64
