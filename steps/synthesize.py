"""Generate the embedded dataset (PKU FG-XMedia layout) into data/generated.

With data.source: layout there is nothing to generate: the folder gets a note saying so,
so that the pipeline's outputs stay the same whichever source is used.
"""

from __future__ import annotations

import time

from fgcross.config import SYNTHETIC_ROOT
from fgcross.data.synthetic import generate_dataset
from fgcross.io import atomic_dir
from fgcross.params import section_dict
from fgcross.tracking import stage_run
from steps._common import params_of, parser, run


def main(argv: list[str] | None = None) -> None:
    p = parser("synthesize", __doc__)
    p.add_argument("--out", default=SYNTHETIC_ROOT, help="dataset root to write")
    args = p.parse_args(argv)
    params = params_of(args)

    def body() -> None:
        if params.data.source != "synthetic":
            with atomic_dir(args.out) as tmp:
                (tmp / "NOT_GENERATED.txt").write_text("data.source is not synthetic: nothing generated.\n")
            return
        with stage_run("synthesize", params) as tracker:
            start = time.perf_counter()
            species = generate_dataset(args.out, params.synthetic, media=params.data.media, progress=not args.quiet)
            tracker.log_params({"synthetic": section_dict(params.synthetic)})
            tracker.log_metrics({"classes": len(species), "seconds": time.perf_counter() - start})

    run("synthesize", body)


if __name__ == "__main__":
    main()
