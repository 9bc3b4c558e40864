"""params.yaml, its schema and the typed Params: one source of truth, checked both ways."""

import ast
import dataclasses
import typing

import pytest
import yaml

from fgcross.config import (
    DEFAULT_PARAMS_PATH,
    SCHEMA_PATH,
    ParamsError,
    default_params,
    flatten,
    load_params,
    params_from_dict,
    validate_params,
    with_overrides,
)
from fgcross.params import Params
from tests.conftest import REPO, merge, tiny_raw

SCHEMA = yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
PRESETS = sorted((REPO / "presets").glob("*.yaml"))


def test_repo_params_validate_into_typed_sections():
    params = load_params(REPO / "params.yaml")
    assert isinstance(params, Params) and params.data.source == "synthetic"
    assert params.train.stage1.epochs > 0 and params.data.media == ("image", "text", "audio", "video")
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.train.seed = 3  # immutable: a change goes through with_overrides and is validated


def test_as_dict_gives_back_the_file():
    raw = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    assert load_params(REPO / "params.yaml").as_dict() == raw


def test_typo_in_a_key_is_rejected():
    with pytest.raises(ParamsError, match="centre_weight"):
        validate_params(merge(tiny_raw(), {"loss": {"centre_weight": 0.1}}))


@pytest.mark.parametrize("section,key", [("loss", "ranking_form"), ("train", "threads"), ("search", "port"),
                                         ("spectrogram", "window_seconds")])
def test_a_missing_key_fails_naming_it(tmp_path, section, key):
    raw = tiny_raw()
    del raw[section][key]
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ParamsError, match=f"(?s){section}.*'{key}' is a required property"):
        load_params(path)


def test_bad_value_names_the_key():
    with pytest.raises(ParamsError, match="train.device"):
        validate_params(merge(tiny_raw(), {"train": {"device": "tpu"}}))


def test_synthetic_source_requires_the_generated_root():
    with pytest.raises(ParamsError, match="data.root"):
        validate_params(merge(tiny_raw(), {"data": {"root": "/elsewhere"}}))


def test_stored_size_must_cover_the_crop():
    with pytest.raises(ParamsError, match="images.size"):
        validate_params(merge(tiny_raw(), {"images": {"size": 16}}))


