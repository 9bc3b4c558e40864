"""The method beyond FGCrossNet: its presets, its place in the methods study, and an
ablation study that turns off each of its parts, one at a time."""

from pathlib import Path

from fgcross.ablation import BEYOND_VARIANTS, METHOD_VARIANTS, PRESET, STUDIES, variant_overrides, variant_params
from fgcross.config import load_params, with_overrides
from fgcross.digests import training_digest
from fgcross.presets import apply_preset, preset_overrides

REPO = Path(__file__).resolve().parents[1]
PRESETS = REPO / "presets"


def test_the_beyond_preset_holds_only_keys_that_change_the_defaults():
    params = load_params(REPO / "params.yaml")
    keys = preset_overrides("beyond", PRESETS)
    assert keys, "presets/beyond.yaml is empty"
    plain = params.as_dict()
    for key, value in keys.items():
        section, name = key.split(".", 1)
        assert plain[section][name] != value, f"{key} is already {value!r} in params.yaml"
    beyond = apply_preset(params, "beyond", PRESETS)
    assert training_digest(beyond) != training_digest(params)


def test_the_methods_study_has_the_method():
    assert METHOD_VARIANTS["beyond"] == {PRESET: "beyond"}
    assert STUDIES["beyond"] is BEYOND_VARIANTS


def test_the_study_turns_off_each_part_of_the_method():
    """For every key of presets/beyond.yaml, a variant is the method with that key at its default."""
    params = load_params(REPO / "params.yaml")
    parts = preset_overrides("beyond", PRESETS)
    assert variant_overrides(BEYOND_VARIANTS["beyond"], PRESETS) == parts
    plain = params.as_dict()
    studied = {name: variant_params(params, name, 0, "beyond", PRESETS) for name in BEYOND_VARIANTS}
    for key in parts:
        section, name = key.split(".", 1)
        others = {k: v for k, v in parts.items() if k != key}
        off = with_overrides(params, {**others, key: plain[section][name], "train.seed": 0}, "test")
        assert any(v == off for v in studied.values()), f"no variant turns off {key}"
    assert studied["fgcrossnet"] == variant_params(params, "fgcrossnet", 0, "methods", PRESETS)
    digests = {training_digest(v) for v in studied.values()}
    assert len(digests) == len(BEYOND_VARIANTS)  # no two variants train the same model


def test_the_pku_variant_merges_over_the_pku_preset():
    paper = load_params(PRESETS / "pku_fgcrossnet.yaml")
    pku = apply_preset(paper, "pku_beyond", PRESETS)
    assert pku.model.text_model == "subword-cnn" and pku.text.encoder == "charcnn"
    assert pku.model.backbone == "resnet50" and pku.model.text_vocab > paper.model.text_vocab
    # the same parts as the embedded set's preset (sizes may differ)
    assert {k for k in preset_overrides("beyond", PRESETS)} <= set(preset_overrides("pku_beyond", PRESETS))


def test_the_pretrained_text_preset_names_its_folder_and_a_missing_one_is_one_line(tmp_path, monkeypatch):
    import pytest

    from fgcross.models.factory import build_model
    from fgcross.models.pretrained_text import CheckpointError
    from fgcross.training.pipeline import model_config

    params = apply_preset(load_params(REPO / "params.yaml"), "beyond_pretrained", PRESETS)
    assert params.model.text_model == "pretrained" and params.model.frozen == ("text",)
    monkeypatch.chdir(tmp_path)  # no models/text-encoder here
    with pytest.raises(CheckpointError, match=r"^models/text-encoder: model.text_checkpoint names no folder$"):
        build_model(model_config(params, 4))
    assert variant_overrides(BEYOND_VARIANTS["pretrained-text"], PRESETS)["model.frozen"] == ["text"]
