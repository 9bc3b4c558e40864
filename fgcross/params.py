"""The typed, immutable form of params.yaml: one frozen dataclass per section.

params.yaml is the only place where defaults live. These classes therefore have no
defaults of their own: `fgcross.config.load_params` validates a file against the schema
(which requires every key) and builds a `Params` from it, and every stage, the CLI and the
library receive that object. A key that exists in params.yaml but not here (or the other
way round) fails `tests/test_config.py`, so the three (file, schema, classes) cannot drift.

Values keep the types YAML gave them (no coercion), so `Params.as_dict()` reproduces the
validated file exactly: digests and MLflow params computed from it are the same as from
the file itself.
"""

from __future__ import annotations

import copy
import dataclasses
import typing
from dataclasses import dataclass, fields, is_dataclass
from typing import Any


@dataclass(frozen=True)
class DataParams:
    source: str
    root: str
    lists: str | None
    media: tuple[str, ...]
    on_error: str


@dataclass(frozen=True)
class SyntheticParams:
    seed: int
    families: int
    species_per_family: int
    train_per_class: int
    test_per_class: int
    counts: dict[str, dict[str, int]] | None  # per media and split, over all classes; None: the per-class counts
    image_size: int
    video_seconds: float
    video_fps: int
    audio_seconds: float
    sample_rate: int
    variation: float
    noise: float


@dataclass(frozen=True)
class PrepareParams:
    shards: int
    processes: int
    shard_items: int
    jpeg_quality: int


@dataclass(frozen=True)
class ImagesParams:
    size: int
    fit: str


@dataclass(frozen=True)
class FramesParams:
    per_video: int
    size: int
    fit: str


@dataclass(frozen=True)
class SpectrogramParams:
    sample_rate: int | None
    kind: str
    n_fft: int
    hop_length: int
    n_mels: int
    top_db: float
    window_seconds: float | None
    render: str
    colormap: str
    size: int
    birdnet_model: str


@dataclass(frozen=True)
class TextParams:
    encoder: str
    length: int
    size: int
    min_font: int
    vocabulary: str
    lines: str


@dataclass(frozen=True)
class ModelParams:
    backbone: str
    pretrained: str
    input_size: int
    text_embed_dim: int
    text_branch: str
    shared: bool
    method: str
    method_dim: int
    text_model: str
    text_vocab: int
    text_width: int
    common_dim: int
    text_checkpoint: str
    frozen: tuple[str, ...]


@dataclass(frozen=True)
class StageParams:
    epochs: int
    lr: float


@dataclass(frozen=True)
class TrainParams:
    seed: int
    device: str
    classes_per_batch: int
    items_per_class: int
    workers: int
    nproc: int
    threads: int
    compile: bool
    precision: str
    optimizer: str
    momentum: float
    weight_decay: float
    schedule: str
    step_size: int
    gamma: float
    stage1: StageParams
    stage2: StageParams
    steps_per_epoch: int
    sampler: str
    augment: bool
    text_shifts: tuple[int, ...]
    stage2_centers: str


@dataclass(frozen=True)
class LossParams:
    center_weight: float
    center_lr_scale: float
    center_init_std: float
    ranking_weight: float
    margin1: float
    margin2: float
    ranking_form: str
    adversarial_weight: float
    triplet_weight: float
    triplet_margin: float
    cca_weight: float
    method_weight: float
    supcon_weight: float
    supcon_temperature: float
    proxy_anchor_weight: float
    multi_similarity_weight: float
    reconstruction_weight: float
    correlation_weight: float
    pairwise_weight: float
    pairwise_margin: float
    gan_weight: float


@dataclass(frozen=True)
class ExportParams:
    splits: tuple[str, ...]
    batch_size: int


@dataclass(frozen=True)
class EvalParams:
    split: str
    exclude_self: bool
    chunk: int
    backend: str
    rerank_k: int
    rerank_alpha: float


@dataclass(frozen=True)
class ReportParams:
    examples: int
    top_k: int
    sample_classes: int
    map_points: int
    audio_seconds: float
    audio_rate: int
    processes: int


@dataclass(frozen=True)
class SearchParams:
    splits: tuple[str, ...]
    backend: str
    k: int
    max_upload_mb: float
    host: str
    port: int
    audio_seconds: float
    audio_rate: int
    max_concurrent: int
    header_timeout_s: float
    body_timeout_s: float


@dataclass(frozen=True)
class TrackingParams:
    enabled: bool
    uri: str
    experiment: str


@dataclass(frozen=True)
class Params:
    """The whole of params.yaml, validated; build it with `fgcross.config.load_params`."""

    data: DataParams
    synthetic: SyntheticParams
    prepare: PrepareParams
    images: ImagesParams
    frames: FramesParams
    spectrogram: SpectrogramParams
    text: TextParams
    model: ModelParams
    train: TrainParams
    loss: LossParams
    export: ExportParams
    eval: EvalParams
    report: ReportParams
    search: SearchParams
    tracking: TrackingParams

    def as_dict(self) -> dict[str, Any]:
        """The plain form (lists for tuples), equal to the validated params.yaml it came from."""
        return section_dict(self)

    def section(self, name: str) -> Any:
        """The section called `name` (e.g. a preparation stage's section, chosen by a table)."""
        if name not in SECTIONS:
            raise KeyError(f"params has no section {name!r}")
        return getattr(self, name)


