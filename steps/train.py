"""Train FGCrossNet on the prepared media (two stages) and write models/ and plots/train_history.csv.

Per-epoch losses, accuracies and throughput, system metrics and the prepared data set
(`log_input`) go to MLflow. This run is the pipeline run, to which evaluate and report add
their results (they find it through its tags); the model is logged in it as an MLflow model
and registered as `fgcross`.

Several processes: `train.nproc: N` starts N data-parallel processes through torchrun
(gloo on CPU, NCCL on GPUs); `torchrun --nproc_per_node N -m steps.train ...` does the
same by hand, on one node or many. Rank 0 writes the outputs and the MLflow run.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fgcross.devices import pick_device
from fgcross.digests import data_digest
from fgcross.io import write_text
from fgcross.search.registry import log_model
from fgcross.tracking import stage_run, system_metrics
from fgcross.training.distributed import init_world, launch, shutdown, under_launcher
from fgcross.training.pipeline import history_frame, throughput_frame, train_model
from steps._common import params_of, parser, run


def main(argv: list[str] | None = None) -> None:
    p = parser("train", __doc__)
    p.add_argument("--media", default="build/media", help="prepared media folder")
    p.add_argument("--index", default="build/index", help="the index stage's folder")
    p.add_argument("--out", default="models", help="model folder to write")
    p.add_argument("--history", default="plots/train_history.csv", help="per-epoch history CSV")
    p.add_argument("--throughput", default="logs/train_throughput.csv",
                   help="per-epoch samples/s: a log, not a tracked output (it measures the machine)")
    args = p.parse_args(argv)
    params = params_of(args)
    t = params.train

    if t.nproc > 1 and not under_launcher():
        code = launch(t.nproc, "steps.train", sys.argv[1:] if argv is None else argv, t.threads or None)
        if code != 0:
            print(f"train: error: a training process failed (exit code {code})", file=sys.stderr)
        sys.exit(code)

    def body() -> None:
        world = init_world(pick_device(t.device))
        try:
            if not world.is_main:
                train_model(params, args.media, args.index, args.out, progress=False, world=world)
                return
            digest = data_digest(args.media)
            with stage_run("train", params, log_all_params=True, data=digest) as tracker, system_metrics(tracker):
                tracker.log_input("prepared media", digest, str(Path(args.media).resolve()))

                def on_epoch(row: dict) -> None:
                    tracker.log_metrics({k: v for k, v in row.items() if isinstance(v, (int, float))},
                                        step=int(row["epoch"]))

                history = train_model(params, args.media, args.index, args.out, progress=not args.quiet,
                                      on_epoch=on_epoch, world=world)
                write_text(args.history, history_frame(history).to_csv(index=False))
                write_text(args.throughput, throughput_frame(history).to_csv(index=False))
                tracker.log_artifact(args.history, "plots")
                log_model(tracker, args.out)
        finally:
            shutdown(world)

    run("train", body)


if __name__ == "__main__":
    main()
