"""A dataset with only some of the four media trains, exports and evaluates the directions it has."""

import torch

from fgcross.data.prepared import load_split
from fgcross.embeddings import Embeddings, embed_split
from fgcross.metrics import evaluate_retrieval
from fgcross.models.saved import load_model
from fgcross.training.pipeline import train_model
from tests.conftest import override


def test_image_and_text_only(tmp_path, params, media_dir, index_dir):
    p = override(params, {"data": {"media": ["image", "text"]}, "train": {"stage2": {"epochs": 1}}})
    train_model(p, media_dir, index_dir, tmp_path / "m", progress=False, state_dir=tmp_path / "s")
    model, config = load_model(tmp_path / "m")
    assert config["media"] == ["image", "text"]
    emb = {}
    for m in config["media"]:
        arrays = embed_split(model, load_split(media_dir / m, "test"), 32, torch.device("cpu"))
        emb[m] = Embeddings(m, arrays["features"], arrays["labels"], arrays["ids"])
    assert set(evaluate_retrieval(emb)) == {"i2t", "t2i", "bi_avg", "i2all", "t2all", "multi_avg"}
