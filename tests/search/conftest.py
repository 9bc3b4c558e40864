"""A tiny trained model, its exported embeddings and a search index over them."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from fgcross.data.prepared import load_split
from fgcross.embeddings import embed_split, save_embeddings
from fgcross.models.saved import load_model
from fgcross.search.gallery import build_search_index
from fgcross.training.pipeline import train_model
from tests.conftest import override

SEARCH = {"splits": ["train", "test"], "backend": "numpy", "k": 5, "max_upload_mb": 1.0, "host": "127.0.0.1",
          "port": 8765, "audio_seconds": 0.5, "audio_rate": 8000, "max_concurrent": 2,
          "header_timeout_s": 2.0, "body_timeout_s": 2.0}


@pytest.fixture(scope="session")
def searchable(tmp_path_factory, params, media_dir, index_dir) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("search")
    return trained_search(work, override(params, {"train": {"stage1": {"epochs": 2}}}), media_dir, index_dir)


def trained_search(work: Path, params, media_dir: Path, index_dir: Path) -> dict[str, Path]:
    """Train with `params`, export both splits and build the search index, all under `work`."""
    train_model(params, media_dir, index_dir, work / "models", progress=False, state_dir=work / "state")
    model, config = load_model(work / "models")
    for split in ("train", "test"):
        for media in config["media"]:
            arrays = embed_split(model, load_split(media_dir / media, split), config["model"]["input_size"],
                                 torch.device("cpu"))
            save_embeddings(work / "exports" / split / f"{media}.npz", arrays)
    build_search_index(work / "exports", index_dir, media_dir, work / "search", ["train", "test"], 0.5, 8000,
                       progress=False)
    return {"models": work / "models", "search": work / "search", "exports": work / "exports", "work": work}
