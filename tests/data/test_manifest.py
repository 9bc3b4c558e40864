import os
import shutil
from pathlib import Path

import pytest

from fgcross.data.manifest import DatasetError, build_manifest, read_classes


@pytest.fixture
def root(tmp_path, dataset):
    """A private copy of the tiny dataset, with image and text only, to break at will."""
    out = tmp_path / "root"
    for part in ("image", "text", "classes.txt", "list/image", "list/text"):
        src = dataset / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, out / part)
    return out


def _append(root, media, split, line):
    path = root / "list" / media / f"{split}.txt"
    lines = path.read_text().splitlines() + [line]
    path.write_text("\n".join(lines) + "\n")
    return path, len(lines)


def _first_entry(root, media="image"):
    return (root / "list" / media / "train.txt").read_text().splitlines()[0].split()[0]


def test_valid_dataset_builds_manifest(root):
    manifest = build_manifest(root)
    assert set(manifest["media"]) == {"image", "text"}  # audio/video have no lists: absent
    assert list(manifest.columns) == ["id", "media", "split", "label", "class_name", "path"]
    assert manifest["class_name"].str.match(r"\d{3}\.").all()


@pytest.mark.parametrize("line,message", [
    ("image/nope/missing.jpg 0", "missing file"),
    ("{first} x", "label 'x' is not an integer"),
    ("{first} -1", "negative"),
    ("{first} 99", "not below the number of classes"),
    ("/etc/passwd 0", "absolute"),
    ("../outside.jpg 0", "escapes the dataset root"),
])
def test_bad_lines_name_file_and_line(root, line, message):
    path, n = _append(root, "image", "test", line.format(first=_first_entry(root)))
    with pytest.raises(DatasetError) as err:
        build_manifest(root)
    assert f"{path}:{n}:" in str(err.value) and message in str(err.value)


def test_symlink_outside_root_is_rejected(root, tmp_path):
    outside = tmp_path / "outside.jpg"
    shutil.copy(root / _first_entry(root), outside)
    os.symlink(outside, root / "image" / "link.jpg")
    path, n = _append(root, "image", "test", "image/link.jpg 0")
    with pytest.raises(DatasetError, match=f"{path}:{n}:.*outside the dataset root"):
        build_manifest(root)


def test_duplicates_and_train_test_overlap(root):
    first = _first_entry(root)
    path, n = _append(root, "image", "train", f"{first} 0")
    with pytest.raises(DatasetError, match=f"{path}:{n}:.*listed twice"):
        build_manifest(root)
    (root / "list/image/train.txt").write_text("\n".join(path.read_text().splitlines()[:-1]) + "\n")
    path, n = _append(root, "image", "test", f"{first} 0")
    with pytest.raises(DatasetError, match=f"{path}:{n}:.*in both train and test"):
        build_manifest(root)


def test_empty_list_file(root):
    (root / "list/text/test.txt").write_text("\n")
    with pytest.raises(DatasetError, match="list file is empty"):
        build_manifest(root)


def test_all_problems_reported_at_once(root):
    _append(root, "image", "test", "a/missing.jpg 0")
    _append(root, "text", "test", "b/missing.txt 0")
    with pytest.raises(DatasetError, match=r"^2 problem\(s\)"):
        build_manifest(root)


def test_cub_style_classes_are_shifted_to_zero(tmp_path):
    (tmp_path / "classes.txt").write_text("1 001.Black_footed_Albatross\n2 002.Laysan_Albatross\n")
    assert read_classes(tmp_path) == {0: "001.Black_footed_Albatross", 1: "002.Laysan_Albatross"}


def test_media_filter(root):
    assert set(build_manifest(root, media=("text",))["media"]) == {"text"}


def test_lists_kept_outside_the_root(root, tmp_path):
    elsewhere = tmp_path / "official_lists"
    shutil.move(str(root / "list"), elsewhere)
    with pytest.raises(DatasetError, match="no usable items"):
        build_manifest(root)
    assert set(build_manifest(root, lists=str(elsewhere))["media"]) == {"image", "text"}


def test_without_classes_txt_names_come_from_folders(root):
    (root / "classes.txt").unlink()
    manifest = build_manifest(root)
    first = manifest.iloc[0]
    assert first["class_name"] == first["path"].split("/")[1]


def test_class_names_come_with_the_result(root):
    from fgcross.data.manifest import index_dataset

    names = index_dataset(root).class_names
    assert len(names) == 4 and names[0].startswith("001.")
    (root / "classes.txt").unlink()
    assert index_dataset(root).class_names == names  # the class folders carry the same names


def test_index_records_a_root_inside_the_project_relative_so_a_copy_reads_its_own(tmp_path, monkeypatch):
    """A clone or a `dvc exp run --temp` copy holds the same build/index bytes and reads its own
    dataset; a dataset outside the project keeps its absolute path."""
    import json
    import shutil

    import pandas as pd

    from fgcross.data.index_files import read_index, write_index

    project = tmp_path / "project"
    (project / "data/set").mkdir(parents=True)
    manifest = pd.DataFrame({"id": ["a"], "media": ["text"], "split": ["train"], "label": [0],
                             "class_name": ["Cardinal"], "path": ["text/a.txt"]})
    monkeypatch.chdir(project)
    write_index("build/index", Path("data/set"), manifest, ["Cardinal"])
    summary = json.loads((project / "build/index/summary.json").read_text())
    assert summary["root"] == "../../data/set"
    assert str(tmp_path) not in (project / "build/index/summary.json").read_text()
    copy = tmp_path / "clone"
    shutil.copytree(project, copy)
    monkeypatch.chdir(tmp_path)  # read from anywhere: the root is resolved against the index folder
    assert read_index(copy / "build/index").root == (copy / "data/set").resolve()
    assert read_index(copy / "build/index").root_label == "clone/data/set"  # a page shows no absolute path
    outside = tmp_path / "shared"
    outside.mkdir()
    monkeypatch.chdir(project)
    write_index("build/other", outside, manifest, ["Cardinal"])
    assert json.loads((project / "build/other/summary.json").read_text())["root"] == str(outside.resolve())
    assert read_index(project / "build/other").root == outside.resolve()
