"""The index stage: read the list files, validate every line, write one manifest.

Every problem is reported as `<list file>:<line>: <what is wrong>` so a user can open the
file at that line; all problems of a run are collected before failing, so one run shows
them all. Paths from list files never escape the dataset root (absolute paths, `..`, and
symbolic links that lead outside are rejected).
"""

from __future__ import annotations

import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fgcross import MEDIA
from fgcross.data.layout import SPLITS, list_file, lists_dir
from fgcross.data.probe import probe
from fgcross.errors import DatasetError
from fgcross.media.kinds import EXTENSIONS

MANIFEST_COLUMNS = ["id", "media", "split", "label", "class_name", "path"]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int  # 0 when the problem concerns the whole file
    message: str
    severity: str = "error"  # error | warning
    path: str = ""  # the listed item, when the problem is about one

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


MAX_CLASSES = 10_000
"""The largest number of classes a dataset without classes.txt may have (labels 0..9999): a
label beyond it is far more likely a typo than a class, and would size the classifier. A
classes.txt of any length sets the number of classes instead."""
LABEL = re.compile(r"-?[0-9]+")
SPECIAL = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
           (stat.S_ISSOCK, "a socket"))


def special_kind(mode: int) -> str | None:
    """What a file that is neither a regular file nor a folder is ("a FIFO", ...), from its stat mode."""
    return next((name for test, name in SPECIAL if test(mode)), None)


