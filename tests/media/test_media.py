import cv2
import numpy as np
import pytest
import soundfile as sf

from fgcross.media.audio import load_spectrogram
from fgcross.media.images import load_image, resize_square
from fgcross.media.text import VOCAB_SIZE, encode, read_text
from fgcross.media.video import sample_frames, uniform_indices


def test_uniform_indices_cover_the_duration():
    assert uniform_indices(100, 4).tolist() == [12, 37, 62, 87]
    assert uniform_indices(2, 4).tolist() == [0, 0, 1, 1]  # fewer frames than asked: repeat
    with pytest.raises(ValueError):
        uniform_indices(0, 3)


def _write_video(path, values):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 48))
    for v in values:
        w.write(np.full((48, 64, 3), v, np.uint8))
    w.release()


def test_frames_are_sampled_uniformly_from_mp4(tmp_path):
    path = tmp_path / "v.mp4"
    _write_video(path, range(0, 250, 10))  # 25 frames of growing brightness
    frames = sample_frames(path, 5, 32)
    assert frames.shape == (5, 32, 32, 3) and frames.dtype == np.uint8
    means = frames.mean(axis=(1, 2, 3))
    assert np.all(np.diff(means) > 0)
    assert abs(means[0] - 20) < 6 and abs(means[-1] - 220) < 6  # frames 2 and 22


def test_frames_from_a_folder_and_short_videos(tmp_path):
    folder = tmp_path / "clip"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"{i:03d}.jpg"), np.full((20, 30, 3), 80 * i, np.uint8))
    assert sample_frames(folder, 6, 16).shape == (6, 16, 16, 3)


def test_undecodable_video_names_the_file(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(ValueError, match="bad.mp4"):
        sample_frames(bad, 2, 16)


def test_spectrogram_shows_the_tone_at_its_pitch(tmp_path):
    sr = 22050
    t = np.arange(sr) / sr
    low, high = tmp_path / "low.wav", tmp_path / "high.wav"
    sf.write(low, 0.5 * np.sin(2 * np.pi * 1000 * t), sr)
    sf.write(high, 0.5 * np.sin(2 * np.pi * 6000 * t), sr)
    a = load_spectrogram(low, sr, 512, 128, 80.0, 64)
    b = load_spectrogram(high, sr, 512, 128, 80.0, 64)
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    assert np.argmax(a[:, :, 0].mean(1)) > np.argmax(b[:, :, 0].mean(1))  # low pitch lower in the image


def test_rendered_spectrogram_image_passes_through(tmp_path):
    png = tmp_path / "s.png"
    cv2.imwrite(str(png), np.full((40, 80, 3), 128, np.uint8))
    assert load_spectrogram(png, None, 512, 128, 80.0, 32).shape == (32, 32, 3)


def test_zero_length_audio_is_an_error(tmp_path):
    empty = tmp_path / "e.wav"
    sf.write(empty, np.zeros(0), 22050)
    with pytest.raises(ValueError, match="zero-length"):
        load_spectrogram(empty, 22050, 512, 128, 80.0, 32)


def test_text_codes():
    codes = encode("Ab c!", 8)
    assert codes.tolist()[:5] == [1, 2, 69, 3, 40] and codes.tolist()[5:] == [0, 0, 0]
    assert encode("é" * 20, 4).tolist() == [0, 0, 0, 0]
    assert VOCAB_SIZE == 70


def test_text_errors(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "empty.txt").write_text("  \n")
    with pytest.raises(ValueError, match="not UTF-8"):
        read_text(tmp_path / "latin1.txt")
    with pytest.raises(ValueError, match="empty"):
        read_text(tmp_path / "empty.txt")


def test_images_resize_then_centre_crop(tmp_path):
    img = np.zeros((40, 80, 3), np.uint8)
    img[:, 30:50] = 255
    out = resize_square(img, 20)
    assert out.shape == (20, 20, 3) and out[:, 10].min() == 255 and out[:, 0].max() == 0
    cv2.imwrite(str(tmp_path / "x.png"), img)
    assert load_image(tmp_path / "x.png", 20).shape == (20, 20, 3)


def test_short_videos_warn(tmp_path, caplog):
    path = tmp_path / "short.mp4"
    _write_video(path, [10, 20])
    with caplog.at_level("WARNING"):
        assert sample_frames(path, 4, 16).shape == (4, 16, 16, 3)
    assert "fewer than the 4 requested" in caplog.text


def test_official_vocabulary_drops_space_and_capitals():
    from fgcross.media.text import OFFICIAL_VOCABULARY

    assert len(OFFICIAL_VOCABULARY) == 68 and " " not in OFFICIAL_VOCABULARY
    # dataset.py: vocabulary.index(c) + 1 for c in text if c in vocabulary, then cut
    assert encode("Ab c!", 8, "official").tolist() == [2, 3, 40, 0, 0, 0, 0, 0]
    assert encode("Ab c!", 8, "paper").tolist()[:5] == [1, 2, 69, 3, 40]
    with pytest.raises(ValueError, match="vocabulary"):
        encode("a", 4, "klingon")


def test_last_line_is_the_official_loaders_bug(tmp_path):
    from fgcross.media.text import load_text_codes

    path = tmp_path / "t.txt"
    path.write_text("first line\nsecond\n", encoding="utf-8")
    assert load_text_codes(path, 6, "official", "last").tolist() == encode("second", 6, "official").tolist()
    assert load_text_codes(path, 12, "paper", "all").tolist() == encode("first line second", 12).tolist()
    path.write_text("only text\n\n", encoding="utf-8")  # an empty last line: all padding, as there
    assert not load_text_codes(path, 6, "official", "last").any()


def test_squash_keeps_every_pixel_and_ignores_the_aspect():
    from fgcross.media.images import fit_square

    img = np.zeros((20, 80, 3), np.uint8)
    img[:, :10] = 255  # a white band at the far left: a centre crop loses it, a squash keeps it
    out = fit_square(img, 40, "squash")
    assert out.shape == (40, 40, 3) and out[:, 0].min() == 255 and out[:, -1].max() == 0
    assert fit_square(img, 40, "crop")[:, 0].max() == 0
