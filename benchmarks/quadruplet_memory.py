"""Peak memory of the quadruplet loss (forward and backward) on a batch of 256 x 200 embeddings.

    python -m benchmarks.quadruplet_memory [--batch 256] [--dim 200] [--classes 32]

Each measurement runs in a fresh process and reports its peak resident memory. Baseline
in the same run: a process that imports torch and builds the same embeddings, without the
loss. A naive implementation would hold a B^4 = 4.3e9-element tensor (17 GB in float32)
for B = 256. Target (issue 5): 2 GB peak or less.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

CHILD = """
import resource, time, torch
from fgcross.losses import quadruplet_loss
torch.manual_seed(0)
e = torch.randn({batch}, {dim}, requires_grad=True)
y = torch.randint(0, {classes}, ({batch},))
start = time.perf_counter()
if {run_loss}:
    for form in ("paper", "reference"):
        quadruplet_loss(e, y, 1.0, 0.5, form).backward()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.perf_counter() - start)
"""


def peak(batch: int, dim: int, classes: int, run_loss: bool) -> tuple[float, float]:
    code = CHILD.format(batch=batch, dim=dim, classes=classes, run_loss=run_loss)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--dim", type=int, default=200)
    p.add_argument("--classes", type=int, default=32)
    args = p.parse_args(argv)
    base, _ = peak(args.batch, args.dim, args.classes, False)
    with_loss, seconds = peak(args.batch, args.dim, args.classes, True)
    print(f"baseline (torch + embeddings): {base:.0f} MB peak")
    print(f"quadruplet_loss, paper and reference forms, forward + backward: {with_loss:.0f} MB peak "
          f"({with_loss - base:.0f} MB above the baseline), {seconds:.1f} s")
    print(f"ratio peak / baseline: {with_loss / base:.2f}x;  peak {with_loss / 1024:.2f} GB (target <= 2 GB)")


if __name__ == "__main__":
    main()
