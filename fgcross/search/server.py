"""`fgcross serve`: a small local web page to search with an uploaded file or typed text.

Bound to 127.0.0.1 by default. It reads no file but the uploaded query (written to a
private temporary folder under a name of our own, then deleted) and the search index:
results are shown from the index's own thumbnails, frame strips, audio clips and text
snippets, so no request can make it read another path. Routes:

    GET  /              the form (HEAD too)
    POST /search        multipart form (file or text, media, k) -> an HTML page of results
    POST /api/search    the same form -> JSON (as `fgcross search --json`); errors are JSON too

Built on Starlette and uvicorn rather than http.server: an asyncio server holds a slow
client as a socket, not a thread, and python-multipart (Starlette's form parser) streams
and bounds the form. What this module adds is what a hostile client needs bounded: the
body (`BodyGuard`: a Content-Length is required, numeric and within the limit, and the
body must arrive within search.body_timeout_s), the headers (`HeaderTimeoutH11`: within
search.header_timeout_s), the form's parts and fields, and the searches running at once
(search.max_concurrent; one more is answered 503 at once). A bad query is answered 400 or
413 with the reason; the server keeps running.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h11
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from fgcross import MEDIA
from fgcross.errors import FgcrossError, QueryError
from fgcross.media.kinds import KINDS, QUERY_MEDIA
from fgcross.media.preview import picture_html, sound_html, text_html
from fgcross.params import SearchParams
from fgcross.search.gallery import Hit, SearchIndex
from fgcross.search.query import QueryEncoder, media_of

log = logging.getLogger("fgcross.serve")

FORM_ROOM = 2**20
"""Bytes a request may hold above search.max_upload_mb: the form's other fields and boundaries."""
MAX_FILES, MAX_FIELDS, MAX_FIELD_BYTES = 1, 8, 64 * 2**10
"""The form has one file and three fields; python-multipart refuses more parts, or a field above this."""
DRAIN_BYTES = 64 * 2**20
"""A refused body up to this size is read and dropped after the answer, so that the client reads
the 4xx instead of a reset; a larger one is cut off."""
MAX_K = 200
MAX_CONNECTIONS = 1000
BACKLOG = 2048
CSP = ("default-src 'none'; img-src data:; media-src data:; style-src 'unsafe-inline'; form-action 'self'")

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
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class BodyTimeout(Exception):
    """The body did not arrive within search.body_timeout_s."""


def page(body: str, query: str = "") -> bytes:
    options = "".join(f'<option value="{m}">{m}</option>' for m in ("all", *MEDIA))
    form = ('<form method="post" action="/search" enctype="multipart/form-data">'
            f'<label>File <input type="file" name="file" accept="{",".join(QUERY_MEDIA)}"></label>'
            f'<label>or text <input type="text" name="text" size="40" value="{html.escape(query)}"></label>'
            f'<label>media <select name="media">{options}</select></label>'
            f'<label>k <input type="number" name="k" value="10" min="1" max="{MAX_K}" style="width:4em"></label>'
            '<button type="submit" id="go">Search</button></form>')
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>fgcross search</title>"
            f"<style>{PAGE_CSS}</style></head><body><header><b>fgcross</b>: fine-grained cross-media search"
            f"</header>{form}<main>{body}</main></body></html>").encode()


def hit_html(index: SearchIndex, hit: Hit) -> str:
    """One result: the item as the index keeps it (fgcross.media.preview's pieces), its rank,
    score, class and id; every dataset string escaped."""
    item = index.items.iloc[hit.row]
    if KINDS[hit.media].shown_as_text:
        inner = text_html(str(item["snippet"]))
    else:
        inner = picture_html(index.preview_uri(hit.row), hit.id)
        sound = index.sound_uri(hit.row)
        if sound:
            inner += sound_html(sound)
    return (f'<div class="item" data-media="{hit.media}"><div class="meta">#{hit.rank} {hit.media} · '
            f"{hit.score:.3f}</div>{inner}<div>{html.escape(hit.class_name)}</div>"
            f'<div class="meta">{html.escape(hit.id)}</div></div>')


def error_response(path: str, status: int, message: str, close: bool = False) -> Response:
    """JSON under /api/, the page with the message elsewhere; CSP on both."""
    headers = {"Content-Security-Policy": CSP}
    if close:
        headers["Connection"] = "close"
    if status == 503:
        headers["Retry-After"] = "1"
    if path.startswith("/api/"):
        return JSONResponse({"error": message}, status, headers)
    return HTMLResponse(page(f'<p class="error">{html.escape(message)}</p>'), status, headers)


@dataclass
class Query:
    """A parsed form: an uploaded file (name, bytes) or a text, the media to return and k."""
    filename: str
    data: bytes
    text: str
    media: str
    k: int


