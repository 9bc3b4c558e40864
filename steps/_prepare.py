"""The shared command line of the four preparation steps (frames, spectrogram, text, images).

Two ways to run a step, both giving byte-identical stores under build/media/<media>/:

    python -m steps.frames --out build/media/video                          # everything, a process pool
    python -m steps.frames --shard 3 --part build/parts/video/3.json --out build/media/video
    python -m steps.frames --finish build/parts/video/*.json --out build/media/video

DVC runs the first form; Snakemake runs prepare.shards shard jobs (in parallel with --cores,
or spread over a cluster), each writing its shard files in place, then the finishing job,
which writes the tables and meta.json.
"""

from __future__ import annotations

from fgcross.data.index_files import read_index
from fgcross.data.prepared import StoreSettings, finish_prepared, prepare_media, resolve_processes
from fgcross.media.converters import STAGES, converter, extras
from fgcross.params import section_dict, store_info
from fgcross.tracking import stage_run
from steps._common import params_of, parser, run


def prepare_main(stage: str, doc: str | None, argv: list[str] | None) -> None:
    spec = STAGES[stage]
    p = parser(stage, doc or "")
    p.add_argument("--index", default="build/index", help="the index stage's folder")
    p.add_argument("--out", default=f"build/media/{spec.media}", help="the store's folder")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--shard", type=int, metavar="J",
                      help="write only the shard files of job J (0-based) of prepare.shards, in place under --out")
    mode.add_argument("--finish", nargs="+", metavar="PART", help="the shard jobs' part files: write meta.json")
    p.add_argument("--part", metavar="FILE", help="with --shard: the file recording the job's shards")
    p.add_argument("--processes", type=int, default=None,
                   help="worker processes (default: prepare.processes; 0 = all cores)")
    args = p.parse_args(argv)
    params = params_of(args)
    section = params.section(spec.section)
    store = StoreSettings.of(params.prepare)
    info = store_info(spec.section, section_dict(section))  # a key added since, at its neutral value, is left out

    def body() -> None:
        index = read_index(args.index)
        if args.finish:
            counts = finish_prepared(index, spec.media, args.out, args.finish, info, store,
                                     extras=extras(spec.media))
        else:
            processes = 1 if args.shard is not None else resolve_processes(
                params.prepare.processes if args.processes is None else args.processes)
            counts = prepare_media(index, spec.media, args.out, converter(spec.media, section), info,
                                   store, progress=not args.quiet, processes=processes, job=args.shard,
                                   jobs=params.prepare.shards, part=args.part, extras=extras(spec.media))
        if counts:  # one MLflow run per stage, not per shard job
            with stage_run(stage, params) as tracker:
                tracker.log_params({spec.section: section_dict(section)})
                tracker.log_metrics({f"items.{s}": n for s, n in counts.items()})

    part = f"shard {args.shard}" if args.shard is not None else ("finish" if args.finish else "")
    run(stage, body, part)
