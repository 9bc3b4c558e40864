import pytest
import yaml

from fgcross.config import ParamsError, flatten, load_params, validate_params
from tests.conftest import REPO, merge, tiny_params


def test_repo_params_validate():
    params = load_params(REPO / "params.yaml")
    assert params["data"]["source"] == "synthetic"


def test_typo_in_a_key_is_rejected(tmp_path):
    params = merge(tiny_params(), {"loss": {"centre_weight": 0.1}})
    with pytest.raises(ParamsError, match="centre_weight"):
        validate_params(params)


def test_bad_value_names_the_key():
    with pytest.raises(ParamsError, match="train.device"):
        validate_params(merge(tiny_params(), {"train": {"device": "tpu"}}))


def test_synthetic_source_requires_the_generated_root():
    with pytest.raises(ParamsError, match="data.root"):
        validate_params(merge(tiny_params(), {"data": {"root": "/elsewhere"}}))


def test_stored_size_must_cover_the_crop():
    with pytest.raises(ParamsError, match="images.size"):
        validate_params(merge(tiny_params(), {"images": {"size": 16}}))


def test_unparsable_file_names_the_file(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("data: [unclosed\n")
    with pytest.raises(ParamsError, match="p.yaml"):
        load_params(bad)


def test_flatten_uses_dotted_keys():
    assert flatten({"loss": {"margin1": 1, "x": {"y": 2}}}) == {"loss.margin1": 1, "loss.x.y": 2}


def test_every_schema_key_is_in_params_yaml():
    """params.yaml holds every key that `dvc exp run -S` may set."""
    schema = yaml.safe_load((REPO / "workflow/schemas/params.schema.yaml").read_text())
    params = load_params(REPO / "params.yaml")
    for section, spec in schema["properties"].items():
        missing = set(spec.get("properties", {})) - set(params[section])
        assert not missing, f"{section}: {missing} in the schema but not in params.yaml"


def test_paper_preset_is_complete_and_valid():
    preset = load_params(REPO / "presets/pku_fgcrossnet.yaml")
    params = load_params(REPO / "params.yaml")
    assert set(preset) == set(params)
    for section in params:
        assert set(preset[section]) == set(params[section]), section
    assert preset["model"] | {"text_embed_dim": 16} == {"backbone": "resnet50", "pretrained": "imagenet",
                                                        "input_size": 448, "text_embed_dim": 16, "shared": True}
    assert preset["data"]["source"] == "layout" and preset["frames"]["per_video"] == 25
    assert preset["text"]["length"] == 448 and preset["train"]["optimizer"] == "sgd"
