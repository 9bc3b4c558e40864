"""The parameter reference is generated from the schema and params.yaml, and the README holds it."""

import pytest

from fgcross.params_doc import END, START, reference, replace_block
from tests.conftest import REPO


def test_reference_lists_every_key_with_its_default_and_meaning():
    text = reference()
    assert "| `loss.center_weight` | `0.001` | center loss weight (paper: 0.001) |" in text
    assert "| `train.stage1.epochs` | `14` |" in text and "| `data.lists` | `null` |" in text
    assert "\\|STFT\\|" in text  # a | inside a description does not break the table


def test_readme_reference_is_up_to_date():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert replace_block(readme, reference()) == readme, "run: python -m fgcross.params_doc --write README.md"


def test_replace_block_needs_the_markers():
    assert replace_block(f"a\n{START}\nold\n{END}\nb", "new\n") == f"a\n{START}\nnew\n{END}\nb"
    with pytest.raises(ValueError, match="params:start"):
        replace_block("no markers", "x")
