"""params.yaml: loading, validation, and the typed `Params` every stage receives.

params.yaml is the single source of truth for every tunable; both Snakemake and DVC read
it. Every step validates it against the schema (fgcross/defaults/params.schema.yaml, also
reachable as workflow/schemas/params.schema.yaml for Snakemake) before doing any work, so a
typo (`loss.centre_weight`) or a missing key fails at once instead of being silently
ignored or silently defaulted. The schema requires every key: there are no defaults
anywhere but in params.yaml (and its packaged copy, fgcross/defaults/params.yaml, used by
the `fgcross` command where no params file exists; a test keeps the two equal).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from fgcross.errors import ParamsError
from fgcross.params import Params, build

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
SCHEMA_PATH = DEFAULTS_DIR / "params.schema.yaml"
DEFAULT_PARAMS_PATH = DEFAULTS_DIR / "params.yaml"
SYNTHETIC_ROOT = "data/generated"
"""Where steps.synthesize writes the embedded dataset; a fixed path, because it is a
pipeline output that DVC deletes before re-running, which must never be a user's data."""


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate a params file; raise ParamsError naming the file and the bad key."""
    return params_from_dict(read_params_file(path), source=str(path))


def read_params_file(path: str | Path) -> Any:
    """The file's YAML, unvalidated (for tools that merge files before validating)."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ParamsError(f"{path}: no such params file") from err
    except UnicodeDecodeError as err:
        raise ParamsError(f"{path}: not UTF-8 text (byte {err.start}: {err.reason})") from None
    except yaml.YAMLError as err:
        raise ParamsError(f"{path}: not valid YAML: {err}") from err
    except (OSError, RecursionError) as err:  # a folder, no permission; a YAML nested beyond reason
        raise ParamsError(f"{path}: cannot read it as a params file ({err.__class__.__name__}: {err})") from None


def params_from_dict(raw: Any, source: str = "params") -> Params:
    """Validate a plain mapping (a loaded params.yaml) and build the typed Params from it."""
    validate_params(raw, source)
    return build(Params, copy.deepcopy(raw))


def default_params() -> Params:
    """The packaged defaults (a copy of the repository's params.yaml)."""
    return _default_params()


@cache
def _default_params() -> Params:
    return load_params(DEFAULT_PARAMS_PATH)


def with_overrides(params: Params, overrides: dict[str, Any], source: str = "overrides") -> Params:
    """A new validated Params with dotted keys replaced: {"loss.center_weight": 0.0}.

    The same form as `dvc exp run -S`; an unknown key fails validation with its name."""
    raw = params.as_dict()
    for key, value in overrides.items():
        *path, name = key.split(".")
        node = raw
        for part in path:
            if not isinstance(node.get(part), dict):
                raise ParamsError(f"{source}: no params section {key.rsplit('.', 1)[0]!r} (in {key!r})")
            node = node[part]
        node[name] = copy.deepcopy(value)
    return params_from_dict(raw, source)


@cache
def _schema() -> dict[str, Any]:
    return yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate_params(params: Any, source: str = "params") -> None:
    """Validate against the schema and the rules a schema cannot express (finite numbers: a JSON
    schema's `number` accepts YAML's .nan and .inf, which would disable a loss term or train on NaN)."""
    for key, value in _numbers(params):
        if not math.isfinite(value):
            raise ParamsError(f"{source}: {key or '<top>'} is {value}; every number must be finite")
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(params), key=lambda e: list(e.path))
    if errors:
        lines = [f"  {'.'.join(map(str, e.path)) or '<top>'}: {e.message}" for e in errors]
        raise ParamsError(f"{source} does not match {SCHEMA_PATH.name}:\n" + "\n".join(lines))
    data = params["data"]
    if data["source"] == "synthetic" and Path(data["root"]) != Path(SYNTHETIC_ROOT):
        raise ParamsError(
            f"{source}: data.root must be {SYNTHETIC_ROOT} when data.source is synthetic "
            f"(got {data['root']!r}); use data.source: layout for a dataset of your own"
        )
    size = params["model"]["input_size"]
    for section in ("images", "frames", "spectrogram"):
        if params[section]["size"] < size:
            raise ParamsError(
                f"{source}: {section}.size ({params[section]['size']}) is smaller than "
                f"model.input_size ({size}); the loader crops input_size from the stored size"
            )


def _numbers(node: Any, key: str = "") -> Iterator[tuple[str, float]]:
    """Every float in a loaded YAML tree, with its dotted key (list items as key[i])."""
    if isinstance(node, float):
        yield key, node
    elif isinstance(node, dict):
        for name, value in node.items():
            yield from _numbers(value, f"{key}.{name}" if key else str(name))
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            yield from _numbers(value, f"{key}[{i}]")


def flatten(params: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'loss': {'margin1': 1}} -> {'loss.margin1': 1}: the form MLflow and `dvc exp run -S` use."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, prefix=f"{name}."))
        else:
            flat[name] = value
    return flat


def params_digest(params: dict[str, Any] | Params, sections: list[str] | None = None) -> str:
    """A short stable hash of (some sections of) the params, to name and group runs."""
    plain = params.as_dict() if isinstance(params, Params) else params
    chosen = plain if sections is None else {s: plain[s] for s in sections}
    blob = json.dumps(chosen, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]
