"""Training throughput of the model step: samples per second, forward + backward + step.

    python -m benchmarks.train_throughput                                   # default CPU config
    python -m benchmarks.train_throughput --backbone resnet50 --size 448 --device cuda --batch 16

The default measures the embedded default config (resnet18 at 64 px, 64 samples per step).
The second form is the paper's network at the paper's size, to run where a CUDA GPU is at
hand: bf16 autocast and channels_last, as the train step uses on CUDA. Batches are random
pictures and character codes of the right shapes, so only the model step is measured;
`benchmarks.loader_speed` shows the loader is far faster. Baseline in the same run: the
same step in float32 without channels_last (on CUDA), so the AMP speed-up prints as a ratio.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from fgcross.data.batches import to_model_input
from fgcross.devices import resolve_precision
from fgcross.models.fgcrossnet import ModelConfig, build_model


def make_batch(per_media: int, size: int, text_length: int, classes: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    batch = {m: torch.randint(0, 256, (per_media, size, size, 3), dtype=torch.uint8, generator=g)
             for m in ("image", "audio", "video")}
    batch["text"] = torch.randint(1, 70, (per_media, text_length), dtype=torch.uint8, generator=g)
    for m in list(batch):
        batch[f"{m}_labels"] = torch.randint(0, classes, (per_media,), generator=g)
    return batch


@dataclass(frozen=True)
class StepOptions:
    """How a model step runs: autocast precision (as `train.precision`), memory format, torch.compile."""

    precision: str = "fp32"  # fp32 | bf16 | fp16 (fp16 with a gradient scaler, as the Trainer does)
    channels_last: bool = False
    compile_backend: str | None = None  # "inductor" as train.compile: true does; None: not compiled


TRAINING = StepOptions("bf16", channels_last=True)
"""What the train step uses on CUDA (train.precision: auto)."""


def model_step(cfg: ModelConfig, batch: dict, device: torch.device, options: StepOptions) -> Callable[[], torch.Tensor]:
    """A step function: forward, backward and SGD step of a new network on `batch`, held on the device.

    Each call returns the step's loss without waiting for the device (so timed loops queue freely)."""
    precision = resolve_precision(options.precision, device)
    torch.manual_seed(0)  # the same weights in every variant
    model = build_model(cfg).to(device)
    if options.channels_last:
        model = model.to(memory_format=torch.channels_last)
    net = torch.compile(model, backend=options.compile_backend) if options.compile_backend else model
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")
    media = [k for k in batch if not k.endswith("_labels")]
    inputs = {m: to_model_input(m, batch[m], device) for m in media}
    labels = {m: batch[f"{m}_labels"].to(device) for m in media}
    if not options.channels_last:
        inputs = {m: v.contiguous() for m, v in inputs.items()}
    dtype = torch.float16 if precision == "fp16" else torch.bfloat16

    def step() -> torch.Tensor:
        with torch.autocast(device.type, dtype=dtype, enabled=precision != "fp32"):
            out = net(inputs)
        loss = sum(F.cross_entropy(out[m].float(), labels[m]) for m in media)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        return loss.detach()

    return step


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@dataclass(frozen=True)
class StepTimes:
    first_s: float  # the first step alone: autotuning, compilation
    step_s: float  # mean of the timed steps after two warm-up steps
    loss: float  # the last step's loss


def time_steps(step: Callable[[], torch.Tensor], device: torch.device, steps: int) -> StepTimes:
    """Time the first call, two more warm-up calls, then `steps` calls (device synchronised)."""
    start = time.perf_counter()
    step()
    synchronize(device)
    first = time.perf_counter() - start
    step()
    synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        loss = step()
    synchronize(device)
    return StepTimes(first, (time.perf_counter() - start) / steps, float(loss))


def samples_in(batch: dict) -> int:
    return sum(len(v) for k, v in batch.items() if k.endswith("_labels"))


def samples_per_second(cfg: ModelConfig, batch: dict, device: torch.device, options: StepOptions,
                       steps: int) -> float:
    return samples_in(batch) / time_steps(model_step(cfg, batch, device, options), device, steps).step_s


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backbone", default="resnet18")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--text-length", type=int, default=256)
    p.add_argument("--batch", type=int, default=16, help="items per media per step")
    p.add_argument("--classes", type=int, default=16)
    p.add_argument("--device", default="auto")
    p.add_argument("--steps", type=int, default=10)
    args = p.parse_args(argv)
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available()
                          else "cpu" if args.device == "auto" else args.device)
    torch.backends.cudnn.benchmark = True
    cfg = ModelConfig(backbone=args.backbone, num_classes=args.classes, input_size=args.size, text_embed_dim=16,
                      text_encoder="charcnn", shared=True, text_branch="paper")
    batch = make_batch(args.batch, args.size, args.text_length, args.classes)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"{args.backbone} at {args.size} px, {4 * args.batch} samples per step, on {name}")
    fp32 = samples_per_second(cfg, batch, device, StepOptions(), steps=args.steps)
    print(f"float32: {fp32:.1f} samples/s")
    if device.type == "cuda":
        amp = samples_per_second(cfg, batch, device, TRAINING, steps=args.steps)
        print(f"bf16 autocast + channels_last (what training uses): {amp:.1f} samples/s; "
              f"ratio {amp / fp32:.2f}x against float32")


if __name__ == "__main__":
    main()
