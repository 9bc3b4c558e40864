"""Which classes are close: taxonomy.csv at the dataset root, or the genus a CUB name gives."""

import pytest

from fgcross.data.index_files import read_index_taxonomy, write_index
from fgcross.data.taxonomy import from_names, group_noun, read_taxonomy
from fgcross.errors import DatasetError

CUB = ["001.Black_footed_Albatross", "002.Laysan_Albatross", "059.California_Gull", "045.Northern_Fulmar"]


def test_cub_names_give_the_group_noun_as_genus():
    assert [group_noun(c) for c in CUB] == ["albatross", "albatross", "gull", "fulmar"]
    assert group_noun("Song sparrow") == "sparrow"
    tax = from_names(CUB)
    assert tax.close(0, 1) and not tax.close(0, 2) and not tax.close(0, 0)
    assert tax.source == "class names"


def test_a_taxonomy_file_wins_and_knows_families(tmp_path):
    (tmp_path / "taxonomy.csv").write_text(
        "class,genus,family\n" + "".join(f"{c},{g},{f}\n" for c, g, f in [
            (CUB[0], "Phoebastria", "Diomedeidae"), (CUB[1], "Phoebastria", "Diomedeidae"),
            (CUB[2], "Larus", "Laridae"), (CUB[3], "Fulmarus", "Procellariidae")]))
    tax = read_taxonomy(tmp_path, CUB)
    assert tax.genus[0] == "phoebastria" and tax.close(0, 1) and not tax.close(2, 3)
    assert tax.source.endswith("taxonomy.csv")
    same_family = read_taxonomy(tmp_path, CUB[:2])
    assert same_family.close(0, 1)


def test_without_a_file_the_names_decide(tmp_path):
    assert read_taxonomy(tmp_path, CUB) == from_names(CUB)


@pytest.mark.parametrize("text, message", [
    ("class,genus\n", "taxonomy.csv:1: expected the header"),
    ("class,genus,family\n001.Black_footed_Albatross,a\n", "taxonomy.csv:2: expected 3 fields"),
    ("class,genus,family\n001.Black_footed_Albatross,a,b\n001.Black_footed_Albatross,a,b\n", ":3: class"),
    ("class,genus,family\n001.Black_footed_Albatross,a,b\n", "no row for 3 class"),
])
def test_a_bad_file_names_the_file_and_line(tmp_path, text, message):
    (tmp_path / "taxonomy.csv").write_text(text)
    with pytest.raises(DatasetError, match=message):
        read_taxonomy(tmp_path, CUB)


def test_the_generator_writes_one_from_its_families(dataset):
    lines = (dataset / "taxonomy.csv").read_text().splitlines()
    classes = [line.split(" ", 1)[1] for line in (dataset / "classes.txt").read_text().splitlines()]
    assert lines[0] == "class,genus,family" and [r.split(",")[0] for r in lines[1:]] == classes
    tax = read_taxonomy(dataset, classes)
    assert tax.close(0, 1) and not tax.close(0, len(classes) - 1)  # 2 families of 2 species in the tiny set
    assert tax == type(tax)(tuple(group_noun(c) for c in classes), tax.genus, tax.source)  # names agree


def test_the_index_keeps_the_resolved_taxonomy(tmp_path, index_dir, dataset):
    tax = read_index_taxonomy(index_dir)
    assert tax.close(0, 1) and tax.source.endswith("taxonomy.csv")
    import pandas as pd

    write_index(tmp_path / "ix", tmp_path, pd.DataFrame(columns=["media", "split"]), CUB)
    assert read_index_taxonomy(tmp_path / "ix") == from_names(CUB)
