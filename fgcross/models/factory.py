"""The one place where `model.method` picks the network: FGCrossNet or a method built on its parts.

Every method shares FGCrossNet's parts (the media adapters, the backbone factory, the
classifier), drawn first and in the same order, so that for a seed the parts they share
start from the same weights; a method's head (fgcross.models.method) is drawn after them.
"""

from __future__ import annotations

from collections.abc import Callable

from fgcross.models.cran import CRANHead
from fgcross.models.fgcrossnet import FGCrossNet, ModelConfig, build_parts
from fgcross.models.mcsm import MCSMHead
from fgcross.models.method import MethodHead, MethodNet

HEADS: dict[str, Callable[[int, ModelConfig], MethodHead]] = {
    "mcsm": lambda width, cfg: MCSMHead(width, cfg.method_dim),
    "cran": lambda width, cfg: CRANHead(width, cfg.method_dim, text_windows=cfg.text_encoder == "charcnn"),
}
METHODS = ("fgcrossnet", *HEADS)
"""The values of model.method."""


def build_model(cfg: ModelConfig, pretrained: str = "none") -> FGCrossNet:
    """The network of `cfg.method`; `pretrained` initialises its backbone(s)."""
    if cfg.method not in METHODS:
        raise ValueError(f"unknown model.method {cfg.method!r}: expected one of {METHODS}")
    backbone, width, adapters, backbones, encoders = build_parts(cfg, pretrained)
    if cfg.method == "fgcrossnet":
        return FGCrossNet(backbone, width, cfg.num_classes, adapters, backbones, encoders)
    if encoders:  # the methods' heads read every media's feature map, which an own encoder does not give
        raise ValueError(f"model.method {cfg.method!r} needs model.text_model branch, not {cfg.text_model!r}")
    return MethodNet(backbone, width, cfg.num_classes, adapters, backbones, lambda: HEADS[cfg.method](width, cfg))
