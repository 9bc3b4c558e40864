"""Presets: named sets of params keys merged over params.yaml.

A method that differs from the default configuration in a few keys (presets/beyond.yaml,
presets/cran.yaml, ...) is kept as a *partial* preset: a YAML file holding only those keys,
nested like params.yaml. It is never a second copy of the defaults, so a change to
params.yaml reaches every method, and the file says at a glance what the method is.

Three ways to use one, all giving the same params:

    fgcross preset beyond                    # print the keys it sets (dotted, as dvc -S takes them)
    fgcross preset beyond --apply            # write them into params.yaml (comments kept), then run
    dvc exp run $(fgcross preset beyond --dvc-args)   # an experiment, params.yaml left alone

and the studies (steps.ablation) name a preset as a variant. Full presets (pku_official.yaml)
hold every key and are merged the same way. Every key of a preset must exist in the params
schema: a typo fails with the file and the key, before anything runs.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import yaml

from fgcross.config import default_params, load_params, params_from_dict, read_params_file, with_overrides
from fgcross.errors import ParamsError
from fgcross.io import write_text
from fgcross.params import Params

PRESETS_DIR = Path("presets")
"""Where preset names resolve: the repository's presets/ (steps and the CLI run from its root)."""


def preset_path(name: str | Path, presets_dir: str | Path = PRESETS_DIR) -> Path:
    """`beyond` -> presets/beyond.yaml; a path to a .yaml file is taken as it is."""
    text = str(name)
    if text.endswith((".yaml", ".yml")) or "/" in text:
        return Path(text)
    return Path(presets_dir) / f"{text}.yaml"


def preset_overrides(name: str | Path, presets_dir: str | Path = PRESETS_DIR) -> dict[str, Any]:
    """The preset's keys, dotted ({"model.text_encoder": "transformer", ...}), in file order."""
    path = preset_path(name, presets_dir)
    if not path.is_file():
        known = sorted(p.stem for p in Path(presets_dir).glob("*.yaml"))
        raise ParamsError(f"{path}: no such preset (presets in {presets_dir}/: {', '.join(known) or 'none'})")
    raw = read_params_file(path)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: a preset is a mapping of params sections, got {type(raw).__name__}")
    return _leaves(raw, default_params().as_dict())


def _leaves(tree: dict[str, Any], base: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys down to the params' own keys: a mapping is descended where params.yaml has a
    section there (train.stage1.epochs), and kept whole where the key's value is itself a mapping
    (synthetic.counts)."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            out.update(_leaves(value, base[key], f"{name}."))
        else:
            out[name] = value
    return out


def apply_preset(params: Params, name: str | Path, presets_dir: str | Path = PRESETS_DIR) -> Params:
    """`params` with the preset's keys; an unknown key fails validation naming the preset and the key."""
    return with_overrides(params, preset_overrides(name, presets_dir), source=str(preset_path(name, presets_dir)))


def _override_value(key: str, value: Any) -> str:
    """One value in the grammar DVC parses `-S` with (Hydra's overrides), with no whitespace: the
    shell's `$(...)` splits its output at whitespace and removes no quotes."""
    if isinstance(value, dict):
        if not all(isinstance(k, str) and k.isidentifier() for k in value):
            raise ParamsError(f"{key}: the keys of a dict passed to dvc -S must be names, got {list(value)}")
        return "{" + ",".join(f"{k}:{_override_value(key, v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_override_value(key, v) for v in value) + "]"
    text = json.dumps(value)  # true/false/null, numbers, and strings double-quoted as Hydra reads them
    if any(c.isspace() for c in text):
        raise ParamsError(f"{key}: {value!r} has whitespace, which $(...) would split: "
                          f"apply the preset to params.yaml instead (fgcross preset NAME --apply)")
    return text


def dvc_set_args(overrides: dict[str, Any]) -> str:
    """`-S key=value ...` for `dvc exp run $(fgcross preset NAME --dvc-args)`: words without
    whitespace or shell quotes, as command substitution passes them on, each value in the
    override grammar DVC parses `-S` with."""
    return " ".join(f"-S {key}={_override_value(key, value)}" for key, value in overrides.items())


def write_into_params_file(path: str | Path, overrides: dict[str, Any]) -> None:
    """Set dotted keys in a params file in place, keeping its comments and order (ruamel round trip).

    The result is validated before it replaces the file, so a bad preset leaves params.yaml as it was."""
    from ruamel.yaml import YAML  # round-trip YAML: DVC's own parser, so comments survive

    path = Path(path)
    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096
    tree = rt.load(path.read_text(encoding="utf-8"))
    with_overrides(load_params(path), overrides, source=str(path))  # validates before touching the file
    for key, value in overrides.items():
        *sections, name = key.split(".")
        node = tree
        for part in sections:
            node = node[part]
        node[name] = value
    buffer = io.StringIO()
    rt.dump(tree, buffer)
    text = buffer.getvalue()
    params_from_dict(yaml.safe_load(text), str(path))  # what will be read back is what was checked
    write_text(path, text)
