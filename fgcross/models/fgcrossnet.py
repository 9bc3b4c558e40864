"""FGCrossNet: one backbone and one classifier shared by every media.

Each media may have an input adapter (`adapters`, a ModuleDict keyed by media: the text
branch turns character codes into a picture); all media then go through the same CNN in
one concatenated batch, and the classifier's output (one logit per class) is the common
representation used for retrieval.

A media may instead have an encoder of its own (`encoders`: text with `model.text_model:
subword-*`, fgcross.models.text_encoder; audio with `spectrogram.kind: birdnet`,
fgcross.models.audio_encoder): it gives features of the backbone's width directly, which
meet the other media at the shared classifier.

`shared=False` (model.shared: false) builds the design FGCrossNet argues against, for
comparison: one backbone per media (`backbones`), each media through its own CNN, and the
classifier head still common to all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from fgcross import MEDIA
from fgcross.models.audio_encoder import AUDIO_ENCODERS, EmbeddingProjection
from fgcross.models.backbones import build_backbone, feature_map, load_pretrained, pool
from fgcross.models.pretrained_text import PretrainedText
from fgcross.models.text_branch import CharCNNText
from fgcross.models.text_encoder import SubwordText


@dataclass(frozen=True)
class ModelConfig:
    """What builds the network: from params (training.pipeline.model_config) or a saved config.json.

    No defaults: they live in params.yaml only."""

    backbone: str
    num_classes: int
    input_size: int
    text_embed_dim: int
    text_encoder: str
    shared: bool  # False: one backbone per media, the classifier head common
    text_branch: str  # paper | official (model.text_branch)
    # Added after the first seven. They have the values of the models saved before them, so an older
    # config.json (and a caller naming the first seven fields) still builds the same network.
    method: str = "fgcrossnet"  # model.method: fgcrossnet | mcsm | cran | ccl | cm_gans (fgcross.models.factory)
    method_dim: int = 64  # model.method_dim: the method head's width (mcsm, cran)
    common_dim: int = 128  # model.common_dim: width of the codes and common representation (ccl, cm_gans)
    # the defaults are FGCrossNet's, so that model folders saved before them still load
    text_model: str = "branch"  # branch | subword-cnn | subword-transformer (model.text_model)
    text_width: int = 0  # token embedding width of a subword text model (model.text_width)
    text_tokenizer: str = ""  # the subword tokenizer's JSON (trained on the training texts)
    audio_encoder: str = "cnn"  # cnn | birdnet (from spectrogram.kind; fgcross.models.audio_encoder)
    text_checkpoint: str = ""  # model.text_checkpoint: the local folder of text_model pretrained
    frozen: tuple[str, ...] = ()  # model.frozen: parts whose pretrained weights stay fixed (backbone, text)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class FGCrossNet(nn.Module):
    def __init__(self, backbone: nn.Module | None, width: int, num_classes: int, adapters: dict[str, nn.Module],
                 backbones: dict[str, nn.Module] | None = None, encoders: dict[str, nn.Module] | None = None) -> None:
        super().__init__()
        self.backbone = backbone  # shared by every media; None when each media has its own
        self.backbones = nn.ModuleDict(backbones or {})
        self.adapters = nn.ModuleDict(adapters)
        self.classifier = nn.Linear(width, num_classes)
        self.encoders = nn.ModuleDict(encoders or {})  # media -> features [B, width] without the backbone

    def train(self, mode: bool = True) -> FGCrossNet:
        """As nn.Module.train, but a frozen backbone (model.frozen: [backbone]) stays in eval mode:
        its batch-norm statistics are pretrained weights too."""
        super().train(mode)
        for net in [self.backbone, *self.backbones.values()]:
            if net is not None and not any(p.requires_grad for p in net.parameters()):
                net.eval()
        return self

    def embed_inputs(self, media: str, x: torch.Tensor) -> torch.Tensor:
        return self.adapters[media](x) if media in self.adapters else x

    def feature_maps(self, inputs: dict[str, torch.Tensor]) -> tuple[list[str], list[int], torch.Tensor, torch.Tensor]:
        """(media names, their batch sizes, the last spatial feature maps [B, C, h, w], the pooled
        features [B, C]) of every media's batch, concatenated in the order of `inputs`: what a method
        that needs the backbone's cells (fgcross.models.method) builds on."""
        names = list(inputs)
        pictures = [self.embed_inputs(m, inputs[m]) for m in names]
        sizes = [p.shape[0] for p in pictures]
        nets = [self.backbone] * len(names) if self.backbone is not None else [self.backbones[m] for m in names]
        if self.backbone is not None:
            maps = feature_map(self.backbone, torch.cat(pictures))
        else:
            maps = torch.cat([feature_map(n, p) for n, p in zip(nets, pictures, strict=True)])
        return names, sizes, maps, pool(nets[0], maps)

    def forward(self, inputs: dict[str, torch.Tensor], return_features: bool = False):
        """inputs: media -> batch; returns media -> logits (and media -> pooled features)."""
        names = list(inputs)
        through_cnn = [m for m in names if m not in self.encoders]
        pictures = [self.embed_inputs(m, inputs[m]) for m in through_cnn]
        if not through_cnn:
            features = torch.zeros(0, self.classifier.in_features, device=self.classifier.weight.device)
        elif self.backbone is not None:  # every picture media in one batch: the batch statistics span them
            features = self.backbone(torch.cat(pictures))
        else:
            features = torch.cat([self.backbones[m](p) for m, p in zip(through_cnn, pictures, strict=True)])
        if self.encoders:
            by_media = dict(zip(through_cnn, features.split([p.shape[0] for p in pictures]), strict=True))
            by_media.update({m: self.encoders[m](inputs[m]) for m in names if m in self.encoders})
            features = torch.cat([by_media[m] for m in names])
        sizes = [inputs[m].shape[0] for m in names]
        logits = self.classifier(features)
        out = dict(zip(names, logits.split(sizes), strict=True))
        if return_features:
            return out, dict(zip(names, features.split(sizes), strict=True))
        return out


