"""FGCrossNet: one backbone and one classifier shared by every media.

Each media may have an input adapter (`adapters`, a ModuleDict keyed by media: the text
branch turns character codes into a picture); all media then go through the same CNN in
one concatenated batch, and the classifier's output (one logit per class) is the common
representation used for retrieval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from fgcross.models.backbones import build_backbone, load_pretrained
from fgcross.models.text_branch import CharCNNText


@dataclass(frozen=True)
class ModelConfig:
    backbone: str = "resnet18"
    num_classes: int = 200
    input_size: int = 448
    text_embed_dim: int = 16
    text_encoder: str = "charcnn"

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class FGCrossNet(nn.Module):
    def __init__(self, backbone: nn.Module, width: int, num_classes: int, adapters: dict[str, nn.Module]) -> None:
        super().__init__()
        self.backbone = backbone
        self.adapters = nn.ModuleDict(adapters)
        self.classifier = nn.Linear(width, num_classes)

    def embed_inputs(self, media: str, x: torch.Tensor) -> torch.Tensor:
        return self.adapters[media](x) if media in self.adapters else x

    def forward(self, inputs: dict[str, torch.Tensor], return_features: bool = False):
        """inputs: media -> batch; returns media -> logits (and media -> pooled features)."""
        names = list(inputs)
        pictures = [self.embed_inputs(m, inputs[m]) for m in names]
        sizes = [p.shape[0] for p in pictures]
        features = self.backbone(torch.cat(pictures))
        logits = self.classifier(features)
        out = dict(zip(names, logits.split(sizes), strict=True))
        if return_features:
            return out, dict(zip(names, features.split(sizes), strict=True))
        return out


def build_model(cfg: ModelConfig, pretrained: str = "none") -> FGCrossNet:
    backbone, width = build_backbone(cfg.backbone)
    load_pretrained(backbone, cfg.backbone, pretrained)
    adapters: dict[str, nn.Module] = {}
    if cfg.text_encoder == "charcnn":
        adapters["text"] = CharCNNText(cfg.input_size, cfg.text_embed_dim)
    return FGCrossNet(backbone, width, cfg.num_classes, adapters)