class SearchService:
    """The loaded model and index, shared by the worker threads; at most `max_concurrent` searches
    run at once (the model's forward pass and the ranking only read shared state)."""

    def __init__(self, index_dir: str | Path, model_dir: str | Path, params: SearchParams) -> None:
        self.index = SearchIndex(index_dir, params.backend)
        self.encoder = QueryEncoder(model_dir)
        self.params = params
        self.max_bytes = int(params.max_upload_mb * 2**20)
        self.default_k = int(params.k)
        self.running = 0
        self.count_lock = threading.Lock()

    def try_enter(self) -> bool:
        with self.count_lock:
            if self.running >= self.params.max_concurrent:
                return False
            self.running += 1
            return True

    def leave(self) -> None:
        with self.count_lock:
            self.running -= 1

    def run(self, query: Query) -> tuple[str, list[Hit]]:
        """Embed and rank (in a worker thread). Returns (what was asked, hits); raises BadRequest."""
        try:
            if query.filename:
                kind = media_of(Path(query.filename).name)
                if not query.data:
                    raise QueryError(f"{Path(query.filename).name}: empty file")
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / f"query{Path(query.filename).suffix.lower()}"  # our name, not theirs
                    path.write_bytes(query.data)
                    encoded = self.encoder.encode_file(path, kind)
                asked = Path(query.filename).name
            else:
                encoded = self.encoder.encode_text(query.text)
                asked = query.text
            return asked, self.index.search(encoded.vector, query.media, query.k, encoded)
        except QueryError as err:
            message = str(err).replace(str(Path(tempfile.gettempdir())), "<upload>")
            raise BadRequest(400, message) from None
        except ValueError as err:
            raise BadRequest(400, str(err)) from None


async def read_query(request: Request, service: SearchService) -> Query:
    """The form, parsed by Starlette (python-multipart) within the bounds above; raises BadRequest."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadRequest(400, "expected a multipart/form-data form")
    async with request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES) as form:
        def field(name: str, default: str = "") -> str:
            value = form.get(name)
            return value if isinstance(value, str) else default

        media = field("media") or "all"
        if media not in ("all", *MEDIA):
            raise BadRequest(400, f"unknown media {media!r}")
        try:
            k = int(field("k") or service.default_k)
        except ValueError:
            raise BadRequest(400, "k must be a whole number") from None
        if k < 1:
            raise BadRequest(400, f"k must be at least 1 (got {k})")
        upload = form.get("file")
        filename, data = "", b""
        if isinstance(upload, UploadFile) and upload.filename:
            if (upload.size or 0) > service.max_bytes:
                raise BadRequest(413, "file above the size limit")
            filename, data = upload.filename, await upload.read()
        return Query(filename, data, field("text"), media, min(k, MAX_K))


def make_app(service: SearchService) -> Starlette:
    """The Starlette app: routes, JSON/HTML errors, and the body guard around it."""

    async def home(request: Request) -> Response:
        return HTMLResponse(page(f"<p>{len(service.index.items)} items: {', '.join(service.index.media)}. "
                                 "Upload a file or type a text.</p>"), headers={"Content-Security-Policy": CSP})

    async def search(request: Request) -> Response:
        api = request.url.path == "/api/search"
        try:
            query = await read_query(request, service)
            if not service.try_enter():
                raise BadRequest(503, f"busy: {service.params.max_concurrent} searches are running "
                                      "(search.max_concurrent); try again")
            try:
                asked, hits = await run_in_threadpool(service.run, query)
            finally:
                service.leave()
        except BadRequest as err:
            return error_response(request.url.path, err.status, str(err), close=err.status == 413)
        if api:
            return JSONResponse({"query": asked, "results": [h.as_dict() for h in hits]},
                                headers={"Content-Security-Policy": CSP})
        blocks = "".join(hit_html(service.index, h) for h in hits)
        return HTMLResponse(page(f"<h3>Results for {html.escape(asked[:200])}</h3>"
                                 f'<div class="row" id="results">{blocks}</div>'),
                            headers={"Content-Security-Policy": CSP})

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(request.url.path, exc.status_code, str(exc.detail), close=exc.status_code >= 400)

    async def body_timeout(request: Request, exc: Exception) -> Response:
        return error_response(request.url.path, 408, "the request body did not arrive in time "
                                                     f"(search.body_timeout_s = {service.params.body_timeout_s})",
                              close=True)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s", request.url.path, exc_info=exc)
        return error_response(request.url.path, 500, "internal error", close=True)

    routes = [Route("/", home, methods=["GET"]),  # Starlette answers HEAD for every GET route
              Route("/search", search, methods=["POST"]), Route("/api/search", search, methods=["POST"])]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, BodyTimeout: body_timeout,
                                                       Exception: server_error})
    return BodyGuard(app, service.max_bytes + FORM_ROOM, service.params.body_timeout_s)


class BodyGuard:
    """ASGI middleware that bounds a request body before the app sees it.

    A body-carrying request must declare its length: a missing (or chunked), non-numeric,
    negative or repeated-and-different Content-Length is a 411 or 400, and a length above
    the limit a 413, answered before any body is read. The body is then passed through
    while it arrives within `timeout` seconds (else BodyTimeout, a 408); the HTTP parser
    (h11) stops at the declared length, so a body longer than declared cannot reach the app.
    """

    def __init__(self, app: Any, max_bytes: int, timeout: float) -> None:
        self.app, self.max_bytes, self.timeout = app, max_bytes, timeout

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        lengths = {v.strip() for k, v in scope["headers"] if k.lower() == b"content-length"}
        refusal = self.refusal(lengths)
        if refusal:
            status, message = refusal
            await self.refuse(scope, receive, send, status, message, drain=status == 413)
            return
        deadline = time.monotonic() + self.timeout
        done, late = False, False

        async def guarded_receive() -> dict:
            nonlocal done, late
            if done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                late = True
                raise BodyTimeout from None
            done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def draining_send(message: dict) -> None:
            """An answer given before the whole body was read (a refused form) ends only after the
            rest of the body was read and dropped, so that the client reads it rather than a reset."""
            if message["type"] == "http.response.body" and not message.get("more_body") and not done and not late:
                await send({**message, "more_body": True})
                await self.drain(receive, scope)
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app(scope, guarded_receive, draining_send)

    def refusal(self, lengths: set[bytes]) -> tuple[int, str] | None:
        if not lengths:
            return 411, "a Content-Length header is required"
        if len(lengths) > 1:
            return 400, "conflicting Content-Length headers"
        value = next(iter(lengths))
        if not value.isdigit():
            return 400, f"Content-Length must be a whole number of bytes (got {value[:40].decode('latin-1')!r})"
        if int(value) > self.max_bytes:
            return 413, (f"request of {int(value) / 2**20:.1f} MiB is above the limit of "
                         f"{(self.max_bytes - FORM_ROOM) / 2**20:.1f} MiB (search.max_upload_mb)")
        return None

    async def refuse(self, scope: dict, receive: Any, send: Any, status: int, message: str, drain: bool) -> None:
        """Answer at once and close; a refused body of bounded size is read and dropped meanwhile,
        so that the client, still sending, reads the answer rather than a reset."""
        response = error_response(scope["path"], status, message, close=True)
        await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
        await send({"type": "http.response.body", "body": response.body, "more_body": True})
        if drain:
            await self.drain(receive, scope)
        await send({"type": "http.response.body", "body": b""})

    async def drain(self, receive: Any, scope: dict) -> None:
        length = int(dict(scope["headers"]).get(b"content-length", b"0") or 0)
        if length > DRAIN_BYTES:
            return
        deadline = time.monotonic() + self.timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = await asyncio.wait_for(receive(), left)
            except TimeoutError:
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                return


class HeaderTimeoutH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline on the request line and headers: a connection
    that has not sent a whole request head within `header_timeout` seconds of opening, or of
    its first byte after a response, is answered 408 and closed (uvicorn bounds only the idle
    time between requests)."""

    header_timeout = 10.0
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            if self._head_timer is None:
                self._arm()
        elif self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """A request h11 cannot parse (a negative Content-Length, a body longer than declared): JSON too."""
        self._answer_and_close(400, f"invalid HTTP request ({msg.rstrip('.')})")

    def _answer_and_close(self, status: int, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        reason = {400: b"Bad Request", 408: b"Request Timeout"}[status]
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\nconnection: close\r\n"
                             b"content-length: %d\r\n\r\n%s" % (status, reason, len(body), body))
        self.transport.close()

    def _arm(self) -> None:
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_deadline)

    def _head_deadline(self) -> None:
        self._head_timer = None
        if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return
        self._answer_and_close(408, "the request headers did not arrive in time (search.header_timeout_s)")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0 picks a free one); a port in use is a one-line error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise FgcrossError(f"cannot listen on {host}:{port}: {err.strerror} "
                           "(another server there? pick one with --port or search.port)") from None
    sock.listen(BACKLOG)
    sock.setblocking(False)
    return sock


