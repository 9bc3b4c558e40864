"""Reading and writing the index stage's outputs (build/index/), the contract for later stages.

    manifest.csv   one row per item: id, media, split, label, class_name, path (relative to root)
    classes.csv    label, name
    summary.json   root (relative to this folder when inside the working directory), media present,
                   item counts, problems found, where the taxonomy came from
    taxonomy.csv   class, genus, family: ROOT/taxonomy.csv checked against the classes, or the
                   genera the class names give (fgcross.data.taxonomy)
    problems.csv   file, line, severity, path, message: skipped items and warnings
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fgcross import MEDIA
from fgcross.data.taxonomy import FILE as TAXONOMY
from fgcross.data.taxonomy import Taxonomy, from_names, read_taxonomy, taxonomy_csv
from fgcross.io import atomic_dir, read_json, write_json


@dataclass(frozen=True)
class Index:
    root: Path
    manifest: pd.DataFrame
    classes: list[str]  # name of each label

    @property
    def root_label(self) -> str:
        """The root as a page shows it: relative to the working directory when inside it (a tracked
        report holds no absolute path of the project), else absolute."""
        cwd = Path.cwd().resolve()
        return self.root.relative_to(cwd).as_posix() if self.root.is_relative_to(cwd) else str(self.root)

    @property
    def media(self) -> list[str]:
        present = set(self.manifest["media"])
        return [m for m in MEDIA if m in present]

    def items(self, media: str, split: str | None = None) -> pd.DataFrame:
        rows = self.manifest[self.manifest["media"] == media]
        if split is not None:
            rows = rows[rows["split"] == split]
        return rows.reset_index(drop=True)


def recorded_root(root: Path, out: str | Path) -> str:
    """The root as summary.json records it: relative to the index folder when the dataset lies
    inside the working directory (the project), so that the index stays right in a clone or in a
    `dvc exp run --temp` copy and its bytes do not depend on where the project lives; absolute for
    a dataset elsewhere (a shared disk), which is the same path from every copy."""
    root, out = Path(root).resolve(), Path(out).resolve()
    if root.is_relative_to(Path.cwd().resolve()):
        return Path(os.path.relpath(root, out)).as_posix()
    return str(root)


def write_index(out: str | Path, root: Path, manifest: pd.DataFrame, classes: list[str],
                problems: pd.DataFrame | None = None, taxonomy: Taxonomy | None = None) -> None:
    """The index folder; `taxonomy` defaults to ROOT/taxonomy.csv, or the class names' genera
    (checked here, so a bad taxonomy.csv stops the index stage, not the report)."""
    taxonomy = taxonomy or read_taxonomy(root, classes)
    problems = problems if problems is not None else pd.DataFrame(
        columns=["file", "line", "severity", "path", "message"])
    with atomic_dir(out) as tmp:
        manifest.to_csv(tmp / "manifest.csv", index=False)
        problems.to_csv(tmp / "problems.csv", index=False)
        pd.DataFrame({"label": range(len(classes)), "name": classes}).to_csv(tmp / "classes.csv", index=False)
        (tmp / TAXONOMY).write_text(taxonomy_csv(list(zip(classes, taxonomy.genus, taxonomy.family, strict=True))),
                                    encoding="utf-8")
        counts = manifest.groupby(["media", "split"]).size()
        write_json(tmp / "summary.json", {
            "root": recorded_root(root, out),
            "media": [m for m in MEDIA if m in set(manifest["media"])],
            "absent": [m for m in MEDIA if m not in set(manifest["media"])],
            "classes": len(classes),
            "taxonomy": taxonomy.source,
            "counts": {f"{m}/{s}": int(n) for (m, s), n in counts.items()},
            "skipped": int((problems["severity"] == "error").sum()),
            "warnings": int((problems["severity"] == "warning").sum()),
        })


def read_index(path: str | Path) -> Index:
    path = Path(path)
    summary = read_json(path / "summary.json")
    manifest = pd.read_csv(path / "manifest.csv", dtype={"id": str, "path": str, "class_name": str})
    classes = pd.read_csv(path / "classes.csv", dtype={"name": str})["name"].tolist()
    root = Path(summary["root"])  # relative to this folder, or absolute (recorded_root)
    return Index(root=Path(os.path.normpath(path.resolve() / root)), manifest=manifest, classes=classes)


def read_problems(path: str | Path) -> pd.DataFrame:
    file = Path(path) / "problems.csv"
    return pd.read_csv(file) if file.exists() else pd.DataFrame(columns=["file", "line", "severity", "path", "message"])


def read_index_taxonomy(path: str | Path) -> Taxonomy:
    """The taxonomy the index stage resolved (build/index/taxonomy.csv), by label."""
    path = Path(path)
    classes = pd.read_csv(path / "classes.csv", dtype={"name": str})["name"].tolist()
    if not (path / TAXONOMY).exists():  # an index written before taxonomies: the class names' genera
        return from_names(classes)
    taxonomy = read_taxonomy(path, classes)
    source = read_json(path / "summary.json").get("taxonomy", taxonomy.source)
    return Taxonomy(taxonomy.genus, taxonomy.family, source)
