"""The one place where `model.method` picks the network: training, model loading, export and
search all build it here, so a saved model comes back as the class that was trained.

Every method starts from FGCrossNet's parts (`build_parts`: the backbone factory, the
pretrained weights, the char-CNN text branch), drawn first and in the same order, so that
for a seed the parts they share start from the same weights as FGCrossNet's. Then:

- MCSM and CRAN keep all of FGCrossNet and add a head (fgcross.models.method), drawn after
  FGCrossNet's classifier; they rank with a pairwise scorer (fgcross.scoring).
- CCL and CM-GANs (fgcross.models.ccl, fgcross.models.cm_gans) put their own networks on the
  shared CNN's spatial maps (fgcross.models.patches) and their own classifier on top; they
  rank by the inner product, as FGCrossNet does.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from fgcross.errors import ParamsError
from fgcross.models.ccl import CCL
from fgcross.models.cm_gans import CMGANs
from fgcross.models.cran import CRANHead
from fgcross.models.fgcrossnet import FGCrossNet, ModelConfig, build_parts
from fgcross.models.mcsm import MCSMHead
from fgcross.models.method import MethodHead, MethodNet
from fgcross.models.patches import MediaMaps

HEADS: dict[str, Callable[[int, ModelConfig], MethodHead]] = {
    "mcsm": lambda width, cfg: MCSMHead(width, cfg.method_dim),
    "cran": lambda width, cfg: CRANHead(width, cfg.method_dim, text_windows=cfg.text_encoder == "charcnn"),
}
BASELINES: dict[str, type[CCL] | type[CMGANs]] = {"ccl": CCL, "cm_gans": CMGANs}
"""Networks of their own on the shared CNN's maps: (maps, width, model.common_dim, classes) -> network."""
METHODS = ("fgcrossnet", *HEADS, *BASELINES)
"""The values of model.method (the schema's enum is held equal to it by a test)."""


def build_model(cfg: ModelConfig, pretrained: str = "none") -> nn.Module:
    """The network of `cfg.method`; `pretrained` initialises its backbone(s). Each gives media ->
    logits, with `return_features` also the representation its classifier reads, and with
    `return_aux` also what its own loss (or scorer) needs."""
    if cfg.method not in METHODS:
        raise ValueError(f"unknown model.method {cfg.method!r}: expected one of {METHODS}")
    if cfg.method in BASELINES and not cfg.shared:
        raise ParamsError(f"model.shared: false is FGCrossNet's separate-backbones variant; "
                          f"model.method {cfg.method} always shares one backbone")
    backbone, width, adapters, backbones, encoders = build_parts(cfg, pretrained)
    if cfg.method == "fgcrossnet":
        return FGCrossNet(backbone, width, cfg.num_classes, adapters, backbones, encoders)
    if encoders:  # the methods' heads read every media's feature map, which an own encoder does not give
        raise ValueError(f"model.method {cfg.method!r} reads every media's feature map: it needs model.text_model "
                         f"branch (not {cfg.text_model!r}) and spectrogram.kind stft or mel (audio encoder "
                         f"{cfg.audio_encoder!r})")
    if cfg.method in BASELINES:
        return BASELINES[cfg.method](MediaMaps(backbone, adapters), width, cfg.common_dim, cfg.num_classes)
    return MethodNet(backbone, width, cfg.num_classes, adapters, backbones, lambda: HEADS[cfg.method](width, cfg))
