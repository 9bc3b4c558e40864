"""`fgcross serve`: a small local web page to search with an uploaded file or typed text.

Bound to 127.0.0.1 by default. It reads no file but the uploaded query (written to a
private temporary folder under a name of our own, then deleted) and the search index:
results are shown from the index's own thumbnails, frame strips, audio clips and text
snippets, so no request can make it read another path. Routes:

    GET  /              the form
    POST /search        multipart form (file or text, media, k) -> an HTML page of results
    POST /api/search    the same form -> JSON (as `fgcross search --json`)

A bad query (unknown type, corrupt file, empty text, a file above search.max_upload_mb)
is answered 400 or 413 with the reason; the server keeps running.
"""

from __future__ import annotations

import html
import json
import logging
import tempfile
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from fgcross import MEDIA
from fgcross.errors import QueryError
from fgcross.media.kinds import QUERY_MEDIA
from fgcross.media.preview import picture_html, sound_html, text_html
from fgcross.params import SearchParams
from fgcross.search.gallery import Hit, SearchIndex
from fgcross.search.query import QueryEncoder, media_of

log = logging.getLogger("fgcross.serve")

PAGE_CSS = """
body{font:14px sans-serif;margin:0}header{background:#1f2d3d;color:#fff;padding:10px 16px}
form{padding:12px 16px;display:flex;gap:12px;flex-wrap:wrap;align-items:center;background:#f3f5f8}
main{padding:8px 16px}.row{display:flex;gap:8px;flex-wrap:wrap}
.item{border:2px solid #ccc;padding:4px;min-width:132px;max-width:420px;font-size:11px}
.item img{display:block;max-height:128px}.item audio{width:200px;height:28px;display:block}
.txt{white-space:pre-wrap;max-height:128px;max-width:260px;overflow:auto}
.meta{color:#666}.error{color:#b00;font-weight:bold;padding:12px 16px}
"""


class BadRequest(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def page(body: str, query: str = "") -> bytes:
    options = "".join(f'<option value="{m}">{m}</option>' for m in ("all", *MEDIA))
    form = ('<form method="post" action="/search" enctype="multipart/form-data">'
            f'<label>File <input type="file" name="file" accept="{",".join(QUERY_MEDIA)}"></label>'
            f'<label>or text <input type="text" name="text" size="40" value="{html.escape(query)}"></label>'
            f'<label>media <select name="media">{options}</select></label>'
            '<label>k <input type="number" name="k" value="10" min="1" max="200" style="width:4em"></label>'
            '<button type="submit" id="go">Search</button></form>')
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>fgcross search</title>"
            f"<style>{PAGE_CSS}</style></head><body><header><b>fgcross</b>: fine-grained cross-media search"
            f"</header>{form}<main>{body}</main></body></html>").encode()


def hit_html(index: SearchIndex, hit: Hit) -> str:
    """One result: the item as the index keeps it (fgcross.media.preview's pieces), its rank,
    score, class and id; every dataset string escaped."""
    item = index.items.iloc[hit.row]
    if hit.media == "text":
        inner = text_html(str(item["snippet"]))
    else:
        inner = picture_html(index.preview_uri(hit.row), hit.id)
        sound = index.sound_uri(hit.row)
        if sound:
            inner += sound_html(sound)
    return (f'<div class="item" data-media="{hit.media}"><div class="meta">#{hit.rank} {hit.media} · '
            f"{hit.score:.3f}</div>{inner}<div>{html.escape(hit.class_name)}</div>"
            f'<div class="meta">{html.escape(hit.id)}</div></div>')


