"""Every corrupt-file case gives a clear error naming the list file and line, or is skipped."""

import shutil

import numpy as np
import pytest
import soundfile as sf

from fgcross.data.manifest import DatasetError, index_dataset


@pytest.fixture
def root(tmp_path, dataset):
    out = tmp_path / "root"
    shutil.copytree(dataset, out)
    return out


def _first(root, media, split="train"):
    lst = root / "list" / media / f"{split}.txt"
    rel = lst.read_text().splitlines()[0].rsplit(" ", 1)[0]
    return lst, root / rel


def _truncate_jpeg(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _break_wav_header(path):
    data = bytearray(path.read_bytes())
    data[0:4] = b"JUNK"
    path.write_bytes(bytes(data))


def _zero_length_wav(path):
    sf.write(str(path), np.zeros(0), 22050, format="WAV")


def _undecodable_mp4(path):
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200)


def _empty_text(path):
    path.write_text("   \n")


def _latin1_text(path):
    path.write_bytes("caf\xe9 au lait".encode("latin-1"))


CASES = [
    ("image", _truncate_jpeg, "truncated JPEG"),
    ("audio", _break_wav_header, "unreadable audio"),
    ("audio", _zero_length_wav, "zero-length audio"),
    ("video", _undecodable_mp4, "video"),
    ("text", _empty_text, "empty text"),
    ("text", _latin1_text, "not UTF-8"),
]


@pytest.mark.parametrize("media,damage,message", CASES, ids=[c[2] for c in CASES])
def test_corrupt_file_is_an_error_naming_list_and_line(root, media, damage, message):
    lst, file = _first(root, media)
    damage(file)
    with pytest.raises(DatasetError) as err:
        index_dataset(root)
    text = str(err.value)
    assert f"{lst}:1: {file.relative_to(root).as_posix()}" in text and message in text


@pytest.mark.parametrize("media,damage,message", CASES[:2], ids=[c[2] for c in CASES[:2]])
def test_skip_mode_leaves_bad_items_out_and_lists_them(root, media, damage, message):
    lst, file = _first(root, media)
    damage(file)
    result = index_dataset(root, on_error="skip")
    rel = file.relative_to(root).as_posix()
    assert rel not in set(result.manifest["path"])
    errors = [p for p in result.problems if p.severity == "error"]
    assert len(errors) == 1 and errors[0].path == rel and errors[0].line == 1 and message in errors[0].message


def test_bad_list_lines_are_skipped_too(root):
    lst = root / "list" / "text" / "test.txt"
    lst.write_text(lst.read_text() + "text/none/missing.txt 0\n")
    result = index_dataset(root, on_error="skip")
    assert any("missing file" in p.message and p.file == str(lst) for p in result.problems)
    assert len(result.manifest[result.manifest["media"] == "text"]) == 16 + 8


def test_class_without_training_items_is_a_warning(root):
    lst = root / "list" / "audio" / "train.txt"
    lst.write_text("".join(line + "\n" for line in lst.read_text().splitlines() if not line.endswith(" 3")))
    result = index_dataset(root)  # legal: no error raised
    warnings = [p for p in result.problems if p.severity == "warning"]
    assert len(warnings) == 1 and "no training item in audio: 3" in warnings[0].message


def test_frame_folders_and_rendered_spectrograms_are_accepted(root, tmp_path):
    import cv2

    folder = root / "video" / "clip"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"{i}.jpg"), np.full((20, 20, 3), 50 * i, np.uint8))
    png = root / "audio" / "rendered.png"
    cv2.imwrite(str(png), np.full((30, 60, 3), 90, np.uint8))
    (root / "list/video/test.txt").write_text((root / "list/video/test.txt").read_text() + "video/clip 0\n")
    (root / "list/audio/test.txt").write_text((root / "list/audio/test.txt").read_text() + "audio/rendered.png 1\n")
    manifest = index_dataset(root).manifest
    assert {"video/clip", "audio/rendered.png"} <= set(manifest["path"])
