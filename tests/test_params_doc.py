"""The parameter reference is generated from the schema and params.yaml (the docs site's
Parameters page is built from it: tests/docs/test_site.py)."""

from fgcross.params_doc import main, reference


def test_reference_lists_every_key_with_its_default_and_meaning():
    text = reference()
    assert "| `loss.center_weight` | `0.001` | center loss weight (paper: 0.001) |" in text
    assert "| `train.stage1.epochs` | `14` |" in text and "| `data.lists` | `null` |" in text
    assert "\\|STFT\\|" in text  # a | inside a description does not break the table


def test_main_prints_the_reference(capsys):
    main([])
    assert capsys.readouterr().out == reference()
