"""Execute the report notebooks with papermill and render them to reports/html/ with nbconvert."""

from __future__ import annotations

from pathlib import Path

from fgcross.notebooks import execute_and_render
from fgcross.tracking import project_root, resume_run, saved_run_id, tracking_uri
from steps._common import params_of, parser, run


def main(argv: list[str] | None = None) -> None:
    p = parser("report", __doc__)
    p.add_argument("--templates", default="reports/templates", help="parameterised notebooks")
    p.add_argument("--executed", default="reports/executed", help="where the executed notebooks go")
    p.add_argument("--out", default="reports/html", help="HTML output folder")
    p.add_argument("--metrics", default="metrics/eval.json")
    p.add_argument("--history", default="plots/train_history.csv")
    p.add_argument("--exports", default="exports")
    p.add_argument("--media", default="build/media")
    p.add_argument("--index", default="build/index")
    p.add_argument("--model", default="models")
    p.add_argument("--ablation", default="metrics/ablation.csv", help="results of python -m steps.ablation")
    args = p.parse_args(argv)
    params = params_of(args)

    def body() -> None:
        rp = params["report"]
        parameters = {
            "metrics_path": args.metrics, "history_path": args.history, "exports_dir": args.exports,
            "media_dir": args.media, "index_dir": args.index, "model_dir": args.model,
            "split": params["eval"]["split"], "examples": rp.get("examples", 3), "top_k": rp.get("top_k", 5),
            "tracking_uri": tracking_uri(params["tracking"], project_root()) if params["tracking"].get("enabled", True)
            else "",
            "experiment": params["tracking"].get("experiment", "fgcross"),
            "ablation_path": args.ablation,
        }
        html = execute_and_render(Path(args.templates) / "index.ipynb", Path(args.executed) / "index.ipynb",
                                  Path(args.out) / "index.html", parameters, progress=not args.quiet)
        with resume_run(saved_run_id(Path(args.model) / "run.json"), params) as tracker:
            tracker.log_artifact(html, "report")

    run("report", body)


if __name__ == "__main__":
    main()