SECTIONS: tuple[str, ...] = tuple(f.name for f in fields(Params))


def section_dict(section: Any) -> dict[str, Any]:
    """A section (or the whole Params) as plain dicts and lists: for digests, JSON and MLflow."""
    return _plain(dataclasses.asdict(section))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# Keys added after runs were recorded (metrics/ablation.csv, resume states, prepared stores, saved
# models): at these values they change nothing, so the digests and a store's meta.json leave them
# out (older records and stores still match), and a saved model that lacks one gets it back.
NEUTRAL_KEYS = {("model", "shared"): True, ("loss", "adversarial_weight"): 0.0, ("loss", "triplet_weight"): 0.0,
                ("loss", "cca_weight"): 0.0, ("loss", "triplet_margin"): 0.5,
                # the official code's options, at today's behaviour
                ("model", "text_branch"): "paper", ("text", "vocabulary"): "paper", ("text", "lines"): "all",
                ("train", "sampler"): "pk", ("train", "augment"): True, ("train", "text_shifts"): list(range(9)),
                ("train", "stage2_centers"): "carry", ("loss", "center_init_std"): 0.01,
                ("train", "steps_per_epoch"): 0,
                # the methods compared with FGCrossNet (fgcross.models.factory)
                ("model", "method"): "fgcrossnet", ("model", "method_dim"): 64, ("loss", "method_weight"): 1.0,
                # the parts of the method beyond FGCrossNet, off
                ("model", "text_model"): "branch", ("model", "text_vocab"): 2000, ("model", "text_width"): 256,
                ("loss", "supcon_weight"): 0.0, ("loss", "supcon_temperature"): 0.1,
                ("loss", "proxy_anchor_weight"): 0.0, ("loss", "multi_similarity_weight"): 0.0,
                ("model", "common_dim"): 128, ("loss", "reconstruction_weight"): 0.0,
                ("loss", "correlation_weight"): 0.0, ("loss", "pairwise_weight"): 0.0,
                ("loss", "pairwise_margin"): 1.0, ("loss", "gan_weight"): 0.0,
                # pretrained encoders: BirdNET, a local text checkpoint, frozen parts; off
                ("spectrogram", "birdnet_model"): "", ("model", "text_checkpoint"): "", ("model", "frozen"): []}



ADDED_SINCE_STORES = frozenset({("spectrogram", "birdnet_model")})
"""Keys of the preparation sections added after stores were written: at their neutral value a
store's meta.json leaves them out, so a store prepared now has the bytes of one prepared before
(the data digest of every committed study row still matches)."""


def without_neutral(name: str, section: dict[str, Any]) -> dict[str, Any]:
    """A section's plain form without the keys that sit at their NEUTRAL_KEYS value (for digests)."""
    return {k: v for k, v in section.items() if (name, k) not in NEUTRAL_KEYS or v != NEUTRAL_KEYS[(name, k)]}


def store_info(name: str, section: dict[str, Any]) -> dict[str, Any]:
    """A preparation section as a store's meta.json records it: without the keys added since
    stores were first written (ADDED_SINCE_STORES), when they sit at their neutral value."""
    return {k: v for k, v in section.items()
            if (name, k) not in ADDED_SINCE_STORES or v != NEUTRAL_KEYS[(name, k)]}


def stored_section(sections: dict[str, Any], name: str) -> Any:
    """A section saved as JSON (models/config.json keeps the preparation sections) in typed form.

    A model saved by an older version may lack keys added since: those of NEUTRAL_KEYS come
    back at their neutral value (what the model was made with); any other is an error naming
    the section and the keys, not a silent default."""
    cls = typing.get_type_hints(Params)[name]
    stored = {**{k: v for (s, k), v in NEUTRAL_KEYS.items() if s == name}, **sections.get(name, {})}
    missing = sorted({f.name for f in fields(cls)} - set(stored))
    if missing:
        raise ValueError(f"the model's stored {name!r} params lack {missing}: it was saved by an older "
                         f"version; train it again")
    return build(cls, {k: stored[k] for k in stored if k in {f.name for f in fields(cls)}})


def build(cls: type, mapping: dict[str, Any]) -> Any:
    """An instance of the dataclass `cls` from a mapping that holds exactly its fields.

    Called on a validated mapping only (the schema requires every key and forbids others),
    so a missing or extra key here is a programming error, not a user's."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    if set(mapping) != names:
        raise KeyError(f"{cls.__name__}: keys {sorted(set(mapping) ^ names)} do not match the fields")
    values = {}
    for name in names:
        value, hint = mapping[name], hints[name]
        if is_dataclass(hint):
            value = build(hint, value)
        elif isinstance(value, list):
            value = tuple(copy.deepcopy(value))
        values[name] = value
    return cls(**values)