class SearchService:
    """The loaded model and index, shared by the request threads (one query at a time)."""

    def __init__(self, index_dir: str | Path, model_dir: str | Path, params: SearchParams) -> None:
        self.index = SearchIndex(index_dir, params.backend)
        self.encoder = QueryEncoder(model_dir)
        self.max_bytes = int(params.max_upload_mb * 2**20)
        self.default_k = int(params.k)
        self.lock = threading.Lock()

    def run(self, fields: dict[str, tuple[str, bytes]]) -> tuple[str, list[Hit]]:
        """fields: name -> (filename, bytes). Returns (what was asked, hits); raises BadRequest."""
        media = fields.get("media", ("", b"all"))[1].decode(errors="replace") or "all"
        if media not in ("all", *MEDIA):
            raise BadRequest(HTTPStatus.BAD_REQUEST, f"unknown media {media!r}")
        try:
            k = int(fields.get("k", ("", b""))[1] or self.default_k)
        except ValueError:
            raise BadRequest(HTTPStatus.BAD_REQUEST, "k must be a whole number") from None
        k = max(1, min(k, 200))
        filename, data = fields.get("file", ("", b""))
        text = fields.get("text", ("", b""))[1].decode("utf-8", errors="replace")
        with self.lock:
            try:
                if filename:
                    kind = media_of(Path(filename).name)
                    if not data:
                        raise QueryError(f"{Path(filename).name}: empty file")
                    with tempfile.TemporaryDirectory() as tmp:
                        path = Path(tmp) / f"query{Path(filename).suffix.lower()}"  # our name, not theirs
                        path.write_bytes(data)
                        vector = self.encoder.embed_file(path, kind)
                    asked = Path(filename).name
                else:
                    vector = self.encoder.embed_text(text)
                    asked = text
                return asked, self.index.search(vector, media, k)
            except QueryError as err:
                message = str(err).replace(str(Path(tempfile.gettempdir())), "<upload>")
                raise BadRequest(HTTPStatus.BAD_REQUEST, message) from None
            except ValueError as err:
                raise BadRequest(HTTPStatus.BAD_REQUEST, str(err)) from None


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str, bytes]]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body)
    if not message.is_multipart():
        raise BadRequest(HTTPStatus.BAD_REQUEST, "expected a multipart/form-data form")
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[name] = (part.get_filename() or "", part.get_payload(decode=True) or b"")
    return fields


def make_handler(service: SearchService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "fgcross"

        def log_message(self, fmt: str, *args: Any) -> None:
            log.info("%s %s", self.address_string(), fmt % args)

        def send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", "default-src 'none'; img-src data:; media-src data:; "
                                                        "style-src 'unsafe-inline'; form-action 'self'")
            self.end_headers()
            self.wfile.write(body)

        def discard(self, length: int) -> None:
            """Read and drop a refused body (up to 256 MiB), so that the client gets the 413
            instead of a broken pipe; a larger one is cut off."""
            if length > 256 * 2**20:
                return
            while length > 0:
                chunk = self.rfile.read(min(length, 2**20))
                if not chunk:
                    break
                length -= len(chunk)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path.split("?")[0] != "/":
                self.send(HTTPStatus.NOT_FOUND, page('<p class="error">Not found.</p>'), "text/html; charset=utf-8")
                return
            self.send(HTTPStatus.OK, page(f"<p>{len(service.index.items)} items: "
                                          f"{', '.join(service.index.media)}. Upload a file or type a text.</p>"),
                      "text/html; charset=utf-8")

        def do_POST(self) -> None:  # noqa: N802
            api = self.path == "/api/search"
            try:
                if self.path not in ("/search", "/api/search"):
                    raise BadRequest(HTTPStatus.NOT_FOUND, "no such route")
                length = int(self.headers.get("Content-Length") or 0)
                if length > service.max_bytes + 2**20:  # the upload limit plus room for the form
                    self.discard(length)
                    raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                                     f"upload of {length / 2**20:.1f} MiB is above the limit of "
                                     f"{service.max_bytes / 2**20:.1f} MiB")
                fields = parse_multipart(self.headers.get("Content-Type", ""), self.rfile.read(length))
                if len(fields.get("file", ("", b""))[1]) > service.max_bytes:
                    raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "file above the size limit")
                asked, hits = service.run(fields)
            except BadRequest as err:
                self.close_connection = True
                if api:
                    self.send(err.status, json.dumps({"error": str(err)}).encode(), "application/json")
                else:
                    self.send(err.status, page(f'<p class="error">{html.escape(str(err))}</p>'),
                              "text/html; charset=utf-8")
                return
            if api:
                body = json.dumps({"query": asked, "results": [h.as_dict() for h in hits]}).encode()
                self.send(HTTPStatus.OK, body, "application/json")
                return
            blocks = "".join(hit_html(service.index, h) for h in hits)
            self.send(HTTPStatus.OK, page(f"<h3>Results for {html.escape(asked[:200])}</h3>"
                                          f'<div class="row" id="results">{blocks}</div>'),
                      "text/html; charset=utf-8")

    return Handler


def make_server(index_dir: str | Path, model_dir: str | Path, host: str, port: int,
                params: SearchParams) -> ThreadingHTTPServer:
    """The server, bound but not yet serving (port 0 picks a free one)."""
    return ThreadingHTTPServer((host, port), make_handler(SearchService(index_dir, model_dir, params)))


def serve(index_dir: str | Path, model_dir: str | Path, host: str, port: int, params: SearchParams) -> None:
    logging.basicConfig(level=logging.INFO, format="[serve] %(message)s")
    server = make_server(index_dir, model_dir, host, port, params)
    print(f"fgcross search on http://{server.server_address[0]}:{server.server_address[1]}/ (Ctrl-C stops)",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