def read_text_file(path: Path, what: str) -> str:
    """A list file or classes.txt as text, or a DatasetError naming the file (and the line of a
    byte that is not UTF-8). A folder or a special file is refused without being opened (a FIFO
    would block the read); a UTF-8 byte-order mark is dropped, not read into the first path."""
    try:
        mode = path.stat().st_mode
    except OSError as err:
        raise DatasetError(f"{path}: cannot read the {what} ({err.strerror})") from None
    if stat.S_ISDIR(mode):
        raise DatasetError(f"{path}: is a folder, not a {what}")
    if not stat.S_ISREG(mode):
        raise DatasetError(f"{path}: is {special_kind(mode) or 'a special file'}, not a {what}")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DatasetError(f"{path}: cannot read the {what} ({err.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise DatasetError(f"{path}:{line}: the {what} is not UTF-8 text (byte 0x{data[err.start]:02x})") from None


def read_classes(root: Path) -> dict[int, str] | None:
    """classes.txt as {label: name}, labels 0-based; a CUB-style 1-based file is shifted."""
    path = root / "classes.txt"
    if not os.path.lexists(path):
        return None
    classes: dict[int, str] = {}
    for n, raw in enumerate(read_text_file(path, "class list").splitlines(), start=1):
        if not raw.strip():
            continue
        parts = raw.split(maxsplit=1)
        if len(parts) != 2 or not LABEL.fullmatch(parts[0]):
            raise DatasetError(f"{path}:{n}: expected '<label> <class name>', got {raw!r}")
        if int(parts[0]) in classes:
            raise DatasetError(f"{path}:{n}: label {parts[0]} is listed twice")
        classes[int(parts[0])] = parts[1].strip()
    if classes and min(classes) == 1 and max(classes) == len(classes):  # CUB style: 1 001.Black_footed_Albatross
        classes = {k - 1: v for k, v in classes.items()}
    if sorted(classes) != list(range(len(classes))):
        raise DatasetError(f"{path}: labels must be 0..N-1 (or 1..N), got {sorted(classes)[:5]}...")
    return classes


def _resolve_inside(root: Path, rel: str) -> tuple[Path | None, str | None]:
    """The file a list entry names, or the reason it is not allowed."""
    if "\0" in rel:
        return None, f"path {rel!r} holds a NUL byte"
    if os.path.isabs(rel) or rel.startswith("~"):
        return None, f"path {rel!r} is absolute; list paths must be relative to the dataset root"
    if ".." in Path(rel).parts:
        return None, f"path {rel!r} escapes the dataset root with '..'"
    path = root / rel
    real_root = root.resolve()
    real = path.resolve()
    if real != real_root and real_root not in real.parents:
        return None, f"path {rel!r} leads outside the dataset root (symbolic link to {real})"
    return path, None


def read_list(path: Path, root: Path, media: str, split: str, num_classes: int | None,
              problems: list[Problem]) -> list[dict]:
    """Parse one list file into manifest rows; append every problem found to `problems`."""
    rows: list[dict] = []
    shown = str(path)
    try:
        lines = read_text_file(path, "list file").splitlines()
    except DatasetError as err:
        problems.append(Problem(shown, 0, str(err).removeprefix(f"{shown}: ")))
        return rows
    if not any(line.strip() for line in lines):
        problems.append(Problem(shown, 0, "list file is empty"))
        return rows
    for n, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        rel, _, label_text = line.rpartition(" ")
        rel = rel.strip()
        if not rel:
            problems.append(Problem(shown, n, f"expected '<path> <label>', got {line!r}"))
            continue
        if not LABEL.fullmatch(label_text):
            problems.append(Problem(shown, n, f"label {label_text!r} is not an integer"))
            continue
        label = int(label_text)
        if label < 0:
            problems.append(Problem(shown, n, f"label {label} is negative"))
            continue
        if num_classes is not None and label >= num_classes:
            problems.append(Problem(shown, n, f"label {label} is not below the number of classes ({num_classes})"))
            continue
        if num_classes is None and label >= MAX_CLASSES:
            problems.append(Problem(shown, n, f"label {label} is above the {MAX_CLASSES - 1} allowed without "
                                              "classes.txt; add a classes.txt naming every class"))
            continue
        file, why = _resolve_inside(root, rel)
        if why:
            problems.append(Problem(shown, n, why))
            continue
        try:
            mode = file.stat().st_mode  # stat, never open: a FIFO would block
        except OSError:
            problems.append(Problem(shown, n, f"missing file {file}"))
            continue
        if special_kind(mode):
            problems.append(Problem(shown, n, f"{file.name}: is {special_kind(mode)}, not a {media} file"))
            continue
        suffix = file.suffix.lower() if stat.S_ISREG(mode) else ""
        if suffix not in EXTENSIONS[media]:
            problems.append(Problem(shown, n, f"{file.name}: not a {media} file (allowed: {EXTENSIONS[media]})"))
            continue
        rows.append({"id": Path(rel).as_posix(), "media": media, "split": split, "label": label,
                     "path": Path(rel).as_posix(), "_where": f"{shown}:{n}"})
    return rows


@dataclass
class IndexResult:
    manifest: pd.DataFrame
    problems: list[Problem]  # skipped items (on_error="skip") and warnings
    class_names: list[str]  # the name of each label, from classes.txt or the class folders


def _probe_rows(rows: list[dict], root: Path, problems: list[Problem], workers: int) -> list[dict]:
    """Keep the rows whose file passes its content probe; the others become problems."""
    def check(row: dict) -> str | None:
        return probe(root / row["path"], row["media"])

    with ThreadPoolExecutor(max_workers=workers) as pool:
        verdicts = list(pool.map(check, rows))
    kept = []
    for row, verdict in zip(rows, verdicts, strict=True):
        if verdict is None:
            kept.append(row)
        else:
            file, line = row["_where"].rsplit(":", 1)
            problems.append(Problem(file, int(line), f"{row['path']}: {verdict}", path=row["path"]))
    return kept


def _coverage_warnings(frame: pd.DataFrame, classes: int, lists: Path) -> list[Problem]:
    """A class with no training item in some media: legal, but worth knowing."""
    out = []
    train = frame[frame["split"] == "train"]
    for m in sorted(set(frame["media"])):
        missing = sorted(set(range(classes)) - set(train.loc[train["media"] == m, "label"]))
        if missing:
            shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
            out.append(Problem(str(list_file(lists, m, "train")), 0,
                               f"{len(missing)} class(es) have no training item in {m}: {shown}", "warning"))
    return out


def index_dataset(root: str | Path, lists: str | None = None, media: tuple[str, ...] = MEDIA,
                  on_error: str = "fail", check_content: bool = True, workers: int = 4) -> IndexResult:
    """Validate the lists (and, with check_content, every file's content) of the requested media.

    on_error="fail" raises DatasetError listing every problem; "skip" leaves the bad
    items out and returns them as problems. A media with no list files is absent.
    """
    if on_error not in ("fail", "skip"):
        raise ValueError(f"on_error must be fail or skip, got {on_error!r}")
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"dataset root {root} is not a folder")
    classes = read_classes(root)
    problems: list[Problem] = []
    rows: list[dict] = []
    where_seen: dict[tuple[str, str], str] = {}
    ldir = lists_dir(root, lists)
    for m in media:
        files = {s: list_file(ldir, m, s) for s in SPLITS}
        if not any(f.exists() for f in files.values()):
            continue
        for split, f in files.items():
            if not f.exists():
                other = "train" if split == "test" else "test"
                problems.append(Problem(str(f), 0, f"missing list file ({m} has a {other} list)"))
                continue
            for row in read_list(f, root, m, split, len(classes) if classes else None, problems):
                key = (m, row["path"])
                if key in where_seen:
                    first = where_seen[key]
                    what = "listed twice" if first.startswith(str(f)) else "in both train and test"
                    problems.append(Problem(str(f), int(row["_where"].rsplit(":", 1)[1]),
                                            f"{row['path']} is {what} (first at {first})"))
                    continue
                where_seen[key] = row["_where"]
                rows.append(row)
    if check_content:
        rows = _probe_rows(rows, root, problems, workers)
    if problems and on_error == "fail":
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise DatasetError(f"{len(problems)} problem(s) in the dataset lists:\n{shown}{more}")
    if not rows:
        raise DatasetError(f"no usable items found under {ldir} for media {list(media)}"
                           + (f" ({len(problems)} skipped)" if problems else ""))
    frame = pd.DataFrame(rows).drop(columns="_where")
    names = _class_names(frame, classes)
    frame["class_name"] = frame["label"].map(names)
    frame = frame[MANIFEST_COLUMNS].sort_values(["media", "split", "label", "id"], kind="stable")
    n = num_classes(frame, classes)
    return IndexResult(frame.reset_index(drop=True), problems + _coverage_warnings(frame, n, ldir),
                       [names.get(i, str(i)) for i in range(n)])


def build_manifest(root: str | Path, lists: str | None = None, media: tuple[str, ...] = MEDIA,
                   check_content: bool = True) -> pd.DataFrame:
    """The manifest of a valid dataset; raises DatasetError listing every problem."""
    return index_dataset(root, lists, media, "fail", check_content).manifest


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    return pd.DataFrame([p.__dict__ for p in problems], columns=["file", "line", "severity", "path", "message"])


def _class_names(frame: pd.DataFrame, classes: dict[int, str] | None) -> dict[int, str]:
    """Names from classes.txt, else from the class folder of the first item of each label."""
    if classes:
        return classes
    names: dict[int, str] = {}
    for label, path in zip(frame["label"], frame["path"], strict=True):
        parts = Path(path).parts
        names.setdefault(int(label), parts[-2] if len(parts) >= 2 else str(label))
    return names


def num_classes(manifest: pd.DataFrame, classes: dict[int, str] | None = None) -> int:
    """The number of classes: classes.txt's, else one more than the largest label listed."""
    return len(classes) if classes else int(manifest["label"].max()) + 1
