"""Peak memory of the quadruplet loss (forward and backward) on a batch of 256 x 200 embeddings.

    python -m benchmarks.quadruplet_memory [--batch 256] [--dim 200] [--per-class 16]

Each measurement runs in a fresh process and reports its peak resident memory. Baseline
in the same run: a process that imports torch and builds the same embeddings, without the
loss. A naive implementation would hold a B^4 = 4.3e9-element tensor (17 GB in float32)
for B = 256. The batch is the training sampler's: B / per_class classes (of `--dim`) with
per_class items each (16 x 16 at B = 256). Target: 2 GB or less above the baseline, both forms.
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
y = torch.randperm({dim})[:{batch} // {per_class}].repeat_interleave({per_class})
start = time.perf_counter()
if {run_loss}:
    for form in ("paper", "reference"):
        quadruplet_loss(e, y, 1.0, 0.5, form).backward()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.perf_counter() - start)
"""


def peak(batch: int, dim: int, per_class: int, run_loss: bool) -> tuple[float, float]:
    code = CHILD.format(batch=batch, dim=dim, per_class=per_class, run_loss=run_loss)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--dim", type=int, default=200)
    p.add_argument("--per-class", type=int, default=16, help="items of each class in the batch")
    args = p.parse_args(argv)
    base, _ = peak(args.batch, args.dim, args.per_class, False)
    with_loss, seconds = peak(args.batch, args.dim, args.per_class, True)
    print(f"baseline (torch + embeddings): {base:.0f} MB peak")
    print(f"quadruplet_loss, paper and reference forms, forward + backward: {with_loss:.0f} MB peak "
          f"({with_loss - base:.0f} MB above the baseline), {seconds:.1f} s")
    above = (with_loss - base) / 1024
    print(f"ratio peak / baseline: {with_loss / base:.2f}x;  {above:.2f} GB above the baseline (target <= 2 GB): "
          f"{'PASS' if above <= 2 else 'FAIL'}")


if __name__ == "__main__":
    main()
