"""Frame sampling: uniform in time, seeking where possible, VFR, rotation, fit, previews."""

import fractions
import struct

import cv2
import numpy as np
import pytest

from fgcross.media import video
from fgcross.media.images import fit_square, letterbox_square
from fgcross.media.video import preview_strip, sample_frames, segment_centres


def _cfr(path, count, fps=10, size=(64, 48)):
    """Frame k is filled with grey level 4k: the level tells which frame was read."""
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for k in range(count):
        w.write(np.full((size[1], size[0], 3), 4 * k, np.uint8))
    w.release()


def _vfr(path, durations_ms):
    """A variable-frame-rate MP4 written with PyAV: frame k lasts durations_ms[k], level 8k."""
    av = pytest.importorskip("av")
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4")
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.time_base = stream.codec_context.time_base = fractions.Fraction(1, 1000)
        pts = 0
        for k, ms in enumerate(durations_ms):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 8 * k, np.uint8), format="rgb24")
            frame.pts, frame.time_base = pts, fractions.Fraction(1, 1000)
            for packet in stream.encode(frame):
                out.mux(packet)
            pts += ms
        for packet in stream.encode():
            out.mux(packet)


def _decode_all(path, size=16):
    cap, frames = cv2.VideoCapture(str(path)), []
    while (read := cap.read())[0]:
        frames.append(fit_square(cv2.cvtColor(read[1], cv2.COLOR_BGR2RGB), size))
    return np.stack(frames)


def _levels(frames, step=8):
    return np.round(frames.mean(axis=(1, 2, 3)) / step).astype(int).tolist()


def test_constant_rate_seeks_and_matches_decoding_everything(tmp_path, monkeypatch):
    path = tmp_path / "cfr.mp4"
    _cfr(path, 60)
    seeks = []
    real = cv2.VideoCapture

    class Spy:  # records seeks (a subclass of the OpenCV type crashes it)
        def __init__(self, *args):
            self.cap = real(*args)

        def __getattr__(self, name):
            return getattr(self.cap, name)

        def set(self, prop, value):
            if prop == cv2.CAP_PROP_POS_FRAMES:
                seeks.append(value)
            return self.cap.set(prop, value)

    def no_scan(*args):
        raise AssertionError("a constant-rate video must not be decoded front to back")

    with monkeypatch.context() as m:
        m.setattr(video.cv2, "VideoCapture", Spy)
        m.setattr(video, "_scan_frames", no_scan)
        fast = sample_frames(path, 3, 16)
    assert seeks, "sparse targets are reached by seeking"
    every = _decode_all(path)
    assert np.array_equal(fast, every[[10, 30, 50]])  # the frames at the centres of three 2 s segments
    assert np.array_equal(sample_frames(path, 10, 16), every[np.arange(3, 60, 6)])  # dense: grabs
    monkeypatch.setattr(video, "_seek_frames", lambda *a: None)  # force the front-to-back scan
    assert np.array_equal(sample_frames(path, 3, 16), fast)


def test_variable_frame_rate_samples_uniformly_in_time(tmp_path):
    path = tmp_path / "vfr.mp4"
    _vfr(path, [50] * 10 + [250] * 10)  # 10 quick frames (0.5 s), then 10 slow ones (2.5 s)
    levels = _levels(sample_frames(path, 6, 16))
    # uniform in frame index would give frames 1, 5, 8, 11, 15, 18; uniform in time spends
    # most samples in the slow second part, where most of the time is
    assert levels[0] <= 5 and all(level >= 10 for level in levels[1:]), levels
    assert levels == sorted(levels)


def test_rotation_metadata_is_applied(tmp_path):
    path = tmp_path / "landscape.mp4"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 32))
    for _ in range(5):
        img = np.zeros((32, 64, 3), np.uint8)
        img[:, :32] = 255  # left half white
        w.write(img)
    w.release()
    data = bytearray(path.read_bytes())
    tkhd = data.find(b"tkhd")
    matrix = tkhd + 4 + 4 + 20 + 8 + 8  # version 0: flags, times, ids, duration, reserved, layer..volume
    data[matrix:matrix + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)  # 90 degrees
    rotated = tmp_path / "rotated.mp4"
    rotated.write_bytes(bytes(data))
    cap = cv2.VideoCapture(str(rotated))
    assert cap.get(cv2.CAP_PROP_ORIENTATION_META) == 90
    frames = sample_frames(rotated, 1, 32, fit="letterbox")  # portrait 32x64 -> 16 wide, centred
    column = frames[0, :, 16, 0].astype(int)
    assert frames[0, :, :7].max() < 10  # letterbox bars left and right
    assert column[:14].min() > 200 and column[18:].max() < 50  # the white half is now on top


def test_letterbox_keeps_everything_crop_fills():
    img = np.full((20, 80, 3), 200, np.uint8)
    boxed = letterbox_square(img, 40)
    assert boxed.shape == (40, 40, 3) and boxed[:15].max() == 0 and boxed[20, :, 0].min() == 200
    assert fit_square(img, 40, "crop").min() == 200
    with pytest.raises(ValueError, match="unknown fit"):
        fit_square(img, 40, "stretch")


def test_preview_strip_and_segment_centres():
    frames = np.zeros((25, 64, 64, 3), np.uint8)
    assert preview_strip(frames).shape == (48, 48 * 8, 3)
    assert preview_strip(frames[:3], height=32).shape == (32, 96, 3)
    assert segment_centres(4.0, 4).tolist() == [0.5, 1.5, 2.5, 3.5]


def test_empty_frame_folder_names_the_folder(tmp_path):
    (tmp_path / "clip").mkdir()
    with pytest.raises(ValueError, match="clip: no frame images"):
        sample_frames(tmp_path / "clip", 3, 16)
