import hashlib
import io
import pickle
from pathlib import Path

import pytest
import torch

from fgcross.models.backbones import (
    WeightsError,
    _state_dict_from_file,
    build_backbone,
    load_pretrained,
    verify_hash_prefix,
)
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
    model = build_model(ModelConfig("resnet18", 7, 32, 16, "charcnn", True, "paper")).eval()
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
    model = build_model(ModelConfig("resnet18", 3, 32, 16, "charcnn", True, "paper"), pretrained=str(path))
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

    def offline(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    target, _ = build_backbone("resnet18")
    with pytest.raises(WeightsError, match="ImageNet weights for resnet18"):
        load_pretrained(target, "resnet18", "imagenet")


class Payload:
    """A pickle that, when unpickled, writes a marker file: what a planted weights file could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "ran"))


def _named_by_hash(folder: Path, stem: str, data: bytes) -> Path:
    path = folder / f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}.pth"
    path.write_bytes(data)
    return path


def test_planted_pickle_in_the_torch_cache_does_not_run(monkeypatch, tmp_path):
    """Today's main: a pickle placed as resnet18-f37072fd.pth ran its payload (torch.hub does not
    check a cached file's hash, torchvision unpickles with weights_only=False)."""
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    marker = tmp_path / "payload-ran"
    (tmp_path / "checkpoints").mkdir()
    planted = tmp_path / "checkpoints" / "resnet18-f37072fd.pth"
    planted.write_bytes(pickle.dumps({"fc.weight": Payload(marker)}))
    target, _ = build_backbone("resnet18")
    with pytest.raises(WeightsError, match="resnet18-f37072fd.pth: SHA-256 .* does not start with f37072fd"):
        load_pretrained(target, "resnet18", "imagenet")
    assert not marker.exists()


def test_cached_weights_checked_by_hash_then_loaded_weights_only(tmp_path):
    buffer = io.BytesIO()
    source, _ = build_backbone("resnet18")
    torch.save(source.state_dict(), buffer)
    good = _named_by_hash(tmp_path, "resnet18", buffer.getvalue())
    verify_hash_prefix(good)
    assert set(_state_dict_from_file(good)) == set(source.state_dict())
    wrong = tmp_path / "resnet18-00000000.pth"
    wrong.write_bytes(buffer.getvalue())
    with pytest.raises(WeightsError, match="resnet18-00000000.pth: SHA-256"):
        verify_hash_prefix(wrong)
    marker = tmp_path / "payload-ran"  # a pickle whose name carries its own hash passes the check ...
    evil = _named_by_hash(tmp_path, "resnet18", pickle.dumps({"w": Payload(marker)}))
    verify_hash_prefix(evil)
    with pytest.raises(WeightsError, match=f"{evil.name}: not a weights file"):  # ... but weights_only refuses it
        _state_dict_from_file(evil)
    assert not marker.exists()


def test_weights_path_that_is_a_folder_is_one_error(tmp_path):
    target, _ = build_backbone("resnet18")
    with pytest.raises(WeightsError, match="is not a file"):
        load_pretrained(target, "resnet18", str(tmp_path))


def test_unknown_backbone():
    with pytest.raises(ValueError, match="unknown backbone"):
        build_backbone("vgg16")


def test_official_text_branch_is_model_py_process_txt():
    torch.manual_seed(0)
    branch = CharCNNText(image_size=16, embed_dim=4, form="official").eval()
    codes = torch.randint(0, 70, (2, 16))
    # model.py: embed -> transpose -> conv01 -> relu -> conv02 -> view(-1, 1, S, S) -> conv0
    x = branch.embed(codes).transpose(2, 1)
    x = branch.conv2(torch.relu(branch.conv1(x))).view(-1, 1, 16, 16)
    assert torch.equal(branch(codes), branch.to_rgb(x))
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in branch.modules())
    paper = CharCNNText(image_size=16, embed_dim=4, form="paper")
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in paper.modules())
    with pytest.raises(ValueError, match="text branch"):
        CharCNNText(16, 4, form="nonsense")


def test_the_same_state_saves_to_the_same_bytes(tmp_path):
    """DVC hashes models/: a re-run that trains the same weights must write the same file."""
    import torch

    from fgcross.models.checkpoint import load_checkpoint, save_checkpoint

    state = {"model": {"w": torch.arange(6.0).reshape(2, 3)}, "centers": {"c": torch.zeros(2)}}
    save_checkpoint(tmp_path / "a" / "model.pt", state)
    save_checkpoint(tmp_path / "b" / "model.pt", state)
    assert (tmp_path / "a" / "model.pt").read_bytes() == (tmp_path / "b" / "model.pt").read_bytes()
    assert torch.equal(load_checkpoint(tmp_path / "a" / "model.pt")["model"]["w"], state["model"]["w"])


def test_imagenet_v1_and_v2_name_torchvisions_weights_and_a_missing_one_is_refused(monkeypatch, tmp_path):
    from fgcross.models.backbones import imagenet_weights

    assert imagenet_weights("resnet50", "imagenet").name == "IMAGENET1K_V2"  # torchvision's DEFAULT
    assert imagenet_weights("resnet50", "imagenet-v1").name == "IMAGENET1K_V1"  # the official code's
    assert imagenet_weights("resnet18", "imagenet-v1").url.endswith("resnet18-f37072fd.pth")
    with pytest.raises(WeightsError, match="no IMAGENET1K_V2 weights for resnet18 .it has IMAGENET1K_V1"):
        imagenet_weights("resnet18", "imagenet-v2")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    (tmp_path / "checkpoints").mkdir()
    source, _ = build_backbone("resnet50")
    buffer = io.BytesIO()
    torch.save(source.state_dict(), buffer)
    v1_name = Path(imagenet_weights("resnet50", "imagenet-v1").url).name
    (tmp_path / "checkpoints" / v1_name).write_bytes(buffer.getvalue())  # a file of V1's name, not its hash
    target, _ = build_backbone("resnet50")
    with pytest.raises(WeightsError, match=f"{v1_name}: SHA-256"):
        load_pretrained(target, "resnet50", "imagenet-v1")
