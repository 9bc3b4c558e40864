"""Property-based tests (hypothesis) of the parsers of untrusted text: a list file, classes.txt
and a params file. Whatever the input, each parses or raises the project's own error type,
never another exception."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fgcross.config import load_params, params_from_dict
from fgcross.data.manifest import Problem, read_classes, read_list
from fgcross.errors import DatasetError, ParamsError
from tests.conftest import tiny_raw

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A line as a user (or an attacker) may write one: paths, labels, separators, BOMs, junk.
WORD = st.one_of(st.text(max_size=12), st.sampled_from(["image/a.jpg", "../x.jpg", "/etc/passwd", "text/t.txt",
                                                        "0", "-1", "2000000", "1e9", "\u00b2", "\ufeff", "#", " ",
                                                        "\t", "a b", "image", "x.JPG"]))
LINE = st.lists(WORD, max_size=4).map(" ".join)
TEXT = st.lists(LINE, max_size=8).map("\n".join)
CONTENT = st.one_of(st.binary(max_size=200), TEXT.map(lambda t: t.encode("utf-8")),
                    TEXT.map(lambda t: b"\xef\xbb\xbf" + t.encode("utf-8")),
                    TEXT.map(lambda t: t.encode("utf-16")))


def _dataset(folder: Path) -> Path:
    """A minimal root: one image and one text file, so that some lines name real files."""
    (folder / "image").mkdir()
    (folder / "image" / "a.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    (folder / "text").mkdir()
    (folder / "text" / "t.txt").write_text("a bird")
    return folder


@SETTINGS
@given(content=CONTENT, num_classes=st.one_of(st.none(), st.integers(1, 300)),
       media=st.sampled_from(["image", "text", "audio", "video"]))
def test_a_list_file_parses_into_rows_and_problems(content, num_classes, media):
    with tempfile.TemporaryDirectory() as tmp:
        root = _dataset(Path(tmp))
        path = root / "train.txt"
        path.write_bytes(content)
        problems: list[Problem] = []
        rows = read_list(path, root, media, "train", num_classes, problems)  # never raises: problems instead
    for row in rows:
        assert 0 <= row["label"] < (num_classes or 10_000) and "\ufeff" not in row["path"]
        assert not row["path"].startswith("/") and ".." not in Path(row["path"]).parts
    assert all(isinstance(p, Problem) and str(p) for p in problems)


@SETTINGS
@given(content=CONTENT)
def test_classes_txt_parses_or_is_a_dataset_error(content):
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "classes.txt").write_bytes(content)
        try:
            classes = read_classes(Path(tmp))
        except DatasetError as err:
            assert "classes.txt" in str(err)
            return
    assert classes is not None and sorted(classes) == list(range(len(classes)))
    assert all(isinstance(name, str) and not name.startswith("\ufeff") for name in classes.values())


YAML_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10)),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children,
                                                                               max_size=3)),
    max_leaves=8)
BASE = tiny_raw()
KEYS = [(section, key) for section, body in BASE.items() for key in body]


@SETTINGS
@given(where=st.sampled_from(KEYS), value=YAML_VALUE)
def test_params_with_any_value_anywhere_parse_or_are_a_params_error(where, value):
    raw = copy.deepcopy(BASE)
    raw[where[0]][where[1]] = value
    try:
        params_from_dict(raw, "fuzzed")
    except ParamsError as err:
        assert str(err)


@SETTINGS
@given(content=st.one_of(st.binary(max_size=300), YAML_VALUE.map(lambda v: yaml.safe_dump(v).encode()),
                         st.just(yaml.safe_dump(BASE).encode())))
def test_a_params_file_of_any_bytes_parses_or_is_a_params_error(content):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "params.yaml"
        path.write_bytes(content)
        try:
            load_params(path)
        except ParamsError as err:
            assert str(path) in str(err)
