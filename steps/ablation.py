"""Studies over seeds on the current params, each variant trained with several seeds on the
prepared media: `--study losses` (cross-entropy only, + center, + center + ranking; writes
metrics/ablation.csv) or `--study methods` (FGCrossNet, separate backbones, adversarial,
TNN-C-CCA, and the method beyond FGCrossNet; writes metrics/methods.csv) or `--study beyond`
(presets/beyond.yaml, then each of its parts off in turn, and FGCrossNet; writes
metrics/beyond_ablation.csv).

Not a pipeline stage (it trains variants x seeds models): run it after the preparation
stages, e.g. `python -m steps.ablation --seeds 0 1 2`. Each finished run is appended to the
CSV at once, and a re-run skips the runs already there (same variant, seed and training params), so an
interrupted ablation loses nothing. The report shows the summary (mean and spread).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from fgcross.ablation import STUDIES, summarise, variant_params
from fgcross.ablation import evaluate_model as evaluate_trained
from fgcross.devices import pick_device
from fgcross.digests import training_digest
from fgcross.io import write_text
from fgcross.models.saved import load_model
from fgcross.training.pipeline import train_model
from steps._common import params_of, parser, run

DEFAULT_OUT = {"losses": "metrics/ablation.csv", "methods": "metrics/methods.csv",
               "beyond": "metrics/beyond_ablation.csv"}


def main(argv: list[str] | None = None) -> None:
    p = parser("ablation", __doc__)
    p.add_argument("--media", default="build/media", help="prepared media folder")
    p.add_argument("--index", default="build/index", help="the index stage's folder")
    p.add_argument("--study", default="losses", choices=list(STUDIES), help="what to compare")
    p.add_argument("--out", help="results, one row per run (default: metrics/ablation.csv for losses, "
                                 "metrics/methods.csv for methods, metrics/beyond_ablation.csv for beyond)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--variants", nargs="+", help="the study's variants to run (default: all)")
    args = p.parse_args(argv)
    variants = args.variants or list(STUDIES[args.study])
    unknown = [v for v in variants if v not in STUDIES[args.study]]
    if unknown:
        p.error(f"unknown variant(s) {unknown} for --study {args.study}: {list(STUDIES[args.study])}")
    args.out = args.out or DEFAULT_OUT[args.study]
    params = params_of(args)

    def body() -> None:
        out = Path(args.out)
        done = pd.read_csv(out) if out.exists() else pd.DataFrame()
        for variant in variants:
            for seed in args.seeds:
                vp = variant_params(params, variant, seed, args.study)
                digest = training_digest(vp)
                if not done.empty and (done["params"] == digest).any():
                    print(f"{variant} seed {seed}: already in {out}")
                    continue
                with tempfile.TemporaryDirectory() as tmp:
                    train_model(vp, args.media, args.index, Path(tmp) / "model", progress=not args.quiet,
                                state_dir=Path(tmp) / "state")
                    device = pick_device(vp.train.device)
                    model, config = load_model(Path(tmp) / "model", device)
                    metrics = evaluate_trained(model, config, args.media, vp, device)
                row = {"variant": variant, "seed": seed, "params": digest, **metrics}
                done = pd.concat([done, pd.DataFrame([row])], ignore_index=True)
                write_text(out, done.to_csv(index=False))
                print(f"{variant} seed {seed}: bi_avg {metrics['bi_avg']:.3f}, multi_avg {metrics['multi_avg']:.3f}")
        with pd.option_context("display.precision", 3):
            print(summarise(done, study=args.study).to_string(index=False))

    run("ablation", body)


if __name__ == "__main__":
    main()
