"""Wall time of every finished pipeline step, for the provenance report.

Each successful step appends one JSON line to logs/stage_times.jsonl (a log, not a
pipeline output: it never makes a stage out of date). Lines are short and written with
one append each, so parallel Snakemake jobs do not interleave them.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pandas as pd

DEFAULT_PATH = Path("logs/stage_times.jsonl")


def record_stage_time(stage: str, seconds: float, part: str = "", path: str | Path | None = None) -> None:
    """Append `stage` (and `part`: a shard, a merge) with its wall time; never fails the step."""
    path = Path(path or os.environ.get("FGCROSS_STAGE_TIMES", DEFAULT_PATH))
    line = json.dumps({"stage": stage, "part": part, "seconds": round(seconds, 3),
                       "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line)
    except OSError:
        pass  # a read-only log folder must not fail a step that has done its work


def latest_stage_times(path: str | Path = DEFAULT_PATH) -> pd.DataFrame:
    """The latest record of each (stage, part), summed per stage: stage, seconds, parts, finished.

    Shards of one stage ran in parallel or on other machines, so their sum is the work
    done, not the time waited. Unreadable lines (a crash mid-write) are skipped."""
    rows = []
    if Path(path).exists():
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    if not rows:
        return pd.DataFrame(columns=["stage", "seconds", "parts", "finished"])
    frame = pd.DataFrame(rows).drop_duplicates(["stage", "part"], keep="last")
    out = frame.groupby("stage", sort=False).agg(seconds=("seconds", "sum"), parts=("part", "size"),
                                                 finished=("finished", "max")).reset_index()
    return out.sort_values("finished").reset_index(drop=True)
