"""MLflow tracking: where runs go, what a pipeline run is, and runs that always end.

- The store is `sqlite:///<project root>/mlflow.db` unless `tracking.uri` says otherwise.
  The project root is DVC_ROOT when DVC runs the stage (mapped back out of the temporary
  copies `dvc exp run --temp/--queue` makes under .dvc/tmp/exps), else the working directory.
  Artifacts go to `<project root>/mlartifacts/<experiment>`; the store holds absolute paths,
  so when the project has moved or been copied (mlflow.db and mlartifacts/ with it) the
  paths are rewritten to the new root before the first run starts (`relocate_store`).
- The pipeline run: the train stage creates one run per trained model. It holds the params,
  the training curves, the data set (`log_input`), the MLflow model and, added by evaluate
  and report, the mAPs and the HTML report, so `mlflow ui` shows one row per experiment
  with everything to compare. Later stages find it through tags, the training digest
  (`fgcross.training`) and the data digest (`fgcross.data`), never through a run id written
  into a tracked output; each stage records its own outcome as the tag `fgcross.stage.<stage>`.
- Runs end FAILED on an exception and KILLED on Ctrl-C or SIGTERM. A run whose process died
  without a word (SIGKILL, a lost node) stays RUNNING in MLflow; the next stage that starts
  on that machine finds its process gone and marks it KILLED.
- Standard tags: `mlflow.source.name/type/git.commit/git.branch/git.repoURL`, and
  `fgcross.runner` (snakemake, dvc or direct).
- sqlite allows one writer at a time: every write holds an exclusive file lock, so stages
  that run in parallel queue instead of failing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fgcross.config import flatten, params_digest
from fgcross.digests import training_digest
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


def _git(*args: str, cwd: Path | None = None) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def source_tags(stage: str, cwd: Path | None = None) -> dict[str, str]:
    """MLflow's own `mlflow.source.*` tags, which its UI shows as the run's source and commit."""
    tags = {"mlflow.source.name": f"steps.{stage}", "mlflow.source.type": "LOCAL"}
    for key, args in (("git.commit", ("rev-parse", "HEAD")), ("git.branch", ("rev-parse", "--abbrev-ref", "HEAD")),
                      ("git.repoURL", ("remote", "get-url", "origin"))):
        value = _git(*args, cwd=cwd)
        if value:
            tags[f"mlflow.source.{key}"] = value
    return tags


RUNNERS = ("snakemake", "dvc")


def runner() -> str:
    """Which tool runs the stage: FGCROSS_RUNNER when set; DVC sets DVC_ROOT; Snakemake sets nothing of
    its own, so the stage's ancestor processes are asked (`snakemake ...`, `python -m snakemake ...`, also
    on a cluster node, where the executor runs Snakemake again around each job)."""
    if os.environ.get("FGCROSS_RUNNER"):
        return os.environ["FGCROSS_RUNNER"]
    if os.environ.get("DVC_ROOT"):
        return "dvc"
    import psutil

    try:
        for parent in psutil.Process().parents():
            names = {Path(arg).name for arg in parent.cmdline()[:3]}
            found = [r for r in RUNNERS if r in names]
            if found:
                return found[0]
    except (psutil.Error, OSError):
        pass
    return "direct"


def process_tags() -> dict[str, str]:
    """Who owns a RUNNING run: host, pid and the process's start time (a reused pid is another process)."""
    import psutil

    return {"fgcross.host": socket.gethostname(), "fgcross.pid": str(os.getpid()),
            "fgcross.pid_started": f"{psutil.Process().create_time():.3f}"}


def process_alive(tags: dict[str, str]) -> bool:
    """Whether the process named by a run's process tags still runs (on another host: assume so)."""
    import psutil

    if tags.get("fgcross.host") != socket.gethostname() or "fgcross.pid" not in tags:
        return True
    try:
        started = psutil.Process(int(tags["fgcross.pid"])).create_time()
    except (psutil.NoSuchProcess, ValueError):
        return False
    return abs(started - float(tags.get("fgcross.pid_started", started))) < 1.0


class Terminated(BaseException):  # noqa: N818 (like KeyboardInterrupt, a signal rather than an error)
    """Raised in the main thread by SIGTERM, so that a stage's run ends KILLED and its files stay whole."""


