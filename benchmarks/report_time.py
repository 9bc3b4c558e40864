"""Wall time of the HTML reports for the embedded default (goal: 60 s or less).

    make run && python -m benchmarks.report_time

Builds every page from the outputs of the last pipeline run (metrics/, exports/,
build/, models/) into a temporary folder, twice: with the pages in parallel (report.
processes: 0, one per core, the default) and, as the baseline measured in the same run,
one page at a time (report.processes: 1). Prints both, their ratio, and the goal.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from fgcross.config import load_params
from fgcross.params import Params
from fgcross.reports.render import build_reports
from steps.report import build_parser, notebook_parameters

GOAL_S = 60.0


def build(out: Path, processes: int, params: Params) -> float:
    args = build_parser().parse_args(["--out", str(out / "html"), "--executed", str(out / "executed")])
    metrics = json.loads(Path(args.metrics).read_text())
    start = time.perf_counter()
    build_reports(args.templates, args.executed, args.out, notebook_parameters(args, params), metrics,
                  {"benchmark": "report_time"}, processes=processes)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--params", default="params.yaml")
    args = p.parse_args(argv)
    if not Path("metrics/eval.json").exists() or not Path("exports").exists():
        raise SystemExit("report_time: run the pipeline first (make run), from the repository root")
    params = load_params(args.params)
    with tempfile.TemporaryDirectory() as tmp:
        parallel = build(Path(tmp) / "parallel", 0, params)
        serial = build(Path(tmp) / "serial", 1, params)
    print(f"report_time: all pages, one per core: {parallel:.1f} s (goal: <= {GOAL_S:.0f} s: "
          f"{'met' if parallel <= GOAL_S else 'NOT met'})")
    print(f"report_time: baseline, one page at a time: {serial:.1f} s; parallel is {serial / parallel:.2f}x faster")


if __name__ == "__main__":
    main()
