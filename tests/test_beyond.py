"""The method beyond FGCrossNet (issue 20): its presets, its place in the methods study, and an
ablation study that turns off each of its parts, one at a time."""

from pathlib import Path

from fgcross.ablation import BEYOND_VARIANTS, METHOD_VARIANTS, PRESET, STUDIES, variant_overrides, variant_params
from fgcross.config import load_params
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


def test_each_ablation_variant_turns_off_exactly_one_part():
    parts = preset_overrides("beyond", PRESETS)
    full = variant_overrides(BEYOND_VARIANTS["beyond"], PRESETS)
    assert full == parts
    params = load_params(REPO / "params.yaml")
    off = {}
    for name, variant in BEYOND_VARIANTS.items():
        if name in ("beyond", "fgcrossnet"):
            continue
        changed = {k: v for k, v in variant_overrides(variant, PRESETS).items() if parts.get(k) != v}
        assert len(changed) == 1, f"{name} changes {changed}"
        (key, value), = changed.items()
        assert value == params.as_dict()[key.split(".")[0]][key.split(".")[1]], f"{name}: {key} is not its default"
        off[key] = name
    assert set(off) == set(parts), f"parts without an ablation variant: {set(parts) - set(off)}"
    assert BEYOND_VARIANTS["fgcrossnet"] == {}
    digests = {training_digest(variant_params(params, v, 0, "beyond", PRESETS)) for v in BEYOND_VARIANTS}
    assert len(digests) == len(BEYOND_VARIANTS)


def test_the_pku_variant_merges_over_the_pku_preset():
    paper = load_params(PRESETS / "pku_fgcrossnet.yaml")
    pku = apply_preset(paper, "pku_beyond", PRESETS)
    assert pku.model.text_model == "subword-cnn" and pku.text.encoder == "charcnn"
    assert pku.model.backbone == "resnet50" and pku.loss.supcon_weight > 0
    # the same parts as the embedded set's preset (sizes may differ)
    assert {k for k in preset_overrides("beyond", PRESETS)} <= set(preset_overrides("pku_beyond", PRESETS))
