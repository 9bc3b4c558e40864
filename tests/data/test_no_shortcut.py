"""Class identity leaks through nothing but content: not names, sizes, durations or lengths."""

import os
from dataclasses import replace

import cv2
import numpy as np
import pytest
import soundfile as sf

from fgcross.data.manifest import build_manifest
from fgcross.config import default_params
from fgcross.data.synthetic import generate_dataset


@pytest.fixture(scope="module")
def items(tmp_path_factory):
    root = tmp_path_factory.mktemp("shortcut") / "data"
    cfg = replace(default_params().synthetic, families=2, species_per_family=4, train_per_class=12, test_per_class=1,
                  image_size=48, video_seconds=1.0, video_fps=4, audio_seconds=0.5)
    generate_dataset(root, cfg, progress=False)
    manifest = build_manifest(root, check_content=False)
    manifest["file"] = [root / p for p in manifest["path"]]
    return manifest


def nearest_centroid_accuracy(x: np.ndarray, y: np.ndarray) -> float:
    """Leave-one-out accuracy of the nearest class mean on one metadata feature."""
    correct = 0
    for i in range(len(x)):
        rest = np.arange(len(x)) != i
        means = {c: x[rest & (y == c)].mean() for c in np.unique(y)}
        correct += min(means, key=lambda c: abs(means[c] - x[i])) == y[i]
    return correct / len(x)


def _media(items, media):
    return items[items["media"] == media]


def test_sizes_durations_and_frame_counts_are_constant(items):
    assert len({os.path.getsize(f) for f in _media(items, "video")["file"]}) == 1
    assert len({int(cv2.VideoCapture(str(f)).get(cv2.CAP_PROP_FRAME_COUNT)) for f in _media(items, "video")["file"]}) == 1
    assert len({sf.info(str(f)).frames for f in _media(items, "audio")["file"]}) == 1
    assert len({os.path.getsize(f) for f in _media(items, "audio")["file"]}) == 1
    assert len({cv2.imread(str(f)).shape for f in _media(items, "image")["file"]}) == 1


def test_file_names_say_nothing_of_the_class(items):
    names = [f.name for f in items["file"]]
    assert len(set(names)) == len(names)
    for name, cls in zip(names, items["class_name"], strict=True):
        assert cls.split(".", 1)[1].lower() not in name.lower()


@pytest.mark.parametrize("media,feature", [
    ("image", lambda f: os.path.getsize(f)),
    ("text", lambda f: len(f.read_text(encoding="utf-8"))),
    ("text", lambda f: os.path.getsize(f)),
])
def test_metadata_classifier_stays_near_chance(items, media, feature):
    rows = _media(items, media)
    x = np.array([feature(f) for f in rows["file"]], dtype=float)
    accuracy = nearest_centroid_accuracy(x, rows["label"].to_numpy())
    chance = 1 / rows["label"].nunique()
    assert accuracy <= 2 * chance, f"{media}: {accuracy:.2f} against chance {chance:.2f}"
