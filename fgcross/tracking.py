"""MLflow tracking: where runs go, how stages of one pipeline are grouped, and no lost runs.

- The store is `sqlite:///<project root>/mlflow.db` unless `tracking.uri` says otherwise,
  by absolute path. The project root is DVC_ROOT when DVC runs the stage (mapped back out
  of the temporary copies `dvc exp run --temp/--queue` makes under .dvc/tmp/exps), else the
  working directory (Snakemake and DVC both run steps from the repo root).
- Every run carries the tag `fgcross.pipeline`: a digest of the whole params.yaml, so all
  stages that ran with one configuration group together, under Snakemake or DVC alike.
- The train stage's run is the experiment's run: export, evaluate and report add their
  metrics and artifacts to it (its id is saved beside the checkpoint).
- sqlite allows one writer at a time: every write holds an exclusive file lock, so stages
  that run in parallel (the preparation stages) queue instead of failing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fgcross.config import flatten, params_digest
from fgcross.errors import TrackingError
from fgcross.params import Params, TrackingParams

log = logging.getLogger(__name__)


def project_root(environ: dict[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The repository whose mlflow.db collects the runs."""
    environ = os.environ if environ is None else environ
    root = Path(environ.get("DVC_ROOT") or (cwd or Path.cwd())).resolve()
    parts = root.parts
    for i in range(len(parts) - 3):  # <repo>/.dvc/tmp/exps/<temp copy>
        if parts[i:i + 3] == (".dvc", "tmp", "exps"):
            return Path(*parts[:i])
    return root


def tracking_uri(section: TrackingParams, root: Path | None = None) -> str:
    if section.uri:
        return section.uri
    return f"sqlite:///{(root or project_root()) / 'mlflow.db'}"


def git_commit(cwd: Path | None = None) -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=cwd, capture_output=True, text=True,
                             timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


class Tracker:
    """One MLflow run; every call is serialised by a file lock. Disabled: every call is a no-op."""

    def __init__(self, uri: str | None, run_id: str | None = None, lock_path: Path | None = None) -> None:
        self.uri = uri
        self.run_id = run_id
        self._lock_path = lock_path
        self._client = None
        self._held = False

    @property
    def enabled(self) -> bool:
        return bool(self.uri)

    def _connect(self):
        """The client, created under the lock: creating the sqlite store runs MLflow's schema
        migrations, which fail when two processes run them at once."""
        if self._client is None:
            from mlflow.tracking import MlflowClient

            try:
                client = MlflowClient(tracking_uri=self.uri)
                client.search_experiments(max_results=1)  # forces the store (and its migrations) now
            except Exception as err:  # MLflow's many errors for a URI it cannot use
                if "locked" in str(err).lower():
                    raise
                first = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
                raise TrackingError(f"tracking.uri {self.uri!r}: cannot open the MLflow store ({first}); fix "
                                    "tracking.uri or set tracking.enabled: false") from None
            self._client = client
        return self._client

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the store's lock (re-entrant within this tracker)."""
        if self._lock_path is None or self._held:
            yield
            return
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            self._held = True
            try:
                yield
            finally:
                self._held = False
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _call(self, what: str, *args: Any, **kwargs: Any) -> Any:
        if not self.enabled:
            return None
        with self._locked():
            for attempt in range(5):
                try:
                    return getattr(self._connect(), what)(*args, **kwargs)
                except TrackingError:
                    raise
                except Exception as err:  # sqlite "database is locked" from another tool's writer
                    if "locked" not in str(err).lower() or attempt == 4:
                        raise
                    time.sleep(0.5 * (attempt + 1))
        return None

    def start(self, experiment: str, run_name: str, tags: dict[str, str], artifact_root: Path) -> str | None:
        if not self.enabled:
            return None
        with self._locked():  # get-or-create must be one step, or two stages both create it
            exp = self._call("get_experiment_by_name", experiment)
            exp_id = exp.experiment_id if exp else self._call(
                "create_experiment", experiment, artifact_location=(artifact_root / experiment).as_uri())
            run = self._call("create_run", exp_id, tags=tags, run_name=run_name)
        self.run_id = run.info.run_id
        return self.run_id

    def log_params(self, params: dict[str, Any]) -> None:
        from mlflow.entities import Param

        items = [Param(k, str(v)[:6000]) for k, v in flatten(params).items()]
        for i in range(0, len(items), 100):
            self._call("log_batch", self.run_id, params=items[i:i + 100])

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        from mlflow.entities import Metric

        stamp = int(time.time() * 1000)
        items = [Metric(k.replace("@", "_at_"), float(v), stamp, step or 0) for k, v in metrics.items()
                 if v is not None and v == v]
        for i in range(0, len(items), 500):
            self._call("log_batch", self.run_id, metrics=items[i:i + 500])

    def set_tags(self, tags: dict[str, str]) -> None:
        from mlflow.entities import RunTag

        self._call("log_batch", self.run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])

    def log_artifact(self, path: str | Path, subdir: str | None = None) -> None:
        if Path(path).exists():
            self._call("log_artifact", self.run_id, str(path), subdir)

    def end(self, status: str = "FINISHED") -> None:
        if self.run_id:
            self._call("set_terminated", self.run_id, status)


def _tracker(params: Params, run_id: str | None = None) -> tuple[Tracker, Path]:
    section = params.tracking
    root = project_root()
    if not section.enabled:
        return Tracker(None), root
    uri = tracking_uri(section, root)
    lock = root / "mlflow.db.lock" if uri.startswith("sqlite:") else None
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return Tracker(uri, run_id=run_id, lock_path=lock), root


def pipeline_tags(params: Params, stage: str) -> dict[str, str]:
    return {
        "fgcross.pipeline": params_digest(params),
        "fgcross.stage": stage,
        "fgcross.git_commit": git_commit(),
        "fgcross.runner": "dvc" if os.environ.get("DVC_ROOT") else os.environ.get("FGCROSS_RUNNER", "direct"),
        "fgcross.dvc_exp": os.environ.get("DVC_EXP_NAME", ""),
    }


@contextlib.contextmanager
def stage_run(stage: str, params: Params, log_all_params: bool = False) -> Iterator[Tracker]:
    """A new run for `stage`, finished (or marked FAILED) when the block ends."""
    tracker, root = _tracker(params)
    tracker.start(params.tracking.experiment, stage, pipeline_tags(params, stage), root / "mlartifacts")
    if log_all_params:
        tracker.log_params(params.as_dict())
    try:
        yield tracker
    except BaseException:
        tracker.end("FAILED")
        raise
    tracker.end("FINISHED")


def saved_run_id(path: str | Path) -> str | None:
    """The experiment's run id that the train stage saved (models/run.json), if any."""
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")).get("run_id") if path.exists() else None


@contextlib.contextmanager
def resume_run(run_id: str | None, params: Params) -> Iterator[Tracker]:
    """Add to an existing run (the experiment's train run); a no-op without one."""
    tracker, _ = _tracker(params, run_id=run_id)
    if not run_id:
        tracker = Tracker(None)
    yield tracker
