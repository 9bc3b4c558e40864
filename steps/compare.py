"""Print this run's mAPs beside the published ones, and the tracked experiments side by side.

Not a pipeline stage: run it any time after `evaluate`, e.g. after a few `dvc exp run -S ...`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fgcross.reports.tables import comparison_table, experiments_table
from fgcross.tracking import project_root, tracking_uri
from steps._common import params_of, parser, run


def main(argv: list[str] | None = None) -> None:
    p = parser("compare", __doc__)
    p.add_argument("--metrics", default="metrics/eval.json")
    p.add_argument("--runs", type=int, default=20, help="how many recent runs to list")
    args = p.parse_args(argv)
    params = params_of(args)

    def body() -> None:
        with pd.option_context("display.width", 200, "display.max_columns", 50, "display.precision", 3):
            metrics = Path(args.metrics)
            if metrics.exists():
                print("This run beside the published numbers (PKU FG-XMedia):")
                print(comparison_table(json.loads(metrics.read_text())).to_string(na_rep=""))
            if params.tracking.enabled:
                table = experiments_table(tracking_uri(params.tracking, project_root()), params.tracking.experiment,
                                          args.runs)
                print("\nTracked experiments (newest first):")
                print(table.to_string() if not table.empty else "none yet")

    run("compare", body)


if __name__ == "__main__":
    main()
