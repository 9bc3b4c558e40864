"""The user-facing errors: one base for the steps to catch, their old built-in bases kept,
and still importable from the modules that raise them."""

from __future__ import annotations

import pytest

from fgcross import errors


@pytest.mark.parametrize(("name", "builtin", "home"), [
    ("ParamsError", ValueError, "fgcross.config"),
    ("DatasetError", ValueError, "fgcross.data.manifest"),
    ("PreparationError", RuntimeError, "fgcross.data.prepared"),
    ("ReportError", RuntimeError, "fgcross.reports.render"),
    ("QueryError", ValueError, "fgcross.search.query"),
    ("WeightsError", RuntimeError, "fgcross.models.backbones"),
    ("DeviceError", RuntimeError, "fgcross.devices"),
    ("TrackingError", RuntimeError, "fgcross.tracking"),
    ("TrainingError", RuntimeError, "fgcross.training.loop"),
    ("DiskFullError", OSError, "fgcross.io"),
])
def test_one_base_old_bases_old_homes(name, builtin, home):
    import importlib

    error = getattr(errors, name)
    assert issubclass(error, errors.FgcrossError) and issubclass(error, builtin)
    assert getattr(importlib.import_module(home), name) is error


def test_the_steps_catch_every_user_error():
    from steps._common import USER_ERRORS

    assert errors.FgcrossError in USER_ERRORS and FileNotFoundError in USER_ERRORS
