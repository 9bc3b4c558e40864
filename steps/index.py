"""Validate the dataset's list files and write the manifest (build/index/).

Every list line is checked: the file exists, stays inside the root, has an integer label
below the number of classes, and is listed once. All problems are reported together as
`<list file>:<line>: <problem>`, and the step exits non-zero.
"""

from __future__ import annotations

from pathlib import Path

from fgcross.data.index_files import write_index
from fgcross.data.manifest import build_manifest, read_classes
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
        data = params["data"]
        root = Path(args.root or data["root"])
        manifest = build_manifest(root, args.lists or data.get("lists"), tuple(data["media"]))
        classes = read_classes(root)
        n = len(classes) if classes else int(manifest["label"].max()) + 1
        names = manifest.drop_duplicates("label").set_index("label")["class_name"].to_dict()
        class_names = [classes[i] if classes else names.get(i, str(i)) for i in range(n)]
        write_index(args.out, root, manifest, class_names)
        with stage_run("index", params) as tracker:
            counts = manifest.groupby(["media", "split"]).size()
            tracker.log_metrics({f"items.{m}.{s}": int(c) for (m, s), c in counts.items()})
            tracker.set_tags({"fgcross.media": ",".join(sorted(set(manifest["media"])))})

    run("index", body)


if __name__ == "__main__":
    main()
