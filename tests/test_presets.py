"""The two PKU presets: the official code's values as the official code has them.

OFFICIAL lists every setting the official code decides, with the value read from its files
(github PKU-ICST-MIPL/FGCrossNet_ACMMM2019, commit 26ee4de); the preset must hold each, and
every key the preset comments "official:" must be listed here.
"""

import re
from pathlib import Path

import pytest

from fgcross.config import load_params

REPO = Path(__file__).resolve().parents[1]
OFFICIAL_PRESET = REPO / "presets" / "pku_official.yaml"
PAPER_PRESET = REPO / "presets" / "pku_fgcrossnet.yaml"

OFFICIAL = {
    "images.size": 512, "images.fit": "squash",                         # main.py: Resize((512, 512))
    "frames.per_video": 25, "frames.size": 512, "frames.fit": "squash",  # test.py batch 25; main.py
    "spectrogram.sample_rate": 22050, "spectrogram.kind": "stft", "spectrogram.n_fft": 2048,
    "spectrogram.hop_length": 512, "spectrogram.top_db": 80.0, "spectrogram.window_seconds": None,
    "spectrogram.render": "colormap", "spectrogram.colormap": "magma", "spectrogram.size": 512,  # audio.py
    "text.encoder": "charcnn", "text.length": 448, "text.vocabulary": "official", "text.lines": "last",  # dataset.py
    "model.backbone": "resnet50", "model.input_size": 448, "model.text_embed_dim": 16,
    "model.text_branch": "official", "model.shared": True,                # model.py, main.py
    "model.pretrained": "weights/resnet50-0676ba61.pth",                  # V1, model.py's resnet50-19c8e357
    "train.classes_per_batch": 4, "train.items_per_class": 1, "train.workers": 4, "train.nproc": 1,
    "train.precision": "fp32", "train.optimizer": "sgd", "train.momentum": 0.9, "train.weight_decay": 0.0,
    "train.schedule": "step", "train.step_size": 3, "train.gamma": 0.5,
    "train.stage1.epochs": 50, "train.stage1.lr": 0.001, "train.stage2.epochs": 50, "train.stage2.lr": 0.001,
    "train.sampler": "sequential", "train.augment": False, "train.text_shifts": (0, 2, 4, 6, 8),
    "train.stage2_centers": "fresh",                                     # main.py, train.py, train.sh
    "loss.center_weight": 0.001, "loss.center_lr_scale": 1000.0, "loss.center_init_std": 1.0,
    "loss.ranking_weight": 0.1, "loss.margin1": 1.0, "loss.margin2": 0.5, "loss.ranking_form": "reference",
    "eval.exclude_self": False,                                          # retrieval.py
}


def value(params, dotted):
    obj = params
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def commented_official(path):
    """The dotted keys whose line in the preset carries an `official:` comment."""
    keys, section, sub = set(), None, None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(\s*)(\w+):", line)
        if not m:
            continue
        depth = len(m.group(1)) // 2
        if depth == 0:
            section, sub = m.group(2), None
        elif depth == 1:
            sub = m.group(2)
        comment = line.split("#", 1)[1] if "#" in line else ""
        if "official:" in comment:
            keys.add(".".join([section, sub, m.group(2)] if depth == 2 else [section, m.group(2)]))
    return keys


@pytest.mark.parametrize("key", sorted(OFFICIAL))
def test_the_official_preset_has_the_official_value(key):
    assert value(load_params(OFFICIAL_PRESET), key) == OFFICIAL[key]


def test_every_official_comment_is_checked():
    assert commented_official(OFFICIAL_PRESET) <= set(OFFICIAL)
    assert len(commented_official(OFFICIAL_PRESET)) >= 40


def test_the_paper_preset_keeps_its_fixes():
    paper, official = load_params(PAPER_PRESET), load_params(OFFICIAL_PRESET)
    fixed = ["images.fit", "train.augment", "train.weight_decay", "train.sampler", "text.lines", "text.vocabulary",
             "model.text_branch", "train.stage2_centers", "train.stage2.epochs", "model.pretrained"]
    assert [k for k in fixed if value(paper, k) == value(official, k)] == []
    assert value(paper, "text.lines") == "all" and value(paper, "model.backbone") == "resnet50"
    text = PAPER_PRESET.read_text(encoding="utf-8")
    assert "# paper: StepLR" not in text and "centre-crop (paper)" not in text  # labels that were not the paper's
