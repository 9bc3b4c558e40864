"""GPU check: does training work on this machine's GPUs, how fast, and what a PKU epoch costs.

    python -m benchmarks.gpu_check [--json results.json] [--ddp-cpu N] [--compile-backend eager]

It prints, one line each:

- torch, CUDA, cuDNN and NCCL versions and the GPU names;
- one model step (forward, backward, SGD step) in fp32, bf16 autocast, fp16 autocast with
  the gradient scaler, bf16 with channels_last (what training uses on CUDA), and that with
  torch.compile: each loss finite or not, the first step's time (autotuning, compilation)
  and the mean time of the steps after it;
- DDP: the real train step (`Trainer`, one epoch of the first stage) in one process per
  visible GPU through torchrun (NCCL), on a small generated set; PASS or FAIL;
- images/s of resnet50 at 448 px for training (the model step of each PKU preset at its
  batch, precision and memory format) and for export (`embed_split`, float32, export.batch_size);
- loader items/s on one core (`benchmarks.loader_speed`'s measure, each preset's sampler at its
  stored sizes, on random arrays) against that training step: the loader cores one GPU needs;
- the hours one epoch of each PKU preset takes here, from those images/s and the PKU
  FG-XMedia training counts, with the epoch as the preset's sampler defines it.

Without CUDA every line that needs it says "skipped: needs CUDA", the steps run on the CPU
at a tiny size (resnet18 at 32 px, 2 timed steps), and the exit status is 0; it is 1 when a
step's loss is not finite, a step raises, or DDP fails. `--ddp-cpu N` runs the DDP check on
N CPU processes (gloo) instead of skipping it; `--compile-backend` runs the torch.compile
step on the CPU too (eager: quick, checks the wrapping; inductor: minutes).

Counts: the PKU FG-XMedia page (http://39.108.48.32/mipl/FGCrossNet/FGCrossNet.html, Table 2)
gives the training split as image 5,994, text 4,000, audio 6,000 and video 12,666 videos.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.loader_speed import PARAMS, loader_samples_per_second, prepared_default
from benchmarks.train_throughput import TRAINING, StepOptions, make_batch, model_step, samples_per_second, time_steps
from fgcross import MEDIA
from fgcross.config import load_params, with_overrides
from fgcross.data.batches import BatchConfig, make_batches
from fgcross.data.prepared import PreparedSplit
from fgcross.devices import pick_device, resolve_precision
from fgcross.embeddings import embed_split
from fgcross.io import write_json
from fgcross.models.fgcrossnet import ModelConfig, build_model
from fgcross.params import Params
from fgcross.training.distributed import init_world, launch, shutdown
from fgcross.training.pipeline import model_config, setup_training

SKIP = "skipped: needs CUDA"
PKU_TRAIN = {"image": 5994, "text": 4000, "audio": 6000, "video": 12666}
PKU_CLASSES = 200
PRESETS = Path(__file__).resolve().parent.parent / "presets"
PKU_PRESETS = ("pku_fgcrossnet", "pku_official")


@dataclass(frozen=True)
class Size:
    """The network and batch the step checks run at."""

    backbone: str
    input_size: int
    text_length: int
    per_media: int  # items of each media per step (4 media)
    classes: int
    steps: int  # timed steps after the warm-up


ON_GPU = Size("resnet50", 448, 448, 16, PKU_CLASSES, steps=10)
ON_CPU = Size("resnet18", 32, 48, 2, 16, steps=2)  # tiny: a fast test
EXPORT_ITEMS = 256  # images embedded for the export rate (on CUDA), stored at 512 px
LOADER_STEPS = 8
VARIANTS = {  # name -> how the step runs
    "fp32": StepOptions("fp32"),
    "bf16 autocast": StepOptions("bf16"),
    "fp16 autocast + gradient scaler": StepOptions("fp16"),
    "bf16 + channels_last (training on CUDA)": TRAINING,
    "bf16 + channels_last + torch.compile": StepOptions("bf16", channels_last=True, compile_backend="inductor"),
}
CPU_SKIPS = {  # variants left out without CUDA, and why
    "fp16 autocast + gradient scaler": "float16 convolutions are emulated on the CPU: 6 s a tiny step here",
    "bf16 + channels_last + torch.compile": "inductor on the CPU compiles for minutes; --compile-backend eager runs it",
}


class Report:
    """Lines printed as they come, the same results kept for --json, and whether any check failed."""

    def __init__(self) -> None:
        self.results: dict[str, Any] = {}
        self.failed = False

    def line(self, text: str) -> None:
        print(text, flush=True)

    def skip(self, what: str, why: str = "") -> None:
        self.line(f"  {what}: {SKIP}{f' ({why})' if why else ''}")
        self.results.setdefault("skipped", []).append(what)


def nccl_version() -> str | None:
    """NCCL's version as torch reports it (a tuple in torch 2, an int before), or None without NCCL."""
    try:
        v = torch.cuda.nccl.version()
    except (AttributeError, RuntimeError):
        return None
    return ".".join(map(str, v)) if isinstance(v, tuple) else str(v)


