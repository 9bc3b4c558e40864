import hashlib
from dataclasses import replace

import cv2
import numpy as np
import soundfile as sf

from fgcross.data.synthetic import generate_dataset
from fgcross.data.synthetic.traits import SONG_TRAITS, VISUAL_TRAITS, make_species


def _digest(root):
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_layout_and_real_media(dataset):
    assert (dataset / "classes.txt").read_text().splitlines()[0].startswith("0 001.")
    for media in ("image", "text", "audio", "video"):
        for split in ("train", "test"):
            lines = (dataset / "list" / media / f"{split}.txt").read_text().splitlines()
            assert len(lines) == 4 * (4 if split == "train" else 2)
    image = next((dataset / "image").rglob("*.jpg"))
    assert cv2.imread(str(image)).shape == (48, 48, 3)
    video = next((dataset / "video").rglob("*.mp4"))
    cap = cv2.VideoCapture(str(video))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 4 and cap.read()[0]
    wave, sr = sf.read(next((dataset / "audio").rglob("*.wav")))
    assert sr == 22050 and len(wave) == round(0.6 * 22050) and np.abs(wave).max() > 0.1
    text = next((dataset / "text").rglob("*.txt")).read_text(encoding="utf-8")
    assert len(text.split()) > 5


def test_same_seed_same_bytes(tmp_path, params):
    cfg = replace(params.synthetic, train_per_class=1, test_per_class=1)
    generate_dataset(tmp_path / "a", cfg, progress=False)
    generate_dataset(tmp_path / "b", cfg, progress=False)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    generate_dataset(tmp_path / "c", replace(cfg, seed=1), progress=False)
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_siblings_differ_in_a_visual_and_a_song_trait():
    species = make_species(6, 4, np.random.default_rng(3))
    for a in species:
        for b in species:
            if a.family == b.family and a.label < b.label:
                assert any(a.traits[t] != b.traits[t] for t in VISUAL_TRAITS)
                assert any(a.traits[t] != b.traits[t] for t in SONG_TRAITS)


def test_file_names_carry_no_class(dataset):
    names = [p.name for p in (dataset / "image").rglob("*.jpg")]
    assert all(n.startswith("image_") and len(n) == len("image_") + 12 + 4 for n in names)
    assert len(set(names)) == len(names)


def test_counts_per_media_spread_over_the_classes(tmp_path, params):
    """PKU FG-XMedia's counts differ per media (synthetic.counts): totals spread as evenly as they divide."""
    counts = {"image": {"train": 6, "test": 5}, "text": {"train": 4, "test": 0}, "audio": {"train": 1, "test": 2},
              "video": {"train": 0, "test": 3}}
    cfg = replace(params.synthetic, families=1, species_per_family=4, counts=counts, video_seconds=0.25)
    generate_dataset(tmp_path / "d", cfg, progress=False)
    for media, splits in counts.items():
        for split, total in splits.items():
            lines = (tmp_path / "d/list" / media / f"{split}.txt").read_text().split("\n")
            labels = sorted(int(line.split()[1]) for line in lines if line)
            assert len(labels) == total, (media, split)
            per_class = [labels.count(c) for c in range(4)]
            assert max(per_class) - min(per_class) <= 1 and per_class == sorted(per_class, reverse=True)
