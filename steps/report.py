"""Execute the report notebooks with papermill and render them to offline HTML in reports/html/
(one page per topic, index.html linking them), with nbconvert; the live pages (wall times, the
machine, the MLflow runs: they change on every run) go to reports/live/, which is no output."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from fgcross.ablation import curves_path
from fgcross.data.index_files import read_index
from fgcross.params import Params
from fgcross.reports.pages import PAGES
from fgcross.reports.render import build_reports
from fgcross.tracking import pipeline_run, project_root, tracking_uri
from steps._common import params_of, parser, run


def build_parser() -> argparse.ArgumentParser:
    p = parser("report", __doc__)
    p.add_argument("--templates", default="reports/templates", help="parameterised notebooks, one per page")
    p.add_argument("--executed", default="reports/executed", help="where the executed notebooks go")
    p.add_argument("--out", default="reports/html", help="HTML output folder")
    p.add_argument("--live", default="reports/live",
                   help="folder of the live pages and their notebooks (untracked: not a stage output)")
    p.add_argument("--metrics", default="metrics/eval.json")
    p.add_argument("--history", default="plots/train_history.csv")
    p.add_argument("--pr-curve", default="plots/pr_curve.csv", help="evaluate's precision-recall curves")
    p.add_argument("--exports", default="exports")
    p.add_argument("--media", default="build/media")
    p.add_argument("--index", default="build/index")
    p.add_argument("--model", default="models")
    p.add_argument("--ablation", default="metrics/ablation.csv", help="results of python -m steps.ablation")
    p.add_argument("--methods", default="metrics/methods.csv",
                   help="results of python -m steps.ablation --study methods")
    p.add_argument("--stage-times", default="logs/stage_times.jsonl", help="wall times the steps recorded")
    p.add_argument("--throughput", default="logs/train_throughput.csv",
                   help="samples/s per epoch that the train step logged")
    p.add_argument("--pages", nargs="+", metavar="PAGE", choices=[page.slug for page in PAGES],
                   help="build only these pages, keeping the others (default: all): %(choices)s")
    return p


def notebook_parameters(args: argparse.Namespace, params: Params) -> dict[str, Any]:
    """Everything a report notebook may declare in its parameters cell."""
    rp, tp = params.report, params.tracking
    return {
        "metrics_path": args.metrics, "history_path": args.history, "exports_dir": args.exports,
        "pr_curve_path": args.pr_curve,
        "media_dir": args.media, "index_dir": args.index, "model_dir": args.model,
        "split": params.eval.split, "examples": rp.examples, "top_k": rp.top_k,
        "sample_classes": rp.sample_classes, "map_points": rp.map_points,
        "audio_seconds": rp.audio_seconds, "audio_rate": rp.audio_rate, "seed": params.train.seed,
        "tracking_uri": tracking_uri(tp, project_root()) if tp.enabled else "",
        "experiment": tp.experiment, "ablation_path": args.ablation,
        "methods_path": args.methods, "methods_pr_path": str(curves_path(args.methods)),
        "params_path": args.params, "stage_times_path": args.stage_times, "throughput_path": args.throughput,
    }


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    params = params_of(args)

    def body() -> None:
        parameters = notebook_parameters(args, params)
        metrics = json.loads(Path(args.metrics).read_text())
        index = read_index(args.index)
        config = json.loads((Path(args.model) / "config.json").read_text())
        facts = {  # a tracked page: no absolute path, no commit (see the live provenance page)
            "dataset": f"{params.data.root} ({len(index.classes)} classes; media: {', '.join(index.media)})",
            "model": f"{config['model']['backbone']} at {config['model']['input_size']} px",
            "evaluated on": f"the {params.eval.split} split",
        }
        try:
            build_reports(args.templates, args.executed, args.out, parameters, metrics, facts,
                          processes=params.report.processes, pages=tuple(args.pages) if args.pages else None,
                          live=args.live)
        finally:  # the pages that built are kept (and tracked) even when another failed
            if (Path(args.out) / "index.html").exists():
                with pipeline_run("report", params) as tracker:
                    for page in sorted(Path(args.out).glob("*.html")):
                        tracker.log_artifact(page, "report")

    run("report", body)


if __name__ == "__main__":
    main()
