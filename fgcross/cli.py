"""The `fgcross` command (also `python -m fgcross`): search with a trained model.

    fgcross index                          # build/search from exports/ (also a pipeline stage)
    fgcross search bird.jpg                # the same species in every media
    fgcross search "a small red bird with a forked tail" --media audio -k 5 --json
    fgcross serve                          # a local web page on http://127.0.0.1:8765
    fgcross --params presets/pku_official.yaml import-official model.pkl   # the authors' model, our protocol
    fgcross search bird.jpg --model models:/fgcross@champion   # a model of the MLflow registry
    fgcross preset beyond --apply          # merge presets/beyond.yaml into params.yaml (fgcross.presets)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from fgcross import __version__
from fgcross.config import default_params, load_params
from fgcross.errors import FgcrossError
from fgcross.media.kinds import QUERY_MEDIA
from fgcross.params import Params, SearchParams


def params_or_defaults(path: str) -> Params:
    """The params file, or the packaged defaults where there is no file."""
    return load_params(path) if Path(path).exists() else default_params()


def search_params(path: str) -> SearchParams:
    """The `search` section of the params file, or of the packaged defaults where there is no file."""
    return params_or_defaults(path).search


def model_folder(ref: str, params_path: str) -> Path:
    """`--model`: a folder, or `models:/<name>/<version>` / `models:/<name>@<alias>` of the MLflow registry
    named by the params' tracking section, downloaded once under build/registry/."""
    from fgcross.search.registry import is_registry_uri, resolve_model

    if not is_registry_uri(ref):
        return resolve_model(ref, "", "")
    from fgcross.tracking import project_root, tracking_uri

    root = project_root()
    return resolve_model(ref, tracking_uri(params_or_defaults(params_path).tracking, root), root / "build" / "registry")


def _fail(message: str) -> None:
    print(f"fgcross: error: {message}", file=sys.stderr)
    sys.exit(2)


def cmd_preset(args: argparse.Namespace, sp: SearchParams) -> None:
    from fgcross.presets import dvc_set_args, preset_overrides, write_into_params_file

    overrides = preset_overrides(args.name)
    if args.apply:
        write_into_params_file(args.params, overrides)
        print(f"{args.params}: set {len(overrides)} key(s) from preset {args.name}")
    elif args.dvc_args:
        print(dvc_set_args(overrides))
    else:
        for key, value in overrides.items():
            print(f"{key}: {json.dumps(value)}")


def cmd_index(args: argparse.Namespace, sp: SearchParams) -> None:
    from fgcross.search.gallery import build_search_index

    start = time.perf_counter()
    counts = build_search_index(args.exports, args.index, args.media, args.out, list(sp.splits),
                                sp.audio_seconds, sp.audio_rate, progress=not args.quiet)
    print(f"indexed {sum(counts.values())} items ({', '.join(f'{m} {n}' for m, n in counts.items())}) "
          f"into {args.out} in {time.perf_counter() - start:.1f} s")


def run_query(query: str, encoder, index, media: str, k: int, max_bytes: int):
    """Embed QUERY (a file, or typed text) and rank the index; raises QueryError."""
    from fgcross.search.query import check_file, looks_like_a_file

    if looks_like_a_file(query):
        encoded = encoder.encode_file(query, check_file(query, max_bytes))
    else:
        encoded = encoder.encode_text(query)
    return index.search(encoded.vector, media, k, encoded)


def format_table(hits) -> str:
    rows = [("rank", "media", "id", "class", "score", "path")]
    rows += [(str(h.rank), h.media, h.id, h.class_name, f"{h.score:.4f}", h.path) for h in hits]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def cmd_search(args: argparse.Namespace, sp: SearchParams) -> None:
    from fgcross.search.gallery import SearchIndex
    from fgcross.search.query import QueryEncoder

    index = SearchIndex(args.index_dir, sp.backend)
    encoder = QueryEncoder(model_folder(args.model, args.params))
    hits = run_query(args.query, encoder, index, args.media, args.k or sp.k, int(sp.max_upload_mb * 2**20))
    if args.json:
        print(json.dumps({"query": args.query, "media": args.media, "results": [h.as_dict() for h in hits]},
                         indent=2))
    else:
        print(format_table(hits))


def cmd_serve(args: argparse.Namespace, sp: SearchParams) -> None:
    from fgcross.search.server import serve

    serve(args.index_dir, model_folder(args.model, args.params), args.host or sp.host, args.port or sp.port, sp)


