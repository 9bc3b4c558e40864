"""Partial presets merged over params.yaml (fgcross.presets, `fgcross preset`, study variants)."""

import shutil
from pathlib import Path

import pytest

from fgcross.ablation import PRESET, variant_overrides
from fgcross.cli import main
from fgcross.config import load_params
from fgcross.errors import ParamsError
from fgcross.presets import apply_preset, dvc_set_args, preset_overrides, write_into_params_file

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def presets(tmp_path) -> Path:
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "mine.yaml").write_text("loss:\n  center_weight: 0.25\ndata:\n  media: [image, text]\n")
    (folder / "typo.yaml").write_text("loss:\n  centre_weight: 0.25\n")
    return folder


def test_overrides_are_dotted_keys_in_file_order(presets):
    assert preset_overrides("mine", presets) == {"loss.center_weight": 0.25, "data.media": ["image", "text"]}


def test_apply_changes_only_the_preset_keys(presets):
    base = load_params(REPO / "params.yaml")
    merged = apply_preset(base, "mine", presets)
    assert merged.loss.center_weight == 0.25 and list(merged.data.media) == ["image", "text"]
    assert merged.model == base.model and merged.loss.ranking_weight == base.loss.ranking_weight


def test_unknown_key_names_the_preset_and_the_key(presets):
    with pytest.raises(ParamsError, match=r"(?s)typo\.yaml.*centre_weight"):
        apply_preset(load_params(REPO / "params.yaml"), "typo", presets)


def test_missing_preset_lists_the_known_ones(presets):
    with pytest.raises(ParamsError, match="no such preset.*mine"):
        preset_overrides("nothing", presets)


def _as_dvc_parses(args: str) -> dict:
    """What `dvc exp run $(fgcross preset NAME --dvc-args)` receives: the shell splits the output at
    whitespace and removes no quotes; DVC reads each -S with Hydra's override grammar."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    words = args.split()
    assert words[::2] == ["-S"] * (len(words) // 2)
    overrides = OverridesParser.create().parse_overrides(words[1::2])
    return {o.key_or_group: o.value() for o in overrides}


def test_dvc_args_parse_back_to_the_same_values(presets):
    overrides = preset_overrides("mine", presets)
    assert _as_dvc_parses(dvc_set_args(overrides)) == overrides


@pytest.mark.parametrize("name", sorted(p.stem for p in (REPO / "presets").glob("*.yaml")))
def test_every_shipped_preset_passes_through_command_substitution(name):
    """Strings, dicts (synthetic.counts) and lists of every preset survive the shell and DVC's parser."""
    overrides = preset_overrides(name, REPO / "presets")
    assert _as_dvc_parses(dvc_set_args(overrides)) == overrides


def test_a_value_with_whitespace_asks_for_apply():
    with pytest.raises(ParamsError, match="tracking.experiment.*--apply"):
        dvc_set_args({"tracking.experiment": "two words"})


def test_apply_writes_params_keeping_comments(presets, tmp_path):
    target = tmp_path / "params.yaml"
    shutil.copy(REPO / "params.yaml", target)
    comments = [line for line in target.read_text().splitlines() if line.lstrip().startswith("#")]
    write_into_params_file(target, preset_overrides("mine", presets))
    after = target.read_text()
    assert all(c in after for c in comments)
    assert load_params(target) == apply_preset(load_params(REPO / "params.yaml"), "mine", presets)


def test_a_bad_preset_leaves_params_untouched(presets, tmp_path):
    target = tmp_path / "params.yaml"
    shutil.copy(REPO / "params.yaml", target)
    before = target.read_bytes()
    with pytest.raises(ParamsError, match="centre_weight"):
        write_into_params_file(target, preset_overrides("typo", presets))
    assert target.read_bytes() == before


def test_cli_apply(presets, tmp_path, monkeypatch, capsys):
    shutil.copy(REPO / "params.yaml", tmp_path / "params.yaml")
    monkeypatch.chdir(tmp_path)
    main(["preset", "mine", "--dvc-args"])
    assert "-S loss.center_weight=0.25" in capsys.readouterr().out
    main(["preset", "mine", "--apply"])
    assert load_params(tmp_path / "params.yaml").loss.center_weight == 0.25


def test_a_study_variant_can_name_a_preset_and_override_it(presets):
    variant = {PRESET: "mine", "loss.center_weight": 0.0}
    assert variant_overrides(variant, presets) == {"loss.center_weight": 0.0, "data.media": ["image", "text"]}


def test_a_key_whose_value_is_a_mapping_is_kept_whole():
    overrides = preset_overrides(REPO / "presets" / "pku_scale_rehearsal.yaml")
    assert overrides["synthetic.counts"]["video"] == {"train": 12666, "test": 5684}
    assert overrides["train.stage1.epochs"] == 1
    params = apply_preset(load_params(REPO / "params.yaml"), REPO / "presets" / "pku_scale_rehearsal.yaml")
    assert params.synthetic.families * params.synthetic.species_per_family == 200
