"""The package imports downwards: the import-linter contracts of pyproject.toml hold.

The contracts ([tool.importlinter]) write down the layers of fgcross, top to bottom, that
the steps and the library never import each other the wrong way, and that search never
imports training. The first test runs them on the real code. The others add one
forbidden import to the real import graph and check that exactly the contract it breaks
fails, so that the first test cannot pass because a contract checks nothing (a module
name that matches no module, a graph without `steps`).
"""

from __future__ import annotations

import contextlib
import logging
import tomllib
from collections.abc import Iterator

import importlinter.cli as importlinter_cli
import pytest
from importlinter.application.app_config import settings

from tests.conftest import REPO

PYPROJECT = REPO / "pyproject.toml"
CONTRACTS = {c["id"]: c["name"] for c in tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]}


class GraphWithExtraImport:
    """The configured graph builder, plus one import (or one new module) that the code does not have."""

    def __init__(self, builder, importer: str, imported: str | None) -> None:
        self.builder, self.importer, self.imported = builder, importer, imported

    def build(self, **options):
        graph = self.builder.build(**options)
        graph.add_module(self.importer)
        if self.imported is not None:
            graph.add_import(importer=self.importer, imported=self.imported, line_number=1,
                             line_contents=f"import {self.imported}  # added by the test")
        return graph


@pytest.fixture(autouse=True)
def keep_logging() -> Iterator[None]:
    """import-linter configures logging with dictConfig, which disables every logger that
    already exists (the library's own): turn them back on for the tests that follow."""
    loggers = [lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    disabled = {lg: lg.disabled for lg in loggers}
    yield
    for lg, was in disabled.items():
        lg.disabled = was


@contextlib.contextmanager
def extra_import(importer: str, imported: str | None) -> Iterator[None]:
    real = settings.GRAPH_BUILDER
    settings.configure(GRAPH_BUILDER=GraphWithExtraImport(real, importer, imported))
    try:
        yield
    finally:
        settings.configure(GRAPH_BUILDER=real)


def lint(monkeypatch, capsys) -> tuple[int, str]:
    """Run the contracts as `lint-imports` does (from the repository root, no cache); (exit code, report)."""
    monkeypatch.chdir(REPO)
    monkeypatch.syspath_prepend(str(REPO))
    code = importlinter_cli.lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    return code, capsys.readouterr().out


def verdicts(report: str) -> dict[str, str]:
    """contract id -> KEPT or BROKEN, from the report's summary lines."""
    out = {}
    for cid, name in CONTRACTS.items():
        for verdict in ("KEPT", "BROKEN"):
            if f"{name} {verdict}" in report:
                out[cid] = verdict
    return out


def test_the_contracts_are_the_intended_ones():
    assert set(CONTRACTS) == {"layers", "library-not-steps", "search-not-training"}


def test_the_code_keeps_every_contract(monkeypatch, capsys):
    code, report = lint(monkeypatch, capsys)
    assert code == 0, report
    assert verdicts(report) == dict.fromkeys(CONTRACTS, "KEPT"), report


@pytest.mark.parametrize(("importer", "imported", "broken"), [
    ("fgcross.search.gallery", "fgcross.reports.items", "layers"),  # the front ends are independent
    ("fgcross.media.kinds", "fgcross.data.layout", "layers"),  # an upward import
    ("fgcross.errors", "fgcross.media.kinds", "layers"),  # the bottom imports nothing above it
    ("fgcross.unplaced", None, "layers"),  # a new module must be given a layer
    ("fgcross.io", "steps._common", "library-not-steps"),
    ("fgcross.search.query", "fgcross.training.pipeline", "search-not-training"),  # downwards, yet forbidden
], ids=lambda v: v if isinstance(v, str) else "new-module")
def test_a_forbidden_import_breaks_its_contract(monkeypatch, capsys, importer, imported, broken):
    with extra_import(importer, imported):
        code, report = lint(monkeypatch, capsys)
    assert code != 0, report
    assert verdicts(report) == {cid: "BROKEN" if cid == broken else "KEPT" for cid in CONTRACTS}, report