class SearchServer:
    """The service, its app and a bound socket; `serve_forever` runs uvicorn on it, `start` in a thread."""

    def __init__(self, service: SearchService, sock: socket.socket) -> None:
        self.service, self.sock = service, sock
        self.server_address = sock.getsockname()[:2]
        protocol = type("Guarded", (HeaderTimeoutH11,), {"header_timeout": service.params.header_timeout_s})
        config = uvicorn.Config(make_app(service), http=protocol, lifespan="off", log_config=None,
                                access_log=False, limit_concurrency=MAX_CONNECTIONS, backlog=BACKLOG,
                                timeout_keep_alive=5, timeout_graceful_shutdown=5)
        self.uvicorn = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        self.uvicorn.run(sockets=[self.sock])

    def start(self) -> None:
        """Serve from a daemon thread; returns once the server accepts connections."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        while not self.uvicorn.started:
            if not self._thread.is_alive():
                raise RuntimeError("the search server did not start")
            time.sleep(0.01)

    def shutdown(self) -> None:
        self.uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def server_close(self) -> None:
        self.sock.close()


def make_server(index_dir: str | Path, model_dir: str | Path, host: str, port: int,
                params: SearchParams) -> SearchServer:
    """The server, bound but not yet serving (port 0 picks a free one)."""
    sock = bind(host, port)
    try:
        return SearchServer(SearchService(index_dir, model_dir, params), sock)
    except BaseException:
        sock.close()
        raise


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
