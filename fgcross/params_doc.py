"""The parameter reference, generated from the schema's descriptions and params.yaml's values.

The documentation's table of parameters is never written by hand: each key's meaning is its
`description` in the schema, its default is its value in params.yaml, so the reference
cannot drift from what the code validates and reads. The docs site's Parameters page is
built from `reference()` at build time (docs/hooks.py), so nothing generated is committed;
`python -m fgcross.params_doc` prints it in a terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import yaml

from fgcross.config import SCHEMA_PATH, default_params


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in spec:
        return {**schema["$defs"][spec["$ref"].rsplit("/", 1)[1]], **{k: v for k, v in spec.items() if k != "$ref"}}
    return spec


def _value(value: Any) -> str:
    return "`null`" if value is None else f"`{json.dumps(value) if not isinstance(value, str) else value}`"


def _escape(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _rows(schema: dict[str, Any], spec: dict[str, Any], values: dict[str, Any], prefix: str) -> list[str]:
    rows = []
    for key, sub in spec["properties"].items():
        sub = _resolve(schema, sub)
        name = f"{prefix}{key}"
        if sub.get("type") == "object":
            rows.append(f"| `{name}` | | {_escape(sub.get('description', ''))} |")
            rows += _rows(schema, sub, values[key], f"{name}.")
        else:
            rows.append(f"| `{name}` | {_escape(_value(values[key]))} | {_escape(sub['description'])} |")
    return rows


def reference() -> str:
    """The whole reference as Markdown: one table per section, in params.yaml's order."""
    schema = yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
    values = default_params().as_dict()
    parts = []
    for section, spec in schema["properties"].items():
        spec = _resolve(schema, spec)
        parts.append(f"**`{section}`**: {_escape(spec['description'])}\n\n| key | default | meaning |\n|---|---|---|\n"
                     + "\n".join(_rows(schema, spec, values[section], f"{section}.")))
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m fgcross.params_doc", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.parse_args(argv)
    sys.stdout.write(reference())


if __name__ == "__main__":
    main()
