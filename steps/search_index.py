"""Build the search index (build/search) from the exported embeddings: the pipeline stage of
`fgcross index`, so that `fgcross search` and `fgcross serve` are ready after `snakemake`."""

from __future__ import annotations

from fgcross.search.gallery import build_search_index
from steps._common import params_of, parser, run


def main(argv: list[str] | None = None) -> None:
    p = parser("search_index", __doc__)
    p.add_argument("--exports", default="exports")
    p.add_argument("--index", default="build/index", help="the index stage's folder")
    p.add_argument("--media", default="build/media", help="prepared media (thumbnails, frame strips)")
    p.add_argument("--out", default="build/search")
    args = p.parse_args(argv)
    params = params_of(args)

    def body() -> None:
        sp = params.search
        build_search_index(args.exports, args.index, args.media, args.out, list(sp.splits), sp.audio_seconds,
                           sp.audio_rate, progress=not args.quiet)

    run("search_index", body)


if __name__ == "__main__":
    main()
