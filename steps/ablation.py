"""Studies over seeds on the current params, each variant trained with several seeds on the
prepared media: `--study losses` (cross-entropy only, + center, + center + ranking; writes
metrics/ablation.csv) or `--study methods` (FGCrossNet, separate backbones, adversarial,
TNN-C-CCA, and the method beyond FGCrossNet; writes metrics/methods.csv) or `--study beyond`
(presets/beyond.yaml, then each of its parts off in turn, and FGCrossNet; writes
metrics/beyond_ablation.csv).

Not a pipeline stage (it trains variants x seeds models): run it after the preparation
stages, e.g. `python -m steps.ablation --seeds 0 1 2`. Each finished run is appended to the
CSV at once, and a re-run skips the runs already there (same variant, seed, training params and
prepared data), so an interrupted ablation loses nothing. The report shows the summary (mean and
spread) and overlays the runs' precision-recall curves (kept beside the CSV, `<name>_pr.csv`).
A run that another study beside it already holds (same params digest, data, CPU model, threads
and torch: the default configuration is in both the loss ablation and the methods table) is
copied from there instead of trained again.

Each row records what reproduces it: the command (`command`), the prepared data's digest (`data`),
and the machine (`cpu`, `threads`, `torch`): training on CPU differs slightly with the CPU model and
the thread count, so a row is reproduced exactly on that kind of machine, and within the seeds'
spread elsewhere.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from fgcross.ablation import STUDIES, curves_path, run_curves, summarise, variant_params
from fgcross.ablation import evaluate_model as evaluate_trained
from fgcross.devices import pick_device
from fgcross.digests import data_digest, training_digest
from fgcross.io import write_text
from fgcross.machine import compute_setup
from fgcross.models.saved import load_model
from fgcross.threads import apply_budget, thread_budget
from fgcross.training.pipeline import train_model
from steps._common import params_of, parser, run

DEFAULT_OUT = {"losses": "metrics/ablation.csv", "methods": "metrics/methods.csv",
               "beyond": "metrics/beyond_ablation.csv"}


def same_run_elsewhere(out: Path, digest: str, data: str, setup: dict) -> tuple[dict, pd.DataFrame] | None:
    """A finished run of the same training (params digest, prepared data, CPU model, threads, torch) in
    another study's CSV beside `out`, with its curves: training it again would give the same numbers."""
    for other in sorted(out.parent.glob("*.csv")):
        if other == out or other.stem.endswith("_pr") or not curves_path(other).exists():
            continue
        runs = pd.read_csv(other, dtype={"data": str})
        if not {"params", "data", *setup}.issubset(runs.columns):
            continue
        match = (runs["params"] == digest) & (runs["data"] == data)
        for key, value in setup.items():
            match &= runs[key].astype(str) == str(value)
        if match.any():
            row = runs[match].iloc[0]
            curves = pd.read_csv(curves_path(other))
            chosen = curves[(curves["variant"] == row["variant"]) & (curves["seed"] == row["seed"])]
            if len(chosen):
                return {**row.to_dict(), "_source": str(other)}, chosen.drop(columns=["variant", "seed"])
    return None


def main(argv: list[str] | None = None) -> None:
    p = parser("ablation", __doc__)
    p.add_argument("--media", default="build/media", help="prepared media folder")
    p.add_argument("--index", default="build/index", help="the index stage's folder")
    p.add_argument("--study", default="losses", choices=list(STUDIES), help="what to compare")
    p.add_argument("--out", help="results, one row per run (default: metrics/ablation.csv for losses, "
                                 "metrics/methods.csv for methods, metrics/beyond_ablation.csv for beyond)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--variants", nargs="+", help="the study's variants to run (default: all)")
    p.add_argument("--threads", type=int, default=0,
                   help="torch threads per run (default: torch's, one per core); the numbers depend on it")
    args = p.parse_args(argv)
    variants = args.variants or list(STUDIES[args.study])
    unknown = [v for v in variants if v not in STUDIES[args.study]]
    if unknown:
        p.error(f"unknown variant(s) {unknown} for --study {args.study}: {list(STUDIES[args.study])}")
    args.out = args.out or DEFAULT_OUT[args.study]
    params = params_of(args)

    def body() -> None:
        out = Path(args.out)
        done = pd.read_csv(out, dtype={"data": str}) if out.exists() else pd.DataFrame()
        curves_out = curves_path(out)
        curves = pd.read_csv(curves_out) if curves_out.exists() else pd.DataFrame()
        data = data_digest(args.media)
        if args.threads:  # each run's thread budget (fgcross.threads): train.threads 0 takes it from here
            os.environ["OMP_NUM_THREADS"] = str(args.threads)
        threads = apply_budget(thread_budget(params.train.threads))  # what compute_setup records, before each run
        for variant in variants:
            for seed in args.seeds:
                vp = variant_params(params, variant, seed, args.study)
                digest = training_digest(vp)
                same = (done["params"] == digest) & (done["data"] == data) if "data" in done else None
                if same is not None and same.any():
                    print(f"{variant} seed {seed}: already in {out}")
                    continue
                if "params" in done and (done["params"] == digest).any():  # made from other prepared data
                    stale = done["params"] == digest
                    done = done[~stale].reset_index(drop=True)
                    if not curves.empty:
                        curves = curves[~((curves["variant"] == variant) & (curves["seed"] == seed))]
                command = (f"python -m steps.ablation --study {args.study} --variants {variant} --seeds {seed}"
                           f" --threads {threads} --media {args.media} --out {args.out}")
                setup = compute_setup()
                found = same_run_elsewhere(out, digest, data, setup)
                if found is not None:  # the same training in another study (e.g. the default in two studies)
                    row, run_curve = found
                    source = row.pop("_source")
                    row = {**row, "variant": variant, "command": command}
                    curves = pd.concat([curves, run_curves(run_curve, variant, seed)], ignore_index=True)
                    print(f"{variant} seed {seed}: the same run is in {source}; copied")
                else:
                    with tempfile.TemporaryDirectory() as tmp:
                        train_model(vp, args.media, args.index, Path(tmp) / "model", progress=not args.quiet,
                                    state_dir=Path(tmp) / "state")
                        device = pick_device(vp.train.device)
                        model, config = load_model(Path(tmp) / "model", device)
                        evaluation, reranked = evaluate_trained(model, config, args.media, vp, device)
                    row = {"variant": variant, "seed": seed, "params": digest, **evaluation.metrics, **reranked,
                           "data": data,
                           **setup, "command": command}
                    curves = pd.concat([curves, run_curves(evaluation.pr_curve, variant, seed)], ignore_index=True)
                done = pd.concat([done, pd.DataFrame([row])], ignore_index=True)
                write_text(curves_out, curves.to_csv(index=False))  # first: a row never lacks its curves
                write_text(out, done.to_csv(index=False))
                print(f"{variant} seed {seed}: bi_avg {row['bi_avg']:.3f}, multi_avg {row['multi_avg']:.3f}")
        with pd.option_context("display.precision", 3):
            print(summarise(done, study=args.study).to_string(index=False))

    run("ablation", body)


if __name__ == "__main__":
    main()
