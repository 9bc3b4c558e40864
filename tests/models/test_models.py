import pytest
import torch

from fgcross.models.backbones import WeightsError, build_backbone, load_pretrained
from fgcross.models.fgcrossnet import ModelConfig, build_model
from fgcross.models.text_branch import CharCNNText


def test_text_branch_turns_codes_into_pictures():
    branch = CharCNNText(image_size=32, embed_dim=16)
    assert branch.conv1.in_channels == 16 and branch.conv1.out_channels == 16
    assert branch.conv2.out_channels == 32
    out = branch(torch.randint(0, 70, (3, 48)))
    assert out.shape == (3, 3, 32, 32)
    assert branch(torch.randint(0, 70, (2, 32))).shape == (2, 3, 32, 32)  # T == S: the paper's case


def test_paper_sized_text_branch_layers():
    branch = CharCNNText(image_size=448)
    assert (branch.embed.num_embeddings, branch.embed.embedding_dim) == (70, 16)
    assert (branch.conv1.in_channels, branch.conv1.out_channels) == (16, 224)
    assert (branch.conv2.in_channels, branch.conv2.out_channels) == (224, 448)
    assert (branch.to_rgb.in_channels, branch.to_rgb.out_channels) == (1, 3)


def test_one_shared_backbone_for_every_media():
    model = build_model(ModelConfig("resnet18", 7, 32, 16, "charcnn", True)).eval()
    inputs = {"image": torch.randn(2, 3, 32, 32), "text": torch.randint(0, 70, (3, 40)),
              "audio": torch.randn(1, 3, 32, 32), "video": torch.randn(4, 3, 32, 32)}
    logits, pooled = model(inputs, return_features=True)
    assert {m: tuple(v.shape) for m, v in logits.items()} == {"image": (2, 7), "text": (3, 7), "audio": (1, 7),
                                                             "video": (4, 7)}
    assert pooled["image"].shape == (2, 512)
    assert sum(1 for n, _ in model.named_modules() if n.endswith("layer4")) == 1


def test_local_weights_file_loads_and_reports_keys(tmp_path, caplog):
    source, _ = build_backbone("resnet18")
    state = {f"module.{k}": v for k, v in source.state_dict().items()}  # DataParallel-style names
    state["module.fc.weight"] = torch.zeros(1000, 512)
    state["module.extra.weight"] = torch.zeros(1)
    path = tmp_path / "weights.pth"
    torch.save({"state_dict": state}, path)
    target, _ = build_backbone("resnet18")
    report = load_pretrained(target, "resnet18", str(path))
    assert report["missing"] == [] and report["unexpected"] == ["extra.weight"]
    for k, v in source.state_dict().items():
        assert torch.equal(target.state_dict()[k], v)
    model = build_model(ModelConfig("resnet18", 3, 32, 16, "charcnn", True), pretrained=str(path))
    assert torch.equal(model.backbone.conv1.weight, source.conv1.weight)


def test_weights_that_match_nothing_fail_loudly(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"totally.different": torch.zeros(3)}, path)
    target, _ = build_backbone("resnet18")
    with pytest.raises(WeightsError, match="matched no parameter"):
        load_pretrained(target, "resnet18", str(path))
    with pytest.raises(WeightsError, match="does not exist"):
        load_pretrained(target, "resnet18", str(tmp_path / "missing.pth"))


def test_imagenet_weights_offline_give_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    import torchvision.models as tvm

    def offline(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(tvm.ResNet18_Weights.DEFAULT.__class__, "get_state_dict", offline)
    target, _ = build_backbone("resnet18")
    with pytest.raises(WeightsError, match="ImageNet weights for resnet18"):
        load_pretrained(target, "resnet18", "imagenet")


def test_unknown_backbone():
    with pytest.raises(ValueError, match="unknown backbone"):
        build_backbone("vgg16")


def test_the_same_state_saves_to_the_same_bytes(tmp_path):
    """DVC hashes models/: a re-run that trains the same weights must write the same file."""
    import torch

    from fgcross.models.checkpoint import load_checkpoint, save_checkpoint

    state = {"model": {"w": torch.arange(6.0).reshape(2, 3)}, "centers": {"c": torch.zeros(2)}}
    save_checkpoint(tmp_path / "a" / "model.pt", state)
    save_checkpoint(tmp_path / "b" / "model.pt", state)
    assert (tmp_path / "a" / "model.pt").read_bytes() == (tmp_path / "b" / "model.pt").read_bytes()
    assert torch.equal(load_checkpoint(tmp_path / "a" / "model.pt")["model"]["w"], state["model"]["w"])
