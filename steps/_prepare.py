"""The shared command line of the four preparation steps (frames, spectrogram, text, images).

Three ways to run a step, all giving byte-identical output folders:

    python -m steps.frames --out build/media/video                 # everything, a process pool
    python -m steps.frames --shard 3 --out build/shards/video/3    # one shard of prepare.shards
    python -m steps.frames --merge build/shards/video/* --out build/media/video

DVC runs the first form; Snakemake runs one job per shard (in parallel with --cores, or
spread over a cluster) and then the merge.
"""

from __future__ import annotations

from pathlib import Path

from fgcross.data.index_files import read_index
from fgcross.data.prepared import merge_prepared, prepare_media, resolve_processes
from fgcross.media.converters import STAGES, converter, extras
from fgcross.params import section_dict
from fgcross.tracking import stage_run
from steps._common import params_of, parser, run


def prepare_main(stage: str, doc: str | None, argv: list[str] | None) -> None:
    spec = STAGES[stage]
    p = parser(stage, doc or "")
    p.add_argument("--index", default="build/index", help="the index stage's folder")
    p.add_argument("--out", default=f"build/media/{spec.media}", help="output folder")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--shard", type=int, metavar="I",
                      help="prepare only shard I (0-based) of prepare.shards, into --out")
    mode.add_argument("--merge", nargs="+", metavar="DIR", help="join these shard folders into --out")
    p.add_argument("--processes", type=int, default=None,
                   help="worker processes (default: prepare.processes; 0 = all cores)")
    args = p.parse_args(argv)
    params = params_of(args)
    section = params.section(spec.section)
    shards = params.prepare.shards

    def body() -> None:
        if args.merge:
            counts = merge_prepared([Path(d) for d in args.merge], args.out)
        else:
            processes = 1 if args.shard is not None else resolve_processes(
                params.prepare.processes if args.processes is None else args.processes)
            counts = prepare_media(read_index(args.index), spec.media, args.out, converter(spec.media, section),
                                   section_dict(section), progress=not args.quiet, processes=processes,
                                   shard=args.shard, shards=shards, extras=extras(spec.media))
        if counts and args.shard is None:  # one MLflow run per stage, not per shard
            with stage_run(stage, params) as tracker:
                tracker.log_params({spec.section: section_dict(section)})
                tracker.log_metrics({f"items.{s}": n for s, n in counts.items()})

    part = f"shard {args.shard}" if args.shard is not None else ("merge" if args.merge else "")
    run(stage, body, part)
