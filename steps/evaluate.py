"""Evaluate the exported embeddings with the published protocol, and more than one number.

Writes
  metrics/eval.json         the protocol's 18 mAPs (12 bi-modality directions, 4 X->All, averages)
  metrics/retrieval.json    per direction: mAP, mAP@R, precision and recall at 1/5/10/50;
                            X->All both with (`i2all`) and without (`i2all-self`) the query's item;
                            `map_empty_as_zero`: the official code's mAP (a query with no relevant item counts 0)
  metrics/per_class_ap.csv  AP of every class in every direction
  metrics/diagnostics.json  modality gap and intra/inter-class distances
  metrics/reranked.json     the protocol's mAPs after neighbourhood re-ranking (eval.rerank_k, fgcross.rerank):
                            beside plain cosine, never in eval.json (it uses the evaluated split as context)
  plots/map_by_direction.csv, plots/per_class_ap.csv   for `dvc plots`
  plots/pr_curve.csv        11-point interpolated precision-recall curve, one column per direction
and adds them to the pipeline's MLflow run (found through its tags, fgcross.tracking).

With `--out` named otherwise (`--out other.json`), the other files are named after it
(`other.retrieval.json`, ...), plots are written only where `--plots` says, and nothing is
logged to MLflow: the pipeline's tracked files and run stay as they were.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fgcross.evaluation import evaluate_embeddings, reranked_metrics, tracked_metrics
from fgcross.exported import available_media, load_embeddings
from fgcross.io import write_json, write_text
from fgcross.reports.tables import per_class_summary
from fgcross.tracking import pipeline_run
from steps._common import params_of, parser, run


def main(argv: list[str] | None = None) -> None:
    p = parser("evaluate", __doc__)
    p.add_argument("--embeddings", default="exports", help="exports folder (holds <split>/<media>.npz)")
    p.add_argument("--out", default="metrics/eval.json", help="the protocol's metrics file")
    p.add_argument("--classes", default="build/index/classes.csv", help="class names, for per-class tables")
    p.add_argument("--plots", default=None, help="folder for the dvc plots data (default: plots, when --out is "
                                                 "named eval.json)")
    args = p.parse_args(argv)
    params = params_of(args)

    def body() -> None:
        folder = Path(args.embeddings) / params.eval.split
        media = available_media(folder)
        if not media:
            raise FileNotFoundError(f"no embeddings under {folder}")
        embeddings = {m: load_embeddings(folder, m) for m in media}
        names = pd.read_csv(args.classes)["name"].tolist() if Path(args.classes).exists() else None
        result = evaluate_embeddings(embeddings, params.eval, names)
        metrics, extended, per_class = result.metrics, result.extended, result.per_class
        out = Path(args.out)
        pipeline = out.name == "eval.json"  # the pipeline's form: tracked siblings, plots, the MLflow run
        files = {name: out if name == "eval.json" else out.parent / name if pipeline else
                 out.with_name(f"{out.stem}.{name}")
                 for name in ("eval.json", "retrieval.json", "diagnostics.json", "per_class_ap.csv", "reranked.json")}
        write_json(files["eval.json"], metrics)
        write_json(files["retrieval.json"], extended)
        write_json(files["diagnostics.json"], result.diagnostics)
        write_text(files["per_class_ap.csv"], per_class.to_csv(index=False))
        write_json(files["reranked.json"], {"k": params.eval.rerank_k, "alpha": params.eval.rerank_alpha,
                                            **reranked_metrics(embeddings, params.eval)})
        if args.plots or pipeline:
            plots = Path(args.plots or "plots")
            by_direction = pd.DataFrame([{"direction": k, "map": v["map"], "map_at_r": v["map_at_r"]}
                                         for k, v in extended.items()])
            write_text(plots / "map_by_direction.csv", by_direction.to_csv(index=False))
            write_text(plots / "per_class_ap.csv", per_class_summary(per_class).to_csv(index=False))
            write_text(plots / "pr_curve.csv", result.pr_curve.to_csv(index=False))
        print(json.dumps(metrics, indent=1, sort_keys=True))
        if not pipeline:
            return
        with pipeline_run("evaluate", params) as tracker:
            tracker.log_metrics(tracked_metrics(result))
            for path in files.values():
                tracker.log_artifact(path, "metrics")

    run("evaluate", body)


if __name__ == "__main__":
    main()
