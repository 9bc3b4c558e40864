"""Two trainings side by side on one machine: each one's samples/s against one training alone.

    python -m benchmarks.shared_cores                 # the default config, 30 timed steps
    python -m benchmarks.shared_cores --steps 60

Each training is a process of its own that takes its thread budget as the train step does
(fgcross.threads). Three runs, in this order:

- alone: one training, nothing set: every core (the baseline);
- shared: two at once, each given its share (OMP_NUM_THREADS = cores / 2, what Snakemake's rule
  threads, a SLURM job's CPUs or a `dvc queue` worker's setting give it); goal >= 0.45x alone each
  (fair sharing is 0.5x);
- unshared: two at once, each taking every core (no share given), as two trainings did before
  the budget: the loss the budget avoids, printed for comparison.

Batches are random pictures and character codes of the embedded default's shapes (resnet18 at
64 px, 16 items per media), so the model step alone is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from fgcross.threads import apply_budget, available_cores, thread_budget

GOAL = 0.45


def worker(steps: int) -> None:
    """One training in this process, within its budget: print {"samples_per_s", "threads"} as JSON."""
    import torch

    from benchmarks.train_throughput import StepOptions, make_batch, samples_per_second
    from fgcross.models.fgcrossnet import ModelConfig

    threads = apply_budget(thread_budget(0, key="--threads"))
    cfg = ModelConfig(backbone="resnet18", num_classes=16, input_size=64, text_embed_dim=16, text_encoder="charcnn",
                      shared=True, text_branch="paper")
    rate = samples_per_second(cfg, make_batch(16, 64, 256, 16), torch.device("cpu"), StepOptions(), steps)
    print(json.dumps({"samples_per_s": rate, "threads": threads}), flush=True)


def run_together(count: int, steps: int, share: int | None) -> list[dict]:
    """`count` workers at once; each given OMP_NUM_THREADS=share (None: no share, every core)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "SLURM_CPUS_PER_TASK")}
    if share is not None:
        env["OMP_NUM_THREADS"] = str(share)
    procs = [subprocess.Popen([sys.executable, "-m", "benchmarks.shared_cores", "--worker", "--steps", str(steps)],
                              env=env, stdout=subprocess.PIPE, text=True) for _ in range(count)]
    results = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode:
            sys.exit(f"a training worker failed (exit code {proc.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=30, help="timed steps per training (after 3 warm-up steps)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args.steps)
        return
    cores = available_cores()
    if cores < 2:
        sys.exit("shared_cores needs at least 2 cores to share")
    (alone,) = run_together(1, args.steps, None)
    print(f"{cores} cores; alone: {alone['samples_per_s']:.1f} samples/s ({alone['threads']} threads)")
    for name, share in (("shared (OMP_NUM_THREADS = cores / 2 each)", cores // 2), ("unshared (every core each)",
                                                                                   None)):
        rows = run_together(2, args.steps, share)
        ratios = [r["samples_per_s"] / alone["samples_per_s"] for r in rows]
        verdict = f"goal >= {GOAL}x each: {'met' if min(ratios) >= GOAL else 'missed'}" if share else "for comparison"
        print(f"two side by side, {name}: " + ", ".join(f"{r['samples_per_s']:.1f} samples/s ({x:.2f}x alone, "
                                                        f"{r['threads']} threads)" for r, x in zip(rows, ratios,
                                                                                                   strict=True))
              + f"; {verdict}")


if __name__ == "__main__":
    main()
