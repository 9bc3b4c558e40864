"""The official code's trained weights in our network (`fgcross import-official`).

main.py saves `nn.DataParallel(resnet50(num_classes=200)).state_dict()`: keys start with
`module.`; the text branch is `embed`, `conv01`, `conv02`, `conv0`; the ResNet layers keep
torchvision's names at the top level (`conv1`, `bn1`, `layer1`..`layer4`) and the classifier
is `fc`. Our network with `model.text_branch: official` has the same layers under other
names, so the conversion is a renaming: nothing is dropped, and a key left over is an error.
Its AvgPool2d(14) equals our adaptive pooling at the official 448 px input.
"""

from __future__ import annotations

from pathlib import Path

import torch

from fgcross.errors import FgcrossError

TEXT_LAYERS = {"embed.": "adapters.text.embed.", "conv01.": "adapters.text.conv1.",
               "conv02.": "adapters.text.conv2.", "conv0.": "adapters.text.to_rgb."}
BACKBONE_LAYERS = ("conv1.", "bn1.", "layer1.", "layer2.", "layer3.", "layer4.")


class OfficialWeightsError(FgcrossError):
    """A state dict that is not the official code's layout."""


def official_key(key: str) -> str:
    """Our name of one official key (`module.` stripped)."""
    key = key.removeprefix("module.")
    for old, new in TEXT_LAYERS.items():  # conv01/conv02 before conv0: the dict keeps that order
        if key.startswith(old):
            return new + key[len(old):]
    if key.startswith(BACKBONE_LAYERS):
        return "backbone." + key
    if key.startswith("fc."):
        return "classifier." + key[len("fc."):]
    raise OfficialWeightsError(f"official weights: unexpected key {key!r}")


def convert_official(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The official state dict renamed to ours (the network's `model` state dict)."""
    return {official_key(k): v for k, v in state.items()}


def load_official(path: str | Path) -> dict[str, torch.Tensor]:
    """Read an official `.pkl` (a torch.save of a state dict) safely, and convert it."""
    state = torch.load(Path(path), map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or not state:
        raise OfficialWeightsError(f"{path}: not a state dict")
    return convert_official(state)
