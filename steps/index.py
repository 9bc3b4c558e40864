"""Validate the dataset's list files and media, and write the manifest (build/index/).

Every list line is checked: the file exists, stays inside the root, has an integer label
below the number of classes, is listed once, and its content is readable (a cheap probe:
headers, a JPEG's end marker, a video's first frame, UTF-8 text). All problems are
reported together as `<list file>:<line>: <problem>` and the step exits non-zero; with
data.on_error: skip the bad items are left out and listed in build/index/problems.csv.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fgcross.data.index_files import write_index
from fgcross.data.manifest import index_dataset, problems_frame
from fgcross.tracking import stage_run
from steps._common import params_of, parser, run


def main(argv: list[str] | None = None) -> None:
    p = parser("index", __doc__)
    p.add_argument("--root", help="dataset root (default: data.root)")
    p.add_argument("--lists", help="folder of <media>/{train,test}.txt (default: data.lists or ROOT/list)")
    p.add_argument("--out", default="build/index", help="output folder")
    args = p.parse_args(argv)
    params = params_of(args)

    def body() -> None:
        data = params.data
        root = Path(args.root or data.root)
        result = index_dataset(root, args.lists or data.lists, data.media, on_error=data.on_error)
        manifest = result.manifest
        log = logging.getLogger("index")
        for problem in result.problems:
            log.warning("%s%s", "skipped: " if problem.severity == "error" else "", problem)
        write_index(args.out, root, manifest, result.class_names, problems_frame(result.problems))
        with stage_run("index", params) as tracker:
            counts = manifest.groupby(["media", "split"]).size()
            tracker.log_metrics({f"items.{m}.{s}": int(c) for (m, s), c in counts.items()})
            tracker.log_metrics({"skipped": sum(p.severity == "error" for p in result.problems),
                                 "warnings": sum(p.severity == "warning" for p in result.problems)})
            tracker.set_tags({"fgcross.media": ",".join(sorted(set(manifest["media"])))})

    run("index", body)


if __name__ == "__main__":
    main()
