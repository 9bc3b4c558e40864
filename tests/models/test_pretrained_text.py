"""model.text_model pretrained: a local Hugging Face checkpoint, here a tiny BERT the test writes
(no download), frozen or fine-tuned; and model.frozen: [backbone]."""

import numpy as np
import pytest
import torch

from fgcross.media.text import encode
from fgcross.models.factory import build_model
from fgcross.models.fgcrossnet import ModelConfig
from fgcross.models.pretrained_text import CheckpointError, PretrainedText, checkpoint_dir

transformers = pytest.importorskip("transformers")

WORDS = ["the", "bird", "has", "a", "red", "blue", "crown", "wing", "black", "tail", "white", "breast", "song", "call"]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-bert")
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=5 + len(WORDS), hidden_size=16, num_hidden_layers=1,
                                     num_attention_heads=2, intermediate_size=32, max_position_embeddings=64)
    transformers.BertModel(config).save_pretrained(folder)  # safetensors
    tokenizer.save_pretrained(folder)
    return folder


def _codes(*texts):
    return torch.from_numpy(np.stack([encode(t, 64) for t in texts]))


def test_a_missing_folder_or_config_is_one_line_naming_it(tmp_path):
    with pytest.raises(CheckpointError, match="needs model.text_checkpoint"):
        checkpoint_dir("")
    with pytest.raises(CheckpointError, match=r"nowhere: model.text_checkpoint names no folder"):
        checkpoint_dir(str(tmp_path / "nowhere"))
    with pytest.raises(CheckpointError, match=r"config.json: missing"):
        checkpoint_dir(str(tmp_path))
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CheckpointError, match=f"{tmp_path}: transformers cannot load it") as err:
        PretrainedText(str(tmp_path), 8, frozen=True)
    assert "\n" not in str(err.value)


def test_the_texts_are_read_back_and_mean_pooled(checkpoint):
    encoder = PretrainedText(str(checkpoint), 8, frozen=False).eval()
    codes = _codes("The bird has a red crown", "a blue wing and a black tail")
    assert encoder.texts(codes)[0].startswith("the bird has a red crown")
    out = encoder(codes)
    assert out.shape == (2, 8) and (out >= 0).all()
    alone = encoder(codes[:1])  # padding in a batch does not change an item's features
    torch.testing.assert_close(out[:1], alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("frozen", [True, False])
def test_frozen_keeps_the_checkpoint_fixed_and_fine_tuning_trains_it(checkpoint, frozen):
    encoder = PretrainedText(str(checkpoint), 8, frozen=frozen).train()
    assert encoder.encoder.training is not frozen  # frozen: dropout off
    encoder(_codes("white breast", "song call")).sum().backward()
    grads = [p.grad for p in encoder.encoder.parameters()]
    assert all(g is None for g in grads) if frozen else any(g is not None for g in grads)
    assert encoder.project[1].weight.grad is not None


def test_a_model_with_the_pretrained_text_encoder_and_a_frozen_backbone(checkpoint):
    cfg = ModelConfig(backbone="resnet18", num_classes=3, input_size=32, text_embed_dim=8, text_encoder="charcnn",
                      shared=True, text_branch="paper", text_model="pretrained", text_checkpoint=str(checkpoint),
                      frozen=("backbone", "text"))
    model = build_model(cfg).train()
    assert not model.backbone.training and model.classifier.training
    before = model.backbone.bn1.running_mean.clone()
    logits = model({"image": torch.randn(4, 3, 32, 32), "text": _codes("red crown", "blue wing")})
    torch.testing.assert_close(model.backbone.bn1.running_mean, before)  # batch-norm statistics kept
    (logits["image"].sum() + logits["text"].sum()).backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    assert model.classifier.weight.grad is not None
    with pytest.raises(ValueError, match="model.frozen text keeps a pretrained text encoder fixed"):
        build_model(ModelConfig(backbone="resnet18", num_classes=3, input_size=32, text_embed_dim=8,
                                text_encoder="charcnn", shared=True, text_branch="paper", frozen=("text",)))
