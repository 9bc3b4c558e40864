"""A bounded load on `fgcross serve` over loopback: page loads and small searches from many
concurrent clients, while slow clients drip headers and hold connections.

Each client thread makes `rounds` requests one after another on fresh connections; a
connection reset, a refused connection or a 5xx other than a quick 503 is counted against
the server. Used by tests/search/test_server_load.py (and its figures are in the README).
"""

from __future__ import annotations

import http.client
import select
import socket
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    slow_503: list[float] = field(default_factory=list)
    resets: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    slow_answers: dict[int, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def p99(self) -> float:
        return statistics.quantiles(self.latencies, n=100)[98] if len(self.latencies) > 1 else 0.0


def _multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _slow_client(port: int, stop: threading.Event, result: LoadResult, lock: threading.Lock) -> None:
    """Open a connection and send a header byte every 0.2 s until the server answers; then again."""
    while not stop.is_set():
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            while not stop.is_set():
                readable, _, _ = select.select([sock], [], [], 0.2)
                if readable:
                    answer = sock.recv(1024)
                    status = int(answer.split(b" ", 2)[1]) if answer else 0
                    with lock:
                        result.slow_answers[status] = result.slow_answers.get(status, 0) + 1
                    break
                sock.sendall(b"a")


def run_load(port: int, pages: int = 80, searches: int = 20, slow: int = 20, rounds: int = 5,
             upload: tuple[str, bytes] = ("q.txt", b"a small red bird"), quick_s: float = 0.5) -> LoadResult:
    """`pages` + `searches` clients, `rounds` requests each, with `slow` header-dripping clients."""
    result, lock, stop = LoadResult(), threading.Lock(), threading.Event()
    body, content_type = _multipart({"k": "5"}, *upload)
    start_together = threading.Barrier(pages + searches)

    def client(search: bool) -> None:
        start_together.wait()
        for _ in range(rounds):
            began = time.monotonic()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=55)
            try:
                if search:
                    conn.request("POST", "/api/search", body, {"Content-Type": content_type})
                else:
                    conn.request("GET", "/")
                response = conn.getresponse()
                response.read()
                status = response.status
            except (ConnectionResetError, ConnectionRefusedError, BrokenPipeError,
                    http.client.RemoteDisconnected) as err:
                with lock:
                    result.resets += 1
                    result.errors.append(repr(err))
                continue
            finally:
                conn.close()
            took = time.monotonic() - began
            with lock:
                result.statuses[status] = result.statuses.get(status, 0) + 1
                result.latencies.append(took)
                if status == 503 and took > quick_s:
                    result.slow_503.append(took)

    slow_threads = [threading.Thread(target=_slow_client, args=(port, stop, result, lock), daemon=True)
                    for _ in range(slow)]
    for t in slow_threads:
        t.start()
    time.sleep(0.3)  # the slow clients hold their connections first
    threads = [threading.Thread(target=client, args=(i >= pages,), daemon=True) for i in range(pages + searches)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    result.seconds = time.monotonic() - began
    stop.set()
    for t in slow_threads:
        t.join(timeout=5)
    return result
