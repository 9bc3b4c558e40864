"""Training loader against the model: does loading ever hold training back?

    python -m benchmarks.loader_speed [--steps 12]

At the default config (params.yaml: resnet18 at 64 px, 8 classes x 2 items x 4 media = 64
samples per step, on this machine's CPU), on the embedded generated set made and prepared
in a temporary folder, three rates in samples per second:

- loader: TrainBatches through the DataLoader, with the conversion to model input (what
  a training step waits for), no model;
- model: forward, backward and optimiser step on one batch held in memory (the pure
  model-step throughput);
- training: both together, as the train stage runs them (one epoch of Trainer).

Targets: loader at least 2x the model; training at least 90 % of the pure model
step.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from fgcross.config import load_params, with_overrides
from fgcross.data.batches import to_model_input
from fgcross.data.index_files import read_index, write_index
from fgcross.data.manifest import build_manifest, read_classes
from fgcross.data.prepared import StoreSettings, prepare_media
from fgcross.data.synthetic import generate_dataset
from fgcross.losses import TOTAL
from fgcross.media.converters import BY_MEDIA, converter, extras
from fgcross.params import Params, section_dict
from fgcross.training.pipeline import setup_training

PARAMS = Path(__file__).resolve().parent.parent / "params.yaml"


def prepared_default(tmp: Path, params: Params) -> tuple[Path, Path]:
    root = tmp / "generated"
    generate_dataset(root, params.synthetic, progress=False)
    classes = read_classes(root)
    write_index(tmp / "index", root, build_manifest(root), [classes[i] for i in range(len(classes))])
    index = read_index(tmp / "index")
    for media, stage in BY_MEDIA.items():
        s = params.section(stage.section)
        prepare_media(index, media, tmp / "media" / media, converter(media, s), section_dict(s),
                      StoreSettings.of(params.prepare), progress=False, processes=0, extras=extras(media))
    return tmp / "media", tmp / "index"


def loader_samples_per_second(batches: torch.utils.data.Dataset, device: torch.device, workers: int,
                              steps: int) -> float:
    """Samples per second that the training DataLoader hands over as model input on `device`
    (the batches, `workers` loader processes, the conversion a step waits for; no model).
    Two batches are read first, so worker start-up is not counted."""
    loader = torch.utils.data.DataLoader(batches, batch_size=None, num_workers=workers)

    def loader_pass(count: int) -> int:
        samples = 0
        for n, batch in enumerate(loader):
            if n == count:
                break
            for m in [k for k in batch if not k.endswith("_labels")]:
                samples += len(to_model_input(m, batch[m], device))
        return samples

    loader_pass(2)  # warm-up
    start = time.perf_counter()
    samples = loader_pass(steps)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return samples / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=12, help="steps per measurement")
    args = p.parse_args(argv)
    params = with_overrides(load_params(PARAMS), {"train.device": "cpu"})
    with tempfile.TemporaryDirectory() as tmp:
        media_dir, index_dir = prepared_default(Path(tmp), params)
        run = setup_training(params, media_dir, index_dir, progress=False, state_dir=Path(tmp) / "state")
        trainer, stage = run.trainer, run.trainer.stages[0]
        batches = trainer.batches
        loader_rate = loader_samples_per_second(batches, trainer.device, trainer.workers, args.steps)

        opt, _ = trainer._optimizer(stage)
        batch = batches[0]
        samples_per_step = sum(len(v) for k, v in batch.items() if not k.endswith("_labels"))

        def model_step() -> None:
            loss = trainer._losses(batch, stage)[0][TOTAL]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        for _ in range(2):
            model_step()
        start = time.perf_counter()
        for _ in range(args.steps):
            model_step()
        model_rate = args.steps * samples_per_step / (time.perf_counter() - start)
        training_rate = trainer._epoch(stage, 0, 0, opt)["samples_per_s"]

    print(f"default config: {params.model.backbone} at {params.model.input_size} px, "
          f"{samples_per_step} samples per step, {torch.get_num_threads()} threads, "
          f"{trainer.workers} loader workers")
    print(f"loader: {loader_rate:.0f} samples/s; model step: {model_rate:.1f} samples/s; "
          f"training (both): {training_rate:.1f} samples/s")
    ratio = loader_rate / model_rate
    busy = training_rate / model_rate
    print(f"loader / model {ratio:.1f}x (target >= 2x): {'PASS' if ratio >= 2 else 'FAIL'}")
    print(f"training / model step {busy:.0%} (target >= 90%): {'PASS' if busy >= 0.9 else 'FAIL'}")


if __name__ == "__main__":
    main()
