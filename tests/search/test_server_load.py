"""Load test of `fgcross serve` on loopback: 100 concurrent clients (80 page loads,
20 searches with small uploads), 5 requests each, while 20 slow clients hold connections."""

from __future__ import annotations

from fgcross.params import SearchParams, build
from fgcross.search.server import make_server
from tests.search.conftest import SEARCH
from tests.search.load import run_load


def test_load_on_loopback(searchable):
    server = make_server(searchable["search"], searchable["models"], "127.0.0.1", 0, build(SearchParams, SEARCH))
    server.start()
    try:
        result = run_load(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
    print(f"\n{result.requests} requests in {result.seconds:.1f} s: {result.requests / result.seconds:.0f}/s, "
          f"p99 {result.p99 * 1000:.0f} ms, statuses {result.statuses}, slow clients answered {result.slow_answers}")
    assert result.resets == 0, result.errors[:5]
    assert result.requests == 500 and result.seconds < 60
    assert set(result.statuses) <= {200, 503} and result.statuses.get(200, 0) >= 80 * 5
    assert result.slow_503 == []  # a 503 is a quick answer, not a wait
    assert set(result.slow_answers) <= {408}
