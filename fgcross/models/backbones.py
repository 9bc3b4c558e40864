"""torchvision backbones without their classifier, and loading of pretrained weights.

`pretrained` is `none`, `imagenet`, `imagenet-v1` or `imagenet-v2` (torchvision's weights, see
IMAGENET: from torch's cache, or a download where the network allows), or a path to a local
weights file. Loading reports missing and
unexpected keys and fails when no backbone weight was loaded at all: the official code
silently loads nothing when the key names do not match.

Every file is read with `torch.load(weights_only=True)`, which refuses pickled code. The
ImageNet file is also checked against the SHA-256 prefix in its name before it is read:
torch.hub checks that hash only when it downloads, so a file planted in the cache (or
damaged there) would otherwise be loaded as it is, and torchvision's loader unpickles it
with `weights_only=False`.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from pathlib import Path
from urllib.parse import urlparse

import torch
from torch import nn
from torchvision import models as tvm

from fgcross.errors import WeightsError

log = logging.getLogger(__name__)

BACKBONES = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")
STRIP_PREFIXES = ("module.", "backbone.", "model.", "encoder.")


__all__ = ["BACKBONES", "WeightsError", "build_backbone", "feature_map", "load_pretrained", "pool",
           "verify_hash_prefix"]


def build_backbone(name: str) -> tuple[nn.Module, int]:
    """The named torchvision ResNet with its fc replaced by Identity, and its feature width."""
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; choose one of {BACKBONES}")
    net = tvm.get_model(name, weights=None)
    width = net.fc.in_features
    net.fc = nn.Identity()
    return net, width


def feature_map(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The ResNet's last spatial feature map [B, C, h, w]: its forward up to (not including) the pooling.

    `pool(feature_map(net, x))` is `net(x)` (fc being Identity), so a method that needs the cells
    (the patches of MCSM's attention and CRAN's relations) shares the backbone's computation."""
    x = net.maxpool(net.relu(net.bn1(net.conv1(x))))
    return net.layer4(net.layer3(net.layer2(net.layer1(x))))


def pool(net: nn.Module, maps: torch.Tensor) -> torch.Tensor:
    """The ResNet's global average pooling of a feature map, flattened [B, C]."""
    return torch.flatten(net.avgpool(maps), 1)


def _state_dict_from_file(path: Path) -> dict[str, torch.Tensor]:
    if not path.exists():
        raise WeightsError(f"pretrained weights file {path} does not exist (model.pretrained)")
    if not path.is_file():
        raise WeightsError(f"pretrained weights {path} is not a file (model.pretrained)")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise WeightsError(f"{path}: not a weights file that loads with weights_only=True ({first})") from None
    for key in ("state_dict", "model", "backbone"):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            obj = obj[key]
    if not isinstance(obj, dict):
        raise WeightsError(f"{path}: expected a state dict, got {type(obj).__name__}")
    return obj


def verify_hash_prefix(path: Path) -> None:
    """Check the file's SHA-256 against the hex prefix in its name (`resnet18-f37072fd.pth`), as
    torch.hub does on download; raise WeightsError naming the file on a mismatch."""
    match = torch.hub.HASH_REGEX.search(path.name)
    if not match or not match.group(1):
        raise WeightsError(f"{path}: no hash prefix in the file name to check it against")
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(2**20), b""):
            digest.update(block)
    if not digest.hexdigest().startswith(match.group(1)):
        raise WeightsError(f"{path}: SHA-256 {digest.hexdigest()[:16]}... does not start with {match.group(1)}, "
                           "the hash in its name: a damaged or replaced file; delete it to download it again")


IMAGENET = {"imagenet": "DEFAULT", "imagenet-v1": "IMAGENET1K_V1", "imagenet-v2": "IMAGENET1K_V2"}
"""model.pretrained values naming torchvision's ImageNet weights: `imagenet` is torchvision's
DEFAULT (the best it has: V1 for resnet18/34, V2 for resnet50 and up); `imagenet-v1` is what the
official code loads (`pretrained=True`); `imagenet-v2` the newer training recipe."""


def imagenet_weights(name: str, spec: str) -> tvm.WeightsEnum:
    """The torchvision weights entry that `spec` (a key of IMAGENET) names for backbone `name`."""
    weights = tvm.get_model_weights(name)
    try:
        return weights[IMAGENET[spec]] if IMAGENET[spec] != "DEFAULT" else weights.DEFAULT
    except KeyError:
        have = ", ".join(w.name for w in weights)
        raise WeightsError(f"model.pretrained {spec}: torchvision has no {IMAGENET[spec]} weights for {name} "
                           f"(it has {have})") from None


def _imagenet_state_dict(name: str, spec: str = "imagenet") -> dict[str, torch.Tensor]:
    """torchvision's ImageNet weights `spec` for `name` from torch's cache (downloaded there when
    absent and the network allows), hash-checked, then loaded with weights_only=True."""
    url = imagenet_weights(name, spec).url
    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(urlparse(url).path).name
    if not cached.exists():
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            match = torch.hub.HASH_REGEX.search(cached.name)
            torch.hub.download_url_to_file(url, str(cached), match.group(1) if match else None, progress=True)
        except Exception as err:  # URLError and friends when offline
            raise WeightsError(
                f"cannot get torchvision's ImageNet weights for {name} ({err}); put {cached.name} in "
                f"torch's cache ({cached.parent}) or set model.pretrained to a local path"
            ) from None
    verify_hash_prefix(cached)
    return _state_dict_from_file(cached)


def load_pretrained(backbone: nn.Module, name: str, spec: str) -> dict[str, list[str]]:
    """Load `spec` into `backbone` (torchvision model `name`); return missing and unexpected keys."""
    if spec == "none":
        return {"missing": [], "unexpected": []}
    state = _imagenet_state_dict(name, spec) if spec in IMAGENET else _state_dict_from_file(Path(spec))
    cleaned = {}
    for key, value in state.items():
        for prefix in STRIP_PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix):]
        cleaned[key] = value
    cleaned = {k: v for k, v in cleaned.items() if not k.startswith("fc.")}  # classifier: ours has other classes
    own = backbone.state_dict()
    shape_mismatch = [k for k, v in cleaned.items() if k in own and own[k].shape != v.shape]
    usable = {k: v for k, v in cleaned.items() if k in own and k not in shape_mismatch}
    if not usable:
        raise WeightsError(f"pretrained weights {spec!r} matched no parameter of the backbone "
                           f"(first keys: {list(state)[:3]})")
    result = backbone.load_state_dict(usable, strict=False)
    report = {"missing": list(result.missing_keys), "unexpected": sorted(set(cleaned) - set(own)) + shape_mismatch}
    log.info("loaded %d of %d backbone tensors from %s; missing %d, unexpected %d",
             len(usable), len(own), spec, len(report["missing"]), len(report["unexpected"]))
    return report