def build_parts(cfg: ModelConfig, pretrained: str = "none") -> tuple[nn.Module | None, int, dict[str, nn.Module],
                                                                  dict[str, nn.Module] | None, dict[str, nn.Module]]:
    """(shared backbone or None, feature width, input adapters, per-media backbones or None, encoders of
    media that skip the backbone (a subword text model)):
    what FGCrossNet and every method built on it (fgcross.models.factory) are made of."""
    # backbones first, then the text branch: the order the random initialisation is drawn in,
    # so that a seed gives the same weights as before model.shared existed
    if cfg.shared:
        backbone, width = build_backbone(cfg.backbone)
        load_pretrained(backbone, cfg.backbone, pretrained)
        backbones = None
    else:
        backbone, backbones = None, {}
        for media in MEDIA:
            backbones[media], width = build_backbone(cfg.backbone)
            load_pretrained(backbones[media], cfg.backbone, pretrained)
    if "backbone" in cfg.frozen:
        for net in [backbone] if backbone is not None else list(backbones.values()):
            net.requires_grad_(False)
    adapters: dict[str, nn.Module] = {}
    encoders: dict[str, nn.Module] = {}
    if "text" in cfg.frozen and cfg.text_model != "pretrained":
        raise ValueError(f"model.frozen text keeps a pretrained text encoder fixed: it needs model.text_model "
                         f"pretrained, not {cfg.text_model!r} (trained from scratch)")
    if cfg.text_model == "pretrained":
        if cfg.text_encoder != "charcnn":
            raise ValueError(f"model.text_model pretrained reads the texts from their character codes: it needs "
                             f"text.encoder charcnn, not {cfg.text_encoder!r}")
        encoders["text"] = PretrainedText(cfg.text_checkpoint, width, "text" in cfg.frozen)
    elif cfg.text_model != "branch":
        if cfg.text_encoder != "charcnn":
            raise ValueError(f"model.text_model {cfg.text_model!r} reads character codes: it needs text.encoder "
                             f"charcnn, not {cfg.text_encoder!r}")
        encoders["text"] = SubwordText(cfg.text_model, cfg.text_tokenizer, cfg.text_width, width)
    elif cfg.text_encoder == "charcnn":
        adapters["text"] = CharCNNText(cfg.input_size, cfg.text_embed_dim, cfg.text_branch)
    if cfg.audio_encoder == "birdnet":  # drawn last: every other part starts from the same weights as without it
        encoders["audio"] = EmbeddingProjection(width)
    elif cfg.audio_encoder != "cnn":
        raise ValueError(f"unknown audio encoder {cfg.audio_encoder!r}: expected one of {AUDIO_ENCODERS}")
    return backbone, width, adapters, backbones, encoders


def build_model(cfg: ModelConfig, pretrained: str = "none") -> FGCrossNet:
    """FGCrossNet itself (model.method: fgcrossnet); fgcross.models.factory builds any method."""
    backbone, width, adapters, backbones, encoders = build_parts(cfg, pretrained)
    return FGCrossNet(backbone, width, cfg.num_classes, adapters, backbones, encoders)
