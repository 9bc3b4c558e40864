"""`fgcross serve`: a real HTTP client and headless Chromium against the local server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest

from fgcross.data.index_files import read_index
from fgcross.params import SearchParams, build
from fgcross.search.server import make_server
from tests.browser import load_pages
from tests.search.conftest import SEARCH


@pytest.fixture(scope="module")
def server(searchable):
    srv = make_server(searchable["search"], searchable["models"], "127.0.0.1", 0, build(SearchParams, SEARCH))
    srv.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def post(url: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None):
    """multipart/form-data POST with urllib; returns (status, body bytes)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data) in (files or {}).items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     "Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(url, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_bound_to_localhost_and_the_form(server):
    assert server.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(server + "/", timeout=30) as response:
        page = response.read().decode()
    assert response.status == 200 and 'type="file"' in page and "items" in page


@pytest.mark.parametrize("media", ["image", "text", "audio", "video"])
def test_upload_each_media_finds_itself(server, index_dir, media):
    index = read_index(index_dir)
    item = index.items(media, "test").iloc[1]
    data = (index.root / item["path"]).read_bytes()
    status, body = post(server + "/api/search", {"k": "4"}, {"file": (item["path"].rsplit("/", 1)[1], data)})
    assert status == 200, body
    results = json.loads(body)["results"]
    assert len(results) == 4 and results[0]["id"] == item["id"]
    status, page = post(server + "/search", {"media": "video"}, {"file": ("query" + item["path"][-4:], data)})
    assert status == 200 and page.decode().count('data-media="video"') == SEARCH["k"]


def test_typed_text_and_escaping(server):
    status, page = post(server + "/search", {"text": "<script>alert(1)</script> red bird", "k": "3"})
    text = page.decode()
    assert status == 200 and "<script>alert(1)" not in text and "&lt;script&gt;alert(1)" in text


def test_bad_uploads_are_4xx_and_the_server_goes_on(server):
    assert post(server + "/api/search", {}, {"file": ("bird.gif", b"GIF89a")})[0] == 400
    status, body = post(server + "/api/search", {}, {"file": ("bird.jpg", b"\xff\xd8\xff garbage" * 20)})
    assert status == 400 and "cannot read this image file" in json.loads(body)["error"]
    assert "/tmp" not in json.loads(body)["error"]  # the upload's private path is not shown
    assert post(server + "/api/search", {"text": "   "})[0] == 400
    assert post(server + "/api/search", {}, {"file": ("song.wav", b"RIFF" + b"\0" * (2 * 2**20))})[0] == 413
    assert post(server + "/api/search", {"media": "smell", "text": "bird"})[0] == 400
    assert post(server + "/elsewhere", {"text": "bird"})[0] == 404
    assert post(server + "/api/search", {"text": "bird"})[0] == 200


def test_reads_no_file_but_the_upload(server):
    """A filename that climbs out, or a path in the URL, reads nothing from the disk."""
    status, body = post(server + "/api/search", {}, {"file": ("../../../../etc/passwd.txt", b"a small red bird")})
    assert status == 200 and "root:" not in body.decode()
    for path in ("/../../etc/passwd", "/build/search/meta.json", "/%2e%2e/%2e%2e/etc/passwd"):
        try:
            urllib.request.urlopen(server + path, timeout=30)
            raise AssertionError(f"{path} answered")
        except urllib.error.HTTPError as err:
            assert err.code == 404


def test_page_in_headless_chromium(server, index_dir, tmp_path):
    """Load the form, upload an image through the file input, click Search: results show,
    with no JavaScript error."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, chromium_path

    load_pages([server + "/"], tmp_path / "form")  # the form alone: no error
    index = read_index(index_dir)
    image = index.root / index.items("image", "test").iloc[0]["path"]
    errors = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(server + "/")
        page.set_input_files('input[name="file"]', str(image))
        page.click("#go")
        page.wait_for_selector("#results .item")
        page.screenshot(path=str(tmp_path / "results.png"), full_page=True)
        shown = page.locator("#results .item").count()
        first_media = page.locator("#results .item").first.get_attribute("data-media")
        browser.close()
    assert errors == [] and shown == 10 and first_media == "image"
