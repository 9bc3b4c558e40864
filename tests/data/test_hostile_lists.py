"""Lists and classes.txt as a careless user or an attacker writes them: each is one
clear error naming the file (and line), never a traceback or a hang."""

from __future__ import annotations

import os
import threading

import pytest

from fgcross.data.manifest import MAX_CLASSES, DatasetError, build_manifest, index_dataset, read_classes
from tests.data.test_manifest import _append, _first_entry, root  # noqa: F401 - the fixture


def _index(root):  # noqa: F811
    """index_dataset in a thread: a hang (a FIFO opened) fails the test instead of stopping the suite."""
    out: dict = {}

    def run():
        try:
            out["result"] = index_dataset(root, check_content=False)
        except Exception as err:  # noqa: BLE001 - handed to the test
            out["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), "the index stage hung"
    if "error" in out:
        raise out["error"]
    return out["result"]


def test_huge_label_without_classes_txt_is_refused(root):  # noqa: F811
    """Today's main accepted 2,000,000 (a 2-million-class head), and 1e9 ended in MemoryError."""
    (root / "classes.txt").unlink()
    path, n = _append(root, "image", "test", f"{_first_entry(root)} 2000000")
    with pytest.raises(DatasetError, match=f"{path}:{n}: label 2000000 is above the {MAX_CLASSES - 1}"):
        build_manifest(root, check_content=False)


def test_non_utf8_list_names_the_file_and_line(root):  # noqa: F811
    path = root / "list" / "image" / "train.txt"
    path.write_bytes(path.read_bytes() + b"image/caf\xe9.jpg 0\n")
    n = path.read_bytes().count(b"\n")
    with pytest.raises(DatasetError, match=f"{path}:{n}: the list file is not UTF-8 text"):
        _index(root)


def test_list_path_that_is_a_folder(root):  # noqa: F811
    path = root / "list" / "image" / "test.txt"
    path.unlink()
    path.mkdir()
    with pytest.raises(DatasetError, match=f"{path}: is a folder, not a list file"):
        _index(root)


@pytest.mark.parametrize("media", ["image", "text"])
def test_fifo_in_a_list_is_refused_unopened(root, media):  # noqa: F811
    fifo = root / media / f"pipe{'.jpg' if media == 'image' else '.txt'}"
    os.mkfifo(fifo)
    path, n = _append(root, media, "test", f"{fifo.relative_to(root)} 0")
    with pytest.raises(DatasetError, match=f"{path}:{n}: {fifo.name}: is a FIFO"):
        _index(root)


def test_fifo_as_a_list_file_or_classes_txt(root):  # noqa: F811
    path = root / "list" / "image" / "test.txt"
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(DatasetError, match=f"{path}: is a FIFO, not a list file"):
        _index(root)
    (root / "classes.txt").unlink()
    os.mkfifo(root / "classes.txt")
    with pytest.raises(DatasetError, match="classes.txt: is a FIFO"):
        read_classes(root)


def test_byte_order_marks_are_not_read_into_the_first_path(root):  # noqa: F811
    for path in (root / "list" / "image" / "train.txt", root / "classes.txt"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    first = _first_entry(root).lstrip("\ufeff")
    manifest = _index(root).manifest
    assert first in set(manifest["path"]) and not manifest["path"].str.contains("\ufeff").any()
    assert not any(name.startswith("\ufeff") for name in read_classes(root).values())
    assert 0 in read_classes(root)


def test_non_utf8_classes_txt_names_the_file(root):  # noqa: F811
    (root / "classes.txt").write_bytes(b"0 Caf\xe9\n")
    with pytest.raises(DatasetError, match="classes.txt:1: the class list is not UTF-8"):
        read_classes(root)


def test_unicode_digits_are_not_labels(root):  # noqa: F811
    (root / "classes.txt").write_text("\u00b2 squared\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="expected '<label> <class name>'"):
        read_classes(root)