def end_status(err: BaseException | None) -> str:
    """FINISHED, or KILLED for Ctrl-C and SIGTERM, or FAILED for anything else (a SystemExit(0) finished)."""
    if err is None or (isinstance(err, SystemExit) and err.code in (0, None)):
        return "FINISHED"
    return "KILLED" if isinstance(err, (KeyboardInterrupt, Terminated)) else "FAILED"


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated (in the main thread only; elsewhere a no-op)."""
    def _raise(signum: int, frame: Any) -> None:
        raise Terminated(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, _raise)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def relocate_store(db: Path, root: Path, experiment: str) -> int:
    """Rewrite the artifact paths of a moved or copied project to its new root; return the rows changed.

    MLflow stores an experiment's artifact location, and each run's, as absolute URIs. A copy of
    the project (mlflow.db and mlartifacts/ together) would otherwise write into, and read from,
    the original. Every text column that starts with the old `<root>/mlartifacts/` is rewritten."""
    if not db.exists():
        return 0
    new = (root / "mlartifacts").as_uri() + "/"
    changed = 0
    with contextlib.closing(sqlite3.connect(db)) as con:
        row = con.execute("SELECT artifact_location FROM experiments WHERE name = ?", (experiment,)).fetchone() \
            if _has_table(con, "experiments") else None
        if not row or not row[0].startswith("file://") or row[0].startswith(new) or "/mlartifacts/" not in row[0]:
            return 0
        old = row[0][:row[0].rindex("/mlartifacts/")] + "/mlartifacts/"
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            for column in [c[1] for c in con.execute(f"PRAGMA table_info('{table}')") if "CHAR" in c[2].upper()
                           or "TEXT" in c[2].upper()]:
                cur = con.execute(f'UPDATE "{table}" SET "{column}" = ? || substr("{column}", ?) '
                                  f'WHERE substr("{column}", 1, ?) = ?', (new, len(old) + 1, len(old), old))
                changed += cur.rowcount
        con.commit()
    log.info("the project moved: rewrote %d artifact paths from %s to %s", changed, old, new)
    return changed


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


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

    def experiment_id(self, experiment: str, artifact_root: Path) -> str | None:
        """Get or create the experiment (one step under the lock, or two stages both create it);
        a moved project's store is relocated first (sqlite at the project root only)."""
        if not self.enabled:
            return None
        with self._locked():
            if self.uri == f"sqlite:///{artifact_root.parent / 'mlflow.db'}":
                relocate_store(artifact_root.parent / "mlflow.db", artifact_root.parent, experiment)
            exp = self._call("get_experiment_by_name", experiment)
            return exp.experiment_id if exp else self._call(
                "create_experiment", experiment, artifact_location=(artifact_root / experiment).as_uri())

    def start(self, experiment: str, run_name: str, tags: dict[str, str], artifact_root: Path) -> str | None:
        if not self.enabled:
            return None
        with self._locked():
            exp_id = self.experiment_id(experiment, artifact_root)
            self.mark_abandoned(exp_id)
            run = self._call("create_run", exp_id, tags=tags, run_name=run_name)
        self.run_id = run.info.run_id
        return self.run_id

    def mark_abandoned(self, experiment_id: str) -> list[str]:
        """Mark KILLED every RUNNING run whose process is gone (SIGKILL, a crash); return their ids."""
        dead = [r for r in self._call("search_runs", [experiment_id], "attributes.status = 'RUNNING'",
                                      max_results=1000) if not process_alive(r.data.tags)]
        for r in dead:
            self.set_tags({"fgcross.ended_by": f"process {r.data.tags.get('fgcross.pid')} was gone"}, r.info.run_id)
            self._call("set_terminated", r.info.run_id, "KILLED")
        return [r.info.run_id for r in dead]

    def find(self, experiment: str, artifact_root: Path, tags: dict[str, str]) -> str | None:
        """The newest run carrying every tag in `tags`."""
        if not self.enabled:
            return None
        exp_id = self.experiment_id(experiment, artifact_root)
        query = " and ".join(f"tags.`{k}` = '{v}'" for k, v in tags.items())
        runs = self._call("search_runs", [exp_id], query, max_results=1, order_by=["attributes.start_time DESC"])
        return runs[0].info.run_id if runs else None

    def reopen(self, stage: str) -> None:
        """Mark the run RUNNING again while `stage` adds to it, owned by this process."""
        if self.run_id:
            self._call("update_run", self.run_id, "RUNNING")
            self.set_tags({**process_tags(), f"fgcross.stage.{stage}": "RUNNING"})

    def log_input(self, name: str, digest: str, source: str, context: str = "training") -> None:
        """The prepared data set as the run's input (MLflow's Datasets panel), named by its digest."""
        from mlflow.entities import Dataset, DatasetInput, InputTag

        dataset = Dataset(name=name, digest=digest, source_type="local", source=json.dumps({"uri": source}))
        self._call("log_inputs", self.run_id, [DatasetInput(dataset, [InputTag("mlflow.data.context", context)])])

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

    def set_tags(self, tags: dict[str, str], run_id: str | None = None) -> None:
        from mlflow.entities import RunTag

        self._call("log_batch", run_id or self.run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])

    def log_artifact(self, path: str | Path, subdir: str | None = None) -> None:
        if Path(path).exists():
            self._call("log_artifact", self.run_id, str(path), subdir)

    def end(self, status: str = "FINISHED", stage: str | None = None) -> None:
        if self.run_id:
            if stage:
                self.set_tags({f"fgcross.stage.{stage}": status})
            self._call("set_terminated", self.run_id, status)

    @contextlib.contextmanager
    def ending(self, stage: str) -> Iterator[Tracker]:
        """The block's outcome becomes the run's status; SIGTERM inside it ends the run KILLED."""
        try:
            with sigterm_raises():
                yield self
        except BaseException as err:
            self.end(end_status(err), stage)
            raise
        self.end("FINISHED", stage)


