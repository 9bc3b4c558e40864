"""`fgcross serve` against hostile requests: each answered with a quick 4xx/503 on raw sockets."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request

import pytest

from fgcross.errors import FgcrossError
from fgcross.params import SearchParams, build
from fgcross.search.server import bind, make_server
from tests.search.conftest import SEARCH
from tests.search.test_server import post


@pytest.fixture(scope="module")
def srv(searchable):
    server = make_server(searchable["search"], searchable["models"], "127.0.0.1", 0, build(SearchParams, SEARCH))
    server.start()
    yield server
    server.shutdown()
    server.server_close()


def raw(srv, data: bytes, wait: float = 10.0, then_send: bytes = b"") -> tuple[int, bytes, float]:
    """Send raw bytes; return (status, whole answer, seconds until the first answer byte)."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", srv.server_address[1]), timeout=wait) as sock:
        sock.sendall(data)
        first = sock.recv(65536)
        took = time.monotonic() - start
        if then_send:
            sock.sendall(then_send)
        chunks = [first]
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    return int(answer.split(b" ", 2)[1]) if answer else 0, answer, took


def form_head(length: bytes, path: str = "/api/search") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n".encode()
            + (b"Content-Length: " + length + b"\r\n" if length else b"") + b"\r\n")


@pytest.mark.parametrize(("length", "status"), [(b"-1", 400), (b"abc", 400), (b"", 411), (b"1e3", 400),
                                                 (str(200 * 2**20).encode(), 413)])
def test_bad_content_length_is_a_quick_4xx(srv, length, status):
    """Today's main: -1 got no answer within 10 s (and skipped the size limit), `abc` a traceback."""
    got, answer, took = raw(srv, form_head(length))
    assert got == status and took < 1.5, answer
    assert "error" in json.loads(answer.split(b"\r\n\r\n", 1)[1])


def test_oversized_body_gets_its_413_before_the_body_is_sent(srv):
    """The 413 comes with the head only; the client can still send (drained), not reset."""
    got, answer, took = raw(srv, form_head(str(3 * 2**20).encode()), then_send=b"x" * (3 * 2**20))
    assert got == 413 and took < 1.5 and b"max_upload_mb" in answer


def test_body_shorter_than_declared_times_out_with_408(srv):
    got, answer, took = raw(srv, form_head(b"1000") + b"--b\r\n")
    assert got == 408 and SEARCH["body_timeout_s"] - 0.5 < took < SEARCH["body_timeout_s"] + 2, answer


def test_body_longer_than_declared_is_refused(srv):
    body = b'--b\r\nContent-Disposition: form-data; name="text"\r\n\r\nred bird\r\n--b--\r\n'
    got, answer, _ = raw(srv, form_head(b"20") + body)
    assert got == 400, answer


def test_slow_headers_get_408(srv):
    got, answer, took = raw(srv, b"GET / HTTP/1.1\r\nHost: x\r\n")
    assert got == 408 and took < SEARCH["header_timeout_s"] + 2, answer


def test_a_form_of_many_parts_is_refused_quickly(srv):
    body = b"".join(b'--b\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nx\r\n' % i for i in range(5000))
    body += b"--b--\r\n"
    start = time.monotonic()
    got, answer, _ = raw(srv, form_head(str(len(body)).encode()) + body)
    assert got == 400 and time.monotonic() - start < 2, answer


def test_head_and_json_errors(srv):
    url = f"http://127.0.0.1:{srv.server_address[1]}"
    with urllib.request.urlopen(urllib.request.Request(url + "/", method="HEAD"), timeout=10) as response:
        assert response.status == 200 and response.read() == b""  # today's main: 501
    got, answer, _ = raw(srv, b"GET /api/nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert got == 404 and json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]
    got, answer, _ = raw(srv, b"GET /api/search HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert got == 405 and json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]


def test_negative_k_is_refused(srv):
    """Today's main: `-k -3` returned one result."""
    url = f"http://127.0.0.1:{srv.server_address[1]}"
    status, body = post(url + "/api/search", {"text": "red bird", "k": "-3"})
    assert status == 400 and "at least 1" in json.loads(body)["error"]


def test_searches_run_concurrently_up_to_the_limit_then_503(srv, monkeypatch):
    """max_concurrent searches overlap (today's main ran one at a time behind a lock); one more is a quick 503."""
    url = f"http://127.0.0.1:{srv.server_address[1]}"
    real, running, peak, lock = srv.service.run, [0], [0], threading.Lock()

    def slow_run(query):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(1.0)
        with lock:
            running[0] -= 1
        return real(query)

    monkeypatch.setattr(srv.service, "run", slow_run)
    results: list[tuple[int, float]] = []

    def one():
        start = time.monotonic()
        status, _ = post(url + "/api/search", {"text": "red bird"})
        results.append((status, time.monotonic() - start))

    threads = [threading.Thread(target=one) for _ in range(SEARCH["max_concurrent"] + 1)]
    for t in threads:
        t.start()
        time.sleep(0.1)
    for t in threads:
        t.join()
    assert peak[0] == SEARCH["max_concurrent"]
    assert sorted(s for s, _ in results) == [200] * SEARCH["max_concurrent"] + [503]
    assert all(took < 0.5 for s, took in results if s == 503)


def test_port_in_use_is_a_one_line_error():
    sock = bind("127.0.0.1", 0)
    try:
        with pytest.raises(FgcrossError, match=f"127.0.0.1:{sock.getsockname()[1]}.*in use"):
            bind("127.0.0.1", sock.getsockname()[1])
    finally:
        sock.close()
