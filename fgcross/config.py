"""params.yaml: loading, validation and access.

params.yaml is the single source of truth for every tunable; both Snakemake and DVC read
it. Every step validates it against workflow/schemas/params.schema.yaml before doing any
work, so a typo (`loss.centre_weight`) fails at once instead of being silently ignored.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "workflow" / "schemas" / "params.schema.yaml"
SYNTHETIC_ROOT = "data/generated"
"""Where steps.synthesize writes the embedded dataset; a fixed path, because it is a
pipeline output that DVC deletes before re-running, which must never be a user's data."""


class ParamsError(ValueError):
    """params.yaml is missing, unparsable, or does not match the schema."""


def load_params(path: str | Path = "params.yaml") -> dict[str, Any]:
    """Read and validate params.yaml; raise ParamsError naming the file and the bad key."""
    path = Path(path)
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ParamsError(f"{path}: no such params file") from err
    except yaml.YAMLError as err:
        raise ParamsError(f"{path}: not valid YAML: {err}") from err
    validate_params(params, source=str(path))
    return params


def validate_params(params: Any, source: str = "params") -> None:
    """Validate against the schema and the rules a schema cannot express."""
    schema = yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(params), key=lambda e: list(e.path))
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


def params_digest(params: dict[str, Any], sections: list[str] | None = None) -> str:
    """A short stable hash of (some sections of) the params, to name and group runs."""
    chosen = params if sections is None else {s: params[s] for s in sections}
    blob = json.dumps(chosen, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]
