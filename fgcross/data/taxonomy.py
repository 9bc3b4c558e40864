"""How closely related the classes are: genus and family of each class, for telling a
confusion between close species (the fine-grained failure) from one between distant ones.

An optional `taxonomy.csv` at the dataset root holds one row per class, `class,genus,family`
(a header line, then the class folder names of classes.txt or the folders). Without it, the
genus comes from a CUB-style class name: the numeric prefix is dropped and the last word of
the name, split on `_`, is taken as the group noun, case-insensitively
(`001.Black_footed_Albatross` -> `albatross`, `045.Northern_Fulmar` -> `fulmar`), and the
family is unknown. CUB's English names mostly end in the group noun of their genus or of a
few related genera (Albatross, Gull, Tern, Warbler, Sparrow, ...), so this is a coarse
stand-in for the genus, wrong for a few names (e.g. `Chuck_will_Widow` -> `widow`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from fgcross.errors import DatasetError

FILE = "taxonomy.csv"
COLUMNS = ("class", "genus", "family")


@dataclass(frozen=True)
class Taxonomy:
    """genus[label] and family[label] ("" where unknown), and where they came from."""

    genus: tuple[str, ...]
    family: tuple[str, ...]
    source: str  # the taxonomy.csv read, or "class names"

    def close(self, a: int, b: int) -> bool:
        """Two different classes of one genus, or of one known family."""
        if a == b:
            return False
        if self.genus[a] and self.genus[a] == self.genus[b]:
            return True
        return bool(self.family[a]) and self.family[a] == self.family[b]


def group_noun(class_name: str) -> str:
    """The genus a CUB-style name gives: the last `_`-separated word, lower case."""
    name = class_name.split(".", 1)[1] if class_name[:1].isdigit() and "." in class_name else class_name
    words = [w for w in name.replace(" ", "_").split("_") if w]
    return words[-1].lower() if words else ""


def from_names(classes: list[str]) -> Taxonomy:
    """Genus from each CUB-style class name (its group noun), family unknown."""
    return Taxonomy(tuple(group_noun(c) for c in classes), ("",) * len(classes), "class names")


def read_taxonomy(root: str | Path, classes: list[str]) -> Taxonomy:
    """The taxonomy of `classes` (names by label): from ROOT/taxonomy.csv when it exists,
    otherwise from the names. Errors name the file and line."""
    path = Path(root) / FILE
    if not path.exists():
        return from_names(classes)
    rows: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != COLUMNS:
            raise DatasetError(f"{path}:1: expected the header {','.join(COLUMNS)}, got {header}")
        for n, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != 3:
                raise DatasetError(f"{path}:{n}: expected 3 fields (class,genus,family), got {len(row)}")
            name, genus, family = (v.strip() for v in row)
            if name in rows:
                raise DatasetError(f"{path}:{n}: class {name!r} listed twice")
            rows[name] = (genus.lower(), family.lower())
    missing = [c for c in classes if c not in rows]
    if missing:
        raise DatasetError(f"{path}: no row for {len(missing)} class(es), e.g. {missing[0]!r}")
    return Taxonomy(tuple(rows[c][0] for c in classes), tuple(rows[c][1] for c in classes), str(path))


def taxonomy_csv(rows: list[tuple[str, str, str]]) -> str:
    """The text of a taxonomy.csv (header, then one `class,genus,family` row per class)."""
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()
