"""Compute the protocol's mAPs (12 bi-modality directions, 4 X->All) and write metrics/eval.json.

The metrics are also added to the experiment's MLflow run (the train run whose id is
saved in models/run.json).
"""

from __future__ import annotations

import json
from pathlib import Path

from fgcross.embeddings import available_media, load_embeddings
from fgcross.io import write_json
from fgcross.metrics import evaluate_retrieval
from fgcross.tracking import resume_run
from steps._common import params_of, parser, run


def main(argv: list[str] | None = None) -> None:
    p = parser("evaluate", __doc__)
    p.add_argument("--embeddings", default="exports", help="exports folder (holds <split>/<media>.npz)")
    p.add_argument("--out", default="metrics/eval.json", help="metrics file to write")
    p.add_argument("--run", default="models/run.json", help="file holding the MLflow run id to add to")
    args = p.parse_args(argv)
    params = params_of(args)

    def body() -> None:
        ev = params["eval"]
        folder = Path(args.embeddings) / ev["split"]
        media = available_media(folder)
        if not media:
            raise FileNotFoundError(f"no embeddings under {folder}")
        metrics = evaluate_retrieval({m: load_embeddings(folder, m) for m in media},
                                     exclude_self=ev["exclude_self"], chunk=ev.get("chunk", 1024))
        write_json(args.out, metrics)
        print(json.dumps(metrics, indent=1, sort_keys=True))
        run_file = Path(args.run)
        run_id = json.loads(run_file.read_text())["run_id"] if run_file.exists() else None
        with resume_run(run_id, params) as tracker:
            tracker.log_metrics({f"map.{k}": v for k, v in metrics.items()})
            tracker.log_artifact(args.out, "metrics")

    run("evaluate", body)


if __name__ == "__main__":
    main()
