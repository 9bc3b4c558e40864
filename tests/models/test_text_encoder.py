"""Subword text: the BPE tokenizer trained on texts, saved with the model, and the
encoders that bypass the shared CNN."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from fgcross.media.subwords import PAD_ID, decode_codes, load_tokenizer, tokenize, train_tokenizer
from fgcross.media.text import encode
from fgcross.models.fgcrossnet import ModelConfig, build_model
from fgcross.models.saved import load_model
from fgcross.models.text_encoder import SubwordText
from fgcross.training.pipeline import save_model

TEXTS = ["a small brown bird with a short bill.", "the wings are blue; it sings at a fast pace.",
         "a stocky build, the chest looks plain.", "often in small groups, it feeds on seeds."] * 3


def codes(texts: list[str], length: int = 64) -> np.ndarray:
    return np.stack([encode(t, length) for t in texts])


def subword_config(kind: str = "subword-cnn", tokenizer: str | None = None) -> ModelConfig:
    return ModelConfig("resnet18", 5, 32, 16, "charcnn", True, "paper", text_model=kind, text_width=32,
                       text_tokenizer=tokenizer or train_tokenizer(TEXTS, 200))


def test_codes_decode_back_to_the_text():
    row = encode("A Brown bird, 12 cm!", 32)
    assert decode_codes(row) == "a brown bird, 12 cm!"  # paper vocabulary: lower-cased, padding dropped


def test_tokenizer_round_trip_and_determinism():
    spec = train_tokenizer(TEXTS, 200)
    assert spec == train_tokenizer(TEXTS, 200)  # the same texts, the same tokenizer, on every run
    tok = load_tokenizer(spec)
    assert tok.token_to_id("[PAD]") == PAD_ID
    assert tok.decode(tok.encode("the wings are blue").ids) == "the wings are blue"
    assert tok.encode("wings").tokens == ["wings"]  # a frequent word is one token
    unseen = tok.encode("bluewings").tokens  # an unseen word breaks into known pieces
    assert len(unseen) > 1 and "[UNK]" not in unseen
    ids = tokenize(tok, ["the wings", "a small brown bird"])
    assert ids.dtype == np.int64 and ids.shape[0] == 2 and (ids[0, 2:] == PAD_ID).all() and (ids[1] != PAD_ID).all()


def test_bad_tokenizer_json_fails_with_a_clear_error():
    with pytest.raises(ValueError, match="tokenizer does not load"):
        load_tokenizer(json.dumps({"model": "nonsense"}))


@pytest.mark.parametrize("kind", ["subword-cnn", "subword-transformer"])
def test_encoder_gives_backbone_width_features_ignoring_padding(kind):
    enc = SubwordText(kind, train_tokenizer(TEXTS, 200), dim=32, width=512).eval()
    x = torch.from_numpy(codes(TEXTS[:2]).astype(np.int64))
    out = enc(x)
    assert out.shape == (2, 512)
    shifted = torch.cat([torch.zeros(2, 5, dtype=torch.long), x], 1)  # front padding: the same tokens
    assert torch.allclose(enc(shifted), out, atol=1e-5)


def test_text_skips_the_shared_cnn_and_meets_the_others_at_the_classifier():
    model = build_model(subword_config()).eval()
    assert "text" in model.encoders and "text" not in model.adapters
    inputs = {"image": torch.randn(2, 3, 32, 32), "text": torch.from_numpy(codes(TEXTS[:3]).astype(np.int64))}
    logits, pooled = model(inputs, return_features=True)
    assert logits["text"].shape == (3, 5) and pooled["text"].shape == (3, 512)
    alone = model({"text": inputs["text"]})["text"]  # no picture media in the batch
    assert torch.allclose(alone, logits["text"], atol=1e-5)
    with pytest.raises(ValueError, match="needs text.encoder charcnn"):
        build_model(ModelConfig("resnet18", 5, 32, 16, "glyph", True, "paper", text_model="subword-cnn", text_width=32,
                                text_tokenizer="{}"))


def test_saved_model_carries_its_tokenizer(tmp_path):
    from fgcross.config import default_params

    cfg = subword_config("subword-transformer")
    model = build_model(cfg).eval()
    save_model(tmp_path, {"model": model.state_dict()}, cfg, default_params(), ["text"], ["a", "b", "c", "d", "e"])
    loaded, config = load_model(tmp_path)
    assert config["model"]["text_tokenizer"] == cfg.text_tokenizer
    x = torch.from_numpy(codes(TEXTS[:2]).astype(np.int64))
    assert torch.equal(loaded({"text": x})["text"], model({"text": x})["text"])


def test_a_model_folder_from_before_issue_20_still_loads(tmp_path):
    from fgcross.config import default_params

    cfg = ModelConfig("resnet18", 3, 32, 16, "charcnn", True, "paper")
    save_model(tmp_path, {"model": build_model(cfg).state_dict()}, cfg, default_params(), ["text"], ["a", "b", "c"])
    config = json.loads((tmp_path / "config.json").read_text())
    for key in ("text_model", "text_width", "text_tokenizer"):
        del config["model"][key]
    (tmp_path / "config.json").write_text(json.dumps(config))
    model, _ = load_model(tmp_path)
    assert "text" in model.adapters and not model.encoders


def test_the_pipeline_trains_the_tokenizer_on_the_training_texts():
    from fgcross.config import default_params, with_overrides
    from fgcross.training.pipeline import model_config

    params = with_overrides(default_params(), {"model.text_model": "subword-cnn", "model.text_vocab": 120}, "test")
    cfg = model_config(params, 5, codes(TEXTS))
    assert cfg.text_tokenizer == train_tokenizer([decode_codes(r) for r in codes(TEXTS)], 120)
    assert load_tokenizer(cfg.text_tokenizer).get_vocab_size() <= 120
    with pytest.raises(ValueError, match="needs the training texts"):
        model_config(params, 5, None)
    assert model_config(default_params(), 5).text_tokenizer == ""  # FGCrossNet's text branch: no tokenizer