def _tracker(params: Params, run_id: str | None = None) -> tuple[Tracker, Path]:
    section = params.tracking
    root = project_root()
    if not section.enabled:
        return Tracker(None), root
    uri = tracking_uri(section, root)
    lock = root / "mlflow.db.lock" if uri.startswith("sqlite:") else None
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return Tracker(uri, run_id=run_id, lock_path=lock), root


def pipeline_tags(params: Params, stage: str, data: str = "") -> dict[str, str]:
    """The tags of a new run: what made it (params, training and data digests), who ran it, its source."""
    return {
        "fgcross.pipeline": params_digest(params),
        "fgcross.training": training_digest(params),
        "fgcross.data": data,
        "fgcross.stage": stage,
        f"fgcross.stage.{stage}": "RUNNING",
        "fgcross.runner": runner(),
        "fgcross.dvc_exp": os.environ.get("DVC_EXP_NAME", ""),
        **source_tags(stage),
        **process_tags(),
    }


@contextlib.contextmanager
def stage_run(stage: str, params: Params, log_all_params: bool = False, data: str = "") -> Iterator[Tracker]:
    """A new run for `stage` (the train stage's is the pipeline run), tagged with the data digest `data`;
    it ends FINISHED, FAILED or KILLED with the block."""
    tracker, root = _tracker(params)
    tracker.start(params.tracking.experiment, stage, pipeline_tags(params, stage, data), root / "mlartifacts")
    with tracker.ending(stage):
        if log_all_params:
            tracker.log_params(params.as_dict())
        yield tracker


def find_pipeline_run(params: Params, data: str = "") -> str | None:
    """The newest run of the model these params train (and, when given, of this data digest)."""
    tracker, root = _tracker(params)
    tags = {"fgcross.stage": "train", "fgcross.training": training_digest(params)}
    if data:
        tags["fgcross.data"] = data
    return tracker.find(params.tracking.experiment, root / "mlartifacts", tags)


@contextlib.contextmanager
def pipeline_run(stage: str, params: Params, data: str = "") -> Iterator[Tracker]:
    """Add `stage`'s results to the pipeline run, found through its tags; a no-op (with a warning)
    when there is none, e.g. when the model was trained with tracking off."""
    tracker, _ = _tracker(params)
    run_id = find_pipeline_run(params, data) if tracker.enabled else None
    if tracker.enabled and not run_id:
        log.warning("no MLflow run of this model (tag fgcross.training=%s): %s is not recorded",
                    training_digest(params), stage)
    if not run_id:
        yield Tracker(None)
        return
    tracker.run_id = run_id
    with tracker._locked():
        tracker.mark_abandoned(tracker.experiment_id(params.tracking.experiment, project_root() / "mlartifacts"))
        tracker.reopen(stage)
    with tracker.ending(stage):
        yield tracker


@contextlib.contextmanager
def system_metrics(tracker: Tracker, interval: float = 10.0) -> Iterator[None]:
    """MLflow's system metrics (CPU, memory, disk, network; GPU where its library is there) every
    `interval` seconds while the block runs, as `system/...` metrics of the tracker's run."""
    if not tracker.enabled or not tracker.run_id:
        yield
        return
    from mlflow.system_metrics.system_metrics_monitor import SystemMetricsMonitor

    logging.getLogger("mlflow.system_metrics").setLevel(logging.WARNING)
    monitor = SystemMetricsMonitor(tracker.run_id, sampling_interval=interval, tracking_uri=tracker.uri)
    monitor.start()
    try:
        yield
    finally:
        monitor.finish()