def versions(report: Report) -> None:
    cuda = torch.cuda.is_available()
    v = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    cudnn = f"{v // 10000}.{v % 10000 // 100}.{v % 100}" if v else None  # 92400 -> 9.24.0
    nccl = nccl_version()  # a fact of the build, like the CUDA version
    gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else []
    report.results["versions"] = {"torch": torch.__version__, "cuda_build": torch.version.cuda, "cudnn": cudnn,
                                  "nccl": nccl, "cuda_available": cuda, "gpus": gpus}
    report.line(f"torch {torch.__version__}; built for CUDA {torch.version.cuda}; cuDNN {cudnn}; NCCL {nccl}")
    if cuda:
        report.line(f"  {len(gpus)} GPU(s): " + "; ".join(f"{i}: {name}" for i, name in enumerate(gpus)))
    else:
        report.skip("GPU names", "no CUDA device visible")
        report.line(f"  CPU: {torch.get_num_threads()} threads")


def step_checks(report: Report, device: torch.device, size: Size, compile_backend: str | None) -> None:
    """One model step in each variant: finite loss, first-step time, mean step time."""
    cfg = ModelConfig(backbone=size.backbone, num_classes=size.classes, input_size=size.input_size,
                      text_embed_dim=16, text_encoder="charcnn", shared=True, text_branch="paper")
    batch = make_batch(size.per_media, size.input_size, size.text_length, size.classes)
    report.line(f"model step: {size.backbone} at {size.input_size} px, {4 * size.per_media} samples "
                f"({size.per_media} per media), {size.steps} timed steps, on {device}")
    rows = report.results.setdefault("steps", {})
    for name, options in VARIANTS.items():
        if device.type != "cuda" and name in CPU_SKIPS and not (options.compile_backend and compile_backend):
            report.skip(name, CPU_SKIPS[name])
            continue
        if options.compile_backend and compile_backend:
            options = StepOptions(options.precision, options.channels_last, compile_backend)
        try:
            times = time_steps(model_step(cfg, batch, device, options), device, size.steps)
        except Exception as e:  # a check reports every variant, whatever one of them raises
            report.failed = True
            rows[name] = {"error": f"{type(e).__name__}: {e}"}
            report.line(f"  {name}: FAIL: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            continue
        finite = math.isfinite(times.loss)
        report.failed |= not finite
        rows[name] = {**asdict(options), **asdict(times), "finite": finite}
        report.line(f"  {name}: loss {times.loss:.4f} {'finite' if finite else 'NOT FINITE: FAIL'}; first step "
                    f"{times.first_s:.2f} s; then {1000 * times.step_s:.1f} ms/step")


def ddp_params(device: torch.device) -> Params:
    """The default config (resnet18 at 64 px) on the generated set, on `device`: DDP's check of
    correctness, not of speed. 16 classes x 12 items: 12 steps an epoch, enough for 12 GPUs."""
    return with_overrides(load_params(PARAMS), {"train.device": device.type, "train.stage1.epochs": 1,
                                                 "train.stage2.epochs": 0, "tracking.enabled": False})


def ddp_check(report: Report, nproc: int, device: torch.device) -> None:
    """torchrun, nproc processes, each training one epoch through Trainer (fgcross.training)."""
    what = f"DDP, {nproc} process(es) through torchrun on {'GPUs (NCCL)' if device.type == 'cuda' else 'CPU (gloo)'}"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        params = ddp_params(device)
        prepared_default(folder, params)
        write_json(folder / "params.json", params.as_dict())
        start = time.perf_counter()
        code = launch(nproc, "benchmarks.gpu_check", ["--ddp-worker", str(folder)], threads=1 if device.type == "cpu"
                      else None)
        result = json.loads((folder / "ddp.json").read_text()) if (folder / "ddp.json").exists() else {}
    ok = (code == 0 and result.get("finite", False) and result.get("world") == nproc
          and (nproc == 1 or result.get("distributed", False)))
    report.failed |= not ok
    report.results["ddp"] = {"nproc": nproc, "device": device.type, "exit": code, **result,
                             "seconds": time.perf_counter() - start, "pass": ok}
    note = " (1 process: DistributedDataParallel itself needs 2 or more)" if nproc == 1 else ""
    report.line(f"  {what}: {'PASS' if ok else 'FAIL'}: exit {code}, world {result.get('world')}, "
                f"{result.get('steps')} steps, loss {result.get('loss_total', float('nan')):.4f}{note}")


def ddp_worker(folder: Path) -> None:
    """One torchrun process: the train step's setup, one epoch of stage 1; rank 0 writes ddp.json."""
    from fgcross.config import params_from_dict

    params = params_from_dict(json.loads((folder / "params.json").read_text()))
    world = init_world(pick_device(params.train.device))
    try:
        run = setup_training(params, folder / "media", folder / "index", progress=False,
                             state_dir=folder / "state", world=world)
        trainer = run.trainer
        stage = trainer.stages[0]
        opt, _ = trainer._optimizer(stage)
        row = trainer._epoch(stage, 0, 0, opt)
        if world.is_main:
            loss = row["loss_total"]
            write_json(folder / "ddp.json", {
                "world": world.size, "steps": len(trainer.batches), "loss_total": loss, "finite": math.isfinite(loss),
                "distributed": isinstance(trainer.net, torch.nn.parallel.DistributedDataParallel)})
    finally:
        shutdown(world)


def preset(name: str) -> Params:
    return load_params(PRESETS / f"{name}.yaml")


def epoch_size(params: Params, counts: dict[str, int] = PKU_TRAIN, classes: int = PKU_CLASSES) -> tuple[int, int]:
    """(steps, samples) of one epoch of the preset's sampler on `counts` training items per media.

    The steps come from the sampler itself (`make_batches` on labels only): pk, one pass over the
    largest media (the others cycled), P x K items of each media per step; sequential, the
    official zipped loaders, ending with the shortest media. A video counts once (a step draws one
    of its frames), and a sample is one item of one media through the network."""
    t = params.train
    splits = {m: PreparedSplit(m, "train", np.zeros((n, 1), np.uint8), [], np.arange(n) % classes)
              for m, n in counts.items()}
    batches = make_batches(splits, BatchConfig(t.classes_per_batch, t.items_per_class, params.model.input_size,
                                               t.seed, tuple(t.text_shifts), t.augment), t.sampler)
    steps = len(batches)
    if t.sampler == "pk":
        return steps, steps * min(t.classes_per_batch, classes) * t.items_per_class * len(counts)
    return steps, sum(min(n, steps * t.classes_per_batch * t.items_per_class) for n in counts.values())


def random_splits(params: Params, per_media: int, classes: int, media: tuple[str, ...] = MEDIA,
                  frames: int = 2) -> dict[str, PreparedSplit]:
    """Random prepared arrays at the preset's stored sizes (the loader crops them to model.input_size):
    a video keeps `frames` frames (a step reads one, so their number does not change the cost)."""
    rng = np.random.default_rng(0)
    shapes = {"image": (params.images.size,) * 2 + (3,), "audio": (params.spectrogram.size,) * 2 + (3,),
              "video": (frames,) + (params.frames.size,) * 2 + (3,), "text": (params.text.length,)}
    return {m: PreparedSplit(m, "train", rng.integers(0, 256, (per_media, *shapes[m]), dtype=np.uint8),
                             [str(i) for i in range(per_media)], np.arange(per_media) % classes) for m in media}


def preset_rates(report: Report, device: torch.device, size: Size, measure: bool) -> None:
    """Training images/s of each PKU preset's model step, the loader against it, an epoch's hours
    (measure: False prints the epochs alone and skips the rest)."""
    out = report.results.setdefault("presets", {})
    for name in PKU_PRESETS:
        params = preset(name)
        t = params.train
        steps, samples = epoch_size(params)
        per_media = t.classes_per_batch * t.items_per_class
        report.line(f"{name}: {params.model.backbone} at {params.model.input_size} px, sampler {t.sampler}, "
                    f"{per_media} items per media per step; an epoch: {steps} steps, {samples} samples "
                    f"(PKU train: {', '.join(f'{m} {n}' for m, n in PKU_TRAIN.items())})")
        row = out.setdefault(name, {"epoch_steps": steps, "epoch_samples": samples, "per_media": per_media,
                                    "epochs": t.stage1.epochs + t.stage2.epochs, "workers": t.workers})
        if not measure:
            for what in ("training images/s", "loader cores per GPU", "hours per epoch"):
                report.skip(f"{name} {what}")
            continue
        options = StepOptions(resolve_precision(t.precision, device), channels_last=True,  # as Trainer on CUDA
                              compile_backend="inductor" if t.compile else None)
        cfg = model_config(params, PKU_CLASSES)
        rate = samples_per_second(cfg, make_batch(per_media, cfg.input_size, params.text.length, PKU_CLASSES),
                                  device, options, size.steps)
        batches = make_batches(random_splits(params, per_media * LOADER_STEPS, PKU_CLASSES),
                               BatchConfig(t.classes_per_batch, t.items_per_class, cfg.input_size, t.seed,
                                           tuple(t.text_shifts), t.augment), t.sampler)
        loader = loader_samples_per_second(batches, device, 0, LOADER_STEPS)
        hours = samples / rate / 3600
        row.update(precision=options.precision, train_images_per_s=rate, loader_items_per_s_one_core=loader,
                   loader_cores=math.ceil(rate / loader), hours_per_epoch=hours, hours_all_epochs=hours * row["epochs"])
        report.line(f"  training: {rate:.0f} images/s ({options.precision}, channels_last, {4 * per_media} per step)")
        report.line(f"  loader: {loader:.0f} items/s on one core: {math.ceil(rate / loader)} loader core(s) per GPU "
                    f"(train.workers: {t.workers})")
        report.line(f"  one epoch: {hours:.2f} h; all {row['epochs']} epochs (both stages): "
                    f"{hours * row['epochs']:.1f} h (model step only)")


def export_rate(report: Report, device: torch.device, measure: bool, items: int = EXPORT_ITEMS) -> None:
    """Images/s of export's embed_split: resnet50, float32, 512 px stored, 448 crop, export.batch_size."""
    params = preset("pku_fgcrossnet")
    what = (f"export images/s ({params.model.backbone} at {params.model.input_size} px, float32, "
            f"batch {params.export.batch_size})")
    if not measure:
        report.skip(what)
        return
    model = build_model(model_config(params, PKU_CLASSES)).to(device).eval()
    split = random_splits(params, items, PKU_CLASSES, ("image",))["image"]
    embed_split(model, split, params.model.input_size, device, params.export.batch_size)  # warm-up
    start = time.perf_counter()
    embed_split(model, split, params.model.input_size, device, params.export.batch_size)
    rate = items / (time.perf_counter() - start)
    report.results["export"] = {"images_per_s": rate, "batch_size": params.export.batch_size, "items": items}
    report.line(f"  {what}: {rate:.0f} images/s over {items} images (crop and copy included)")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--ddp-cpu", type=int, metavar="N", help="without CUDA: run the DDP check on N CPU processes")
    p.add_argument("--compile-backend", help="without CUDA: run the torch.compile step with this backend")
    p.add_argument("--ddp-worker", type=Path, help=argparse.SUPPRESS)  # one torchrun process of the DDP check
    args = p.parse_args(argv)
    if args.ddp_worker:
        ddp_worker(args.ddp_worker)
        return
    report, cuda = Report(), torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    versions(report)
    step_checks(report, device, ON_GPU if cuda else ON_CPU, args.compile_backend)
    report.line("DDP:")
    if cuda or args.ddp_cpu:
        ddp_check(report, torch.cuda.device_count() if cuda else args.ddp_cpu, device)
    else:
        report.skip("DDP on every visible GPU through torchrun", "--ddp-cpu 2 runs it on CPU processes")
    report.line("throughput, resnet50 at 448 px:")
    export_rate(report, device, measure=cuda)
    preset_rates(report, device, ON_GPU, measure=cuda)
    if args.json:
        write_json(args.json, report.results)
    report.line("gpu check: " + ("FAIL" if report.failed else "all run checks passed"))
    sys.exit(1 if report.failed else 0)


if __name__ == "__main__":
    main()
