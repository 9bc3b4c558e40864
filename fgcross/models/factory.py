"""The one place where `model.method` picks the network: training, model loading, export and
search all build it here, so a saved model comes back as the class that was trained.

Every method starts from the same pieces: the backbone factory (`backbones`), the
pretrained weights, and the char-CNN text branch, drawn in that order (the order of the
random initialisation, so a seed gives FGCrossNet the same weights as before methods
existed).
"""

from __future__ import annotations

from torch import nn

from fgcross.errors import ParamsError
from fgcross.models.backbones import build_backbone, load_pretrained
from fgcross.models.ccl import CCL
from fgcross.models.cm_gans import CMGANs
from fgcross.models.fgcrossnet import ModelConfig, build_model
from fgcross.models.patches import MediaMaps
from fgcross.models.text_branch import CharCNNText

METHODS = ("fgcrossnet", "ccl", "cm_gans")


def _shared_maps(cfg: ModelConfig, pretrained: str) -> tuple[MediaMaps, int]:
    """The shared CNN and the text branch, as FGCrossNet builds them; and the map's width."""
    backbone, width = build_backbone(cfg.backbone)
    load_pretrained(backbone, cfg.backbone, pretrained)
    adapters: dict[str, nn.Module] = {}
    if cfg.text_encoder == "charcnn":
        adapters["text"] = CharCNNText(cfg.input_size, cfg.text_embed_dim, cfg.text_branch)
    return MediaMaps(backbone, adapters), width


def build_network(cfg: ModelConfig, pretrained: str = "none") -> nn.Module:
    """The network of `cfg.method`. Each gives media -> logits, and with `return_features` the
    representation its classifier reads; CCL and CM-GANs also give `return_aux`, what their
    losses need."""
    if cfg.method == "fgcrossnet":
        return build_model(cfg, pretrained)
    if cfg.method not in METHODS:
        raise ParamsError(f"model.method: unknown method {cfg.method!r}; expected one of {METHODS}")
    if not cfg.shared:
        raise ParamsError(f"model.shared: false is FGCrossNet's separate-backbones variant; "
                          f"model.method {cfg.method} always shares one backbone")
    maps, width = _shared_maps(cfg, pretrained)
    network = CCL if cfg.method == "ccl" else CMGANs
    return network(maps, width, cfg.common_dim, cfg.num_classes)
