"""Embed every item of the chosen splits with the trained model: exports/<split>/<media>.npz."""

from __future__ import annotations

from pathlib import Path

import torch

from fgcross.data.prepared import load_split
from fgcross.embeddings import embed_split, save_embeddings
from fgcross.io import atomic_dir
from fgcross.training.loop import pick_device
from fgcross.training.pipeline import load_model
from steps._common import params_of, parser, run


def main(argv: list[str] | None = None) -> None:
    p = parser("export", __doc__)
    p.add_argument("--model", default="models", help="trained model folder")
    p.add_argument("--media", default="build/media", help="prepared media folder")
    p.add_argument("--out", default="exports", help="output folder")
    args = p.parse_args(argv)
    params = params_of(args)

    def body() -> None:
        device = pick_device(params["train"]["device"])
        model, config = load_model(args.model, device)
        with torch.no_grad(), atomic_dir(args.out) as tmp:  # scoped: main() may run inside another process
            for split in params["export"]["splits"]:
                for media in config["media"]:
                    arrays = embed_split(model, load_split(Path(args.media) / media, split),
                                         config["model"]["input_size"], device, params["export"].get("batch_size", 64))
                    save_embeddings(tmp / split / f"{media}.npz", arrays)

    run("export", body)


if __name__ == "__main__":
    main()
