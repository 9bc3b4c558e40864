"""The shared command line of the four preparation steps (frames, spectrograms, text, images)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from fgcross.data.index_files import read_index
from fgcross.data.prepared import prepare_media
from fgcross.tracking import stage_run
from steps._common import params_of, parser, run

Converter = Callable[[Path], np.ndarray]


def prepare_main(stage: str, media: str, section: str, doc: str,
                 make_converter: Callable[[dict[str, Any]], Converter], argv: list[str] | None) -> None:
    p = parser(stage, doc)
    p.add_argument("--index", default="build/index", help="the index stage's folder")
    p.add_argument("--out", default=f"build/media/{media}", help="output folder")
    args = p.parse_args(argv)
    params = params_of(args)

    def body() -> None:
        index = read_index(args.index)
        counts = prepare_media(index, media, args.out, make_converter(params[section]), params[section],
                               progress=not args.quiet)
        if counts:
            with stage_run(stage, params) as tracker:
                tracker.log_params({section: params[section]})
                tracker.log_metrics({f"items.{s}": n for s, n in counts.items()})

    run(stage, body)


def bind(fn: Callable[..., np.ndarray], **kwargs: Any) -> Converter:
    return partial(fn, **kwargs)