def test_unparsable_file_names_the_file(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("data: [unclosed\n")
    with pytest.raises(ParamsError, match="p.yaml"):
        load_params(bad)


def test_overrides_are_validated_and_leave_the_original_alone():
    params = params_from_dict(tiny_raw())
    changed = with_overrides(params, {"loss.center_weight": 0.01, "train.stage2.epochs": 3})
    assert changed.loss.center_weight == 0.01 and changed.train.stage2.epochs == 3
    assert params.loss.center_weight == 0.001
    with pytest.raises(ParamsError, match="centre_weight"):
        with_overrides(params, {"loss.centre_weight": 0.1})
    with pytest.raises(ParamsError, match="lossy"):
        with_overrides(params, {"lossy.center_weight": 0.1})


def test_flatten_uses_dotted_keys():
    assert flatten({"loss": {"margin1": 1, "x": {"y": 2}}}) == {"loss.margin1": 1, "loss.x.y": 2}


def _schema_tree(spec: dict) -> dict:
    """{key: subtree or None} of a schema object (following $refs to $defs)."""
    if "$ref" in spec:
        spec = SCHEMA["$defs"][spec["$ref"].rsplit("/", 1)[1]]
    if spec.get("type") != "object":
        return None
    return {k: _schema_tree(v) for k, v in spec["properties"].items()}


def _params_tree(value) -> dict | None:
    return {k: _params_tree(v) for k, v in value.items()} if isinstance(value, dict) else None


def _class_tree(cls) -> dict:
    hints = typing.get_type_hints(cls)
    return {f.name: _class_tree(hints[f.name]) if dataclasses.is_dataclass(hints[f.name]) else None
            for f in dataclasses.fields(cls)}


def test_params_yaml_schema_and_typed_sections_agree_on_every_key():
    raw = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    assert _params_tree(raw) == _schema_tree(SCHEMA) == _class_tree(Params)


def test_schema_requires_and_describes_every_key():
    def walk(spec: dict, where: str) -> None:
        if "$ref" in spec:
            spec = SCHEMA["$defs"][spec["$ref"].rsplit("/", 1)[1]]
        if spec.get("type") != "object":
            return
        assert set(spec["required"]) == set(spec["properties"]), f"{where}: not every key is required"
        assert spec.get("additionalProperties") is False, where
        for key, sub in spec["properties"].items():
            assert sub.get("description", "").strip(), f"{where}.{key}: no description"
            walk(sub, f"{where}.{key}")
    walk(SCHEMA, "params")


def test_packaged_defaults_equal_params_yaml():
    """`fgcross` without a params file uses the packaged copy: it must be today's params.yaml."""
    assert DEFAULT_PARAMS_PATH.read_text(encoding="utf-8") == (REPO / "params.yaml").read_text(encoding="utf-8")
    assert default_params() == load_params(REPO / "params.yaml")


def test_snakemake_validates_against_the_same_schema():
    assert (REPO / "workflow/schemas/params.schema.yaml").resolve() == SCHEMA_PATH


FULL_PRESETS = {"pku_fgcrossnet.yaml", "pku_official.yaml"}
"""The presets that hold every key; the others are partial (fgcross.presets): only a method's keys."""


@pytest.mark.parametrize("preset", [p for p in PRESETS if p.name in FULL_PRESETS], ids=lambda p: p.name)
def test_presets_are_complete_and_valid(preset):
    assert set(load_params(preset).as_dict()) == set(load_params(REPO / "params.yaml").as_dict())


@pytest.mark.parametrize("preset", [p for p in PRESETS if p.name not in FULL_PRESETS], ids=lambda p: p.name)
def test_partial_presets_merge_validly_and_change_something(preset):
    from fgcross.presets import apply_preset, preset_overrides

    base = load_params(REPO / "params.yaml")
    merged = apply_preset(base, preset)
    overrides = preset_overrides(preset)
    assert overrides and len(overrides) < 20  # a few keys, not a copy of the defaults (about 100)
    assert merged != base


def test_paper_preset_values():
    preset = load_params(REPO / "presets/pku_fgcrossnet.yaml")
    assert (preset.model.backbone, preset.model.pretrained, preset.model.input_size) == ("resnet50", "imagenet", 448)
    assert preset.data.source == "layout" and preset.frames.per_video == 25
    assert preset.text.length == 448 and preset.train.optimizer == "sgd"


def _param_keys() -> set[str]:
    keys: set[str] = set()

    def walk(tree: dict | None) -> None:
        for key, sub in (tree or {}).items():
            keys.add(key)
            walk(sub)
    walk(_schema_tree(SCHEMA))
    return keys


# dictionaries that are not params but share a key name with one (an HTTP form's fields)
NOT_PARAMS = {("fgcross/search/server.py", "fields")}


def test_no_params_read_with_a_fallback_outside_the_loader():
    """`section.get("key", default)` would be a second place for a default: only params.yaml holds them."""
    keys, offenders = _param_keys(), []
    files = [*(REPO / "fgcross").rglob("*.py"), *(REPO / "steps").glob("*.py"), *(REPO / "benchmarks").glob("*.py")]
    for path in files:
        rel = path.relative_to(REPO).as_posix()
        if rel == "fgcross/config.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                    and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in keys
                    and len(node.args) + len(node.keywords) >= 2):
                receiver = ast.unparse(node.func.value)
                if (rel, receiver) not in NOT_PARAMS:
                    offenders.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
    assert not offenders, "params read with a fallback:\n" + "\n".join(offenders)


def test_the_fallback_check_catches_one(tmp_path):
    tree = ast.parse('t.get("threads", 0)')
    call = tree.body[0].value
    assert call.func.attr == "get" and call.args[0].value in _param_keys() and len(call.args) == 2


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_nan_and_inf_are_rejected_naming_the_key(tmp_path, value):
    """A JSON schema's `number` accepts them (today's main: `loss.center_weight: .nan` passed)."""
    text = (REPO / "params.yaml").read_text().replace("center_weight: 0.001", f"center_weight: {value}", 1)
    assert f"center_weight: {value}" in text
    (tmp_path / "p.yaml").write_text(text)
    with pytest.raises(ParamsError, match=r"loss\.center_weight is (nan|inf|-inf); every number must be finite"):
        load_params(tmp_path / "p.yaml")


def test_unreadable_params_files_are_params_errors(tmp_path):
    (tmp_path / "latin1.yaml").write_bytes(b"data: caf\xe9\n")
    with pytest.raises(ParamsError, match="latin1.yaml: not UTF-8"):
        load_params(tmp_path / "latin1.yaml")
    with pytest.raises(ParamsError, match="cannot read it"):
        load_params(tmp_path)
