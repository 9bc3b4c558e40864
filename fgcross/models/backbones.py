"""torchvision backbones without their classifier, and loading of pretrained weights.

`pretrained` is `none`, `imagenet` (torchvision's weights API: its cache, or a download
where the network allows), or a path to a local weights file. Loading reports missing and
unexpected keys and fails when no backbone weight was loaded at all: the official code
silently loads nothing when the key names do not match.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn
from torchvision import models as tvm

log = logging.getLogger(__name__)

BACKBONES = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")
STRIP_PREFIXES = ("module.", "backbone.", "model.", "encoder.")


class WeightsError(RuntimeError):
    """Pretrained weights could not be loaded, or matched no parameter of the backbone."""


def build_backbone(name: str) -> tuple[nn.Module, int]:
    """The named torchvision ResNet with its fc replaced by Identity, and its feature width."""
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; choose one of {BACKBONES}")
    net = tvm.get_model(name, weights=None)
    width = net.fc.in_features
    net.fc = nn.Identity()
    return net, width


def _state_dict_from_file(path: Path) -> dict[str, torch.Tensor]:
    if not path.exists():
        raise WeightsError(f"pretrained weights file {path} does not exist")
    obj = torch.load(path, map_location="cpu", weights_only=True)
    for key in ("state_dict", "model", "backbone"):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            obj = obj[key]
    if not isinstance(obj, dict):
        raise WeightsError(f"{path}: expected a state dict, got {type(obj).__name__}")
    return obj


def _imagenet_state_dict(name: str) -> dict[str, torch.Tensor]:
    weights = tvm.get_model_weights(name).DEFAULT
    try:
        return weights.get_state_dict(progress=True)
    except Exception as err:  # URLError and friends when offline
        raise WeightsError(
            f"cannot get torchvision's ImageNet weights for {name} ({err}); put the file in "
            f"torch's cache ({torch.hub.get_dir()}/checkpoints) or set model.pretrained to a local path"
        ) from err


def load_pretrained(backbone: nn.Module, name: str, spec: str) -> dict[str, list[str]]:
    """Load `spec` into `backbone` (torchvision model `name`); return missing and unexpected keys."""
    if spec == "none":
        return {"missing": [], "unexpected": []}
    state = _imagenet_state_dict(name) if spec == "imagenet" else _state_dict_from_file(Path(spec))
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
