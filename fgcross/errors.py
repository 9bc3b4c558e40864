"""The errors a user causes and can fix: a bad params file, a broken dataset, a file that
cannot be prepared, a report page that fails, a query that cannot be searched with.

Each message names what is wrong and where (file, line, key). They share one base,
`FgcrossError`, so that the steps and the `fgcross` command catch all of them with one
clause and print the message instead of a traceback, while a programming error still
shows its traceback. Each also keeps the built-in base it always had (ValueError or
RuntimeError), so code that catches those still catches them. This module sits at the
bottom of the package (it imports nothing), so every layer can raise these errors and
every entry point can catch them without importing the layer that raises them.
"""

from __future__ import annotations


class FgcrossError(Exception):
    """Base of the user-facing errors: the message says what to fix."""


class ParamsError(FgcrossError, ValueError):
    """params.yaml is missing, unparsable, or does not match the schema."""


class DatasetError(FgcrossError, ValueError):
    """The dataset or its lists are invalid; the message names every file and line at fault."""


class PreparationError(FgcrossError, RuntimeError):
    """A media file could not be prepared; the message names the file and its list entry."""


class ReportError(FgcrossError, RuntimeError):
    """One or more pages failed to build; the message names them and their executed notebooks."""


class QueryError(FgcrossError, ValueError):
    """A query that cannot be searched with; the message says why and names the file."""


class TrainingError(FgcrossError, RuntimeError):
    """Training cannot go on (a loss term became NaN or infinite); the last good state is kept."""


class DiskFullError(FgcrossError, OSError):
    """An output could not be written for lack of space; nothing of it was left behind."""

    def __str__(self) -> str:
        return str(self.strerror)


class DeviceError(FgcrossError, RuntimeError):
    """The device asked for (train.device) is not there."""


class TrackingError(FgcrossError, RuntimeError):
    """The MLflow store of tracking.uri cannot be opened."""


class WeightsError(FgcrossError, RuntimeError):
    """Pretrained weights could not be loaded, or matched no parameter of the backbone."""


class ModelNotFoundError(FgcrossError, LookupError):
    """A `--model` that names no model: no folder there, or no such registered model, version or alias."""