def cmd_import_official(args: argparse.Namespace, _sp: SearchParams) -> None:
    """The official code's trained weights as our model folder, exported and evaluated with our protocol."""
    from fgcross.data.index_files import read_index
    from fgcross.devices import pick_device
    from fgcross.embeddings import as_embeddings, embed_prepared, save_embeddings
    from fgcross.evaluation import evaluate_embeddings
    from fgcross.io import write_json
    from fgcross.losses import CenterLoss
    from fgcross.models.factory import build_model
    from fgcross.models.official import load_official
    from fgcross.training.pipeline import model_config, present_media, save_model

    params = load_params(args.params)
    if params.model.text_branch != "official" or params.text.encoder != "charcnn":
        raise FgcrossError(f"{args.params}: import-official needs model.text_branch: official and text.encoder: "
                           f"charcnn (presets/pku_official.yaml)")
    index = read_index(args.index)
    media = present_media(Path(args.media), list(params.data.media))
    cfg = model_config(params, len(index.classes))
    model = build_model(cfg, "none")
    model.load_state_dict(load_official(args.model))  # strict: every official tensor has its place
    centers = CenterLoss(cfg.num_classes, cfg.num_classes, params.loss.center_init_std)  # not in the official file
    save_model(args.out, {"model": model.state_dict(), "centers": centers.state_dict()}, cfg, params, media,
               index.classes)
    model.eval()
    split = params.eval.split
    arrays = embed_prepared(model, media, cfg.input_size, args.media, split, pick_device(params.train.device),
                            params.export.batch_size)
    for m, a in arrays.items():
        save_embeddings(Path(args.exports) / split / f"{m}.npz", a)
    result = evaluate_embeddings(as_embeddings(arrays), params.eval, index.classes)
    write_json(Path(args.metrics) / "eval.json", result.metrics)
    write_json(Path(args.metrics) / "retrieval.json", result.extended)
    print(json.dumps(result.metrics, indent=1, sort_keys=True))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fgcross", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--params", default="params.yaml",
                   help="params file (its `search` and `tracking` sections; defaults if absent)")
    sub = p.add_subparsers(dest="command", required=True)
    ix = sub.add_parser("index", help="build the search index from the exported embeddings")
    ix.add_argument("--exports", default="exports")
    ix.add_argument("--index", default="build/index", help="the index stage's folder (item paths, classes)")
    ix.add_argument("--media", default="build/media", help="prepared media (thumbnails, frame strips)")
    ix.add_argument("--out", default="build/search")
    ix.add_argument("--quiet", action="store_true")
    for name, helptext in (("search", "search with a file or a quoted text"), ("serve", "a local search web page")):
        sp = sub.add_parser(name, help=helptext)
        sp.add_argument("--index-dir", default="build/search", help="the search index (fgcross index)")
        sp.add_argument("--model", default="models", help="the trained model: a folder, models:/fgcross/<version> "
                        "or models:/fgcross@<alias> (the MLflow registry of the params' tracking section)")
        if name == "search":
            sp.add_argument("query", help=f"an image, video, audio or text file ({' '.join(QUERY_MEDIA)}); or text")
            sp.add_argument("--media", default="all", choices=["all", "image", "text", "audio", "video"],
                            help="the media to return")
            sp.add_argument("-k", type=int, default=0, help="results (default: search.k)")
            sp.add_argument("--json", action="store_true", help="JSON instead of a table")
        else:
            sp.add_argument("--host", default="", help="address to bind (default: search.host, 127.0.0.1)")
            sp.add_argument("--port", type=int, default=0, help="port (default: search.port)")
    pre = sub.add_parser("preset", help="a partial preset (presets/<name>.yaml): show it, apply it, or as dvc -S")
    pre.add_argument("name", help="a preset name (presets/<name>.yaml) or a path to a .yaml file")
    how = pre.add_mutually_exclusive_group()
    how.add_argument("--apply", action="store_true", help="write its keys into --params (comments kept)")
    how.add_argument("--dvc-args", action="store_true", help="print `-S key=value ...` for `dvc exp run`")
    imp = sub.add_parser("import-official", help="the official code's trained model (.pkl): convert, export, evaluate")
    imp.add_argument("model", help="a state dict saved by the official main.py (DataParallel `module.` keys)")
    imp.add_argument("--out", default="models-official", help="our model folder to write")
    imp.add_argument("--index", default="build/index", help="the index stage's folder (classes)")
    imp.add_argument("--media", default="build/media", help="prepared media (prepare them with pku_official)")
    imp.add_argument("--exports", default="exports-official", help="where the embeddings go")
    imp.add_argument("--metrics", default="metrics-official", help="where eval.json and retrieval.json go")
    return p


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        sp = search_params(args.params)
        {"index": cmd_index, "search": cmd_search, "serve": cmd_serve, "preset": cmd_preset,
         "import-official": cmd_import_official}[args.command](args, sp)
    except (FgcrossError, FileNotFoundError, ValueError, ImportError) as err:  # a query, params or backend to fix
        _fail(str(err))


if __name__ == "__main__":
    main()
