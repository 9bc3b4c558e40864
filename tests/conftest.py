"""Shared fixtures: tiny params, a tiny generated dataset, its index and prepared media."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from fgcross.config import load_params, params_from_dict
from fgcross.data.index_files import read_index, write_index
from fgcross.data.manifest import build_manifest, read_classes
from fgcross.data.prepared import StoreSettings, prepare_media
from fgcross.data.synthetic import generate_dataset
from fgcross.media.converters import BY_MEDIA, converter, extras
from fgcross.params import Params, section_dict

REPO = Path(__file__).resolve().parent.parent

TINY = {
    "synthetic": {"families": 2, "species_per_family": 2, "train_per_class": 4, "test_per_class": 2,
                  "image_size": 48, "video_seconds": 1.0, "video_fps": 4, "audio_seconds": 0.6},
    "images": {"size": 36},
    "frames": {"per_video": 2, "size": 36},
    "spectrogram": {"size": 36, "n_fft": 256, "hop_length": 64},
    "text": {"length": 48},
    "model": {"input_size": 32},
    "train": {"classes_per_batch": 4, "items_per_class": 2, "stage1": {"epochs": 1, "lr": 0.001},
              "stage2": {"epochs": 1, "lr": 0.0003}},
    "report": {"examples": 1, "top_k": 3},
}


def merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def tiny_raw() -> dict:
    """The tiny params as a plain dict (for tests of validation, and files to write)."""
    return merge(load_params(REPO / "params.yaml").as_dict(), TINY)


def tiny_params() -> Params:
    return params_from_dict(tiny_raw(), "tiny params")


def override(params: Params, tree: dict) -> Params:
    """params with the (nested) keys of `tree` replaced, validated again."""
    return params_from_dict(merge(params.as_dict(), tree), "test params")


def write_tiny_params(path: Path, extra: dict | None = None) -> None:
    """Write the tiny params with `extra` merged in, unvalidated (a test may write a bad file on purpose)."""
    path.write_text(yaml.safe_dump(merge(tiny_raw(), extra or {}), sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="session")
def params() -> Params:
    return tiny_params()


@pytest.fixture(scope="session")
def dataset(tmp_path_factory, params) -> Path:
    root = tmp_path_factory.mktemp("dataset") / "generated"
    generate_dataset(root, params.synthetic, progress=False)
    return root


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, dataset) -> Path:
    out = tmp_path_factory.mktemp("index") / "index"
    manifest = build_manifest(dataset)
    classes = read_classes(dataset)
    write_index(out, dataset, manifest, [classes[i] for i in range(len(classes))])
    return out


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory, index_dir, params) -> Path:
    out = tmp_path_factory.mktemp("media")
    index = read_index(index_dir)
    for media, stage in BY_MEDIA.items():
        section = params.section(stage.section)
        prepare_media(index, media, out / media, converter(media, section), section_dict(section),
                      StoreSettings.of(params.prepare), progress=False, extras=extras(media))
    return out
