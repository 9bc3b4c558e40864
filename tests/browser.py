"""Headless Chromium for the browser tests (Debian's `chromium`, driven by Playwright).

Locally a missing Chromium skips the browser tests; in CI (CI set, as .ci/run installs
Chromium) it fails them, so that a green CI means the pages really were loaded.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Chromium as root in a closed network: no sandbox, no background connections to Google.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def chromium_path() -> str:
    path = os.environ.get("FGCROSS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        message = "headless Chromium not found (Debian: apt-get install chromium; or set FGCROSS_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@dataclass
class LoadedPage:
    text: str  # the page's visible text
    errors: list[str] = field(default_factory=list)  # JavaScript errors, console errors, failed requests
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    globals: dict = field(default_factory=dict)


def load_pages(urls: list[str], screenshots: Path, probe: str = "() => ({})") -> dict[str, LoadedPage]:
    """Open each URL, wait for it to load, take a full-page screenshot into `screenshots`,
    and return its text and every error met; `probe` is evaluated in the page."""
    from playwright.sync_api import sync_playwright

    screenshots.mkdir(parents=True, exist_ok=True)
    out: dict[str, LoadedPage] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            for n, url in enumerate(urls):
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                loaded = LoadedPage("")
                page.on("pageerror", lambda err, loaded=loaded: loaded.errors.append(f"JavaScript: {err}"))
                page.on("console", lambda msg, loaded=loaded: loaded.errors.append(f"console: {msg.text}")
                        if msg.type == "error" else None)
                page.on("requestfailed", lambda req, loaded=loaded: loaded.errors.append(f"request failed: {req.url}"))
                page.on("request", lambda req, loaded=loaded: loaded.requests.append(req.url))
                page.goto(url, wait_until="load")
                shot = screenshots / f"{n:02d}_{Path(url).stem or 'page'}.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 1000, f"{url}: empty screenshot"
                loaded.text = page.inner_text("body")
                loaded.globals = page.evaluate(probe)
                out[url] = loaded
                page.close()
        finally:
            browser.close()
    return out
