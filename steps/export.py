"""Embed every item of the chosen splits with the trained model: exports/<split>/<media>.npz."""

from __future__ import annotations

from fgcross.devices import pick_device
from fgcross.embeddings import embed_prepared, save_embeddings
from fgcross.io import atomic_dir
from fgcross.models.saved import load_model
from steps._common import params_of, parser, run


def main(argv: list[str] | None = None) -> None:
    p = parser("export", __doc__)
    p.add_argument("--model", default="models", help="trained model folder")
    p.add_argument("--media", default="build/media", help="prepared media folder")
    p.add_argument("--out", default="exports", help="output folder")
    args = p.parse_args(argv)
    params = params_of(args)

    def body() -> None:
        device = pick_device(params.train.device)
        model, config = load_model(args.model, device)
        with atomic_dir(args.out) as tmp:  # scoped: main() may run inside another process
            for split in params.export.splits:
                embedded = embed_prepared(model, config["media"], config["model"]["input_size"], args.media, split,
                                          device, params.export.batch_size, progress=not args.quiet)
                for media, arrays in embedded.items():
                    save_embeddings(tmp / split / f"{media}.npz", arrays)

    run("export", body)


if __name__ == "__main__":
    main()
