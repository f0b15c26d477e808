"""Helpers shared by the build and browser tests: building, serving, auditing pages."""

from __future__ import annotations

import contextlib
import functools
import http.server
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic",
]

# Jupyter Book 1 pages log exactly these benign console errors (see TOOLCHAIN.md).
CONSOLE_ALLOW = (
    "THEBE_JS_URL",                      # duplicate declaration by sphinx-thebe/book theme
    "Got invalid theme mode: . Resetting to auto.",  # pydata theme, first visit (no stored mode)
)

sys.path.insert(0, str(ROOT / "tools"))

import chromium as _chromium  # noqa: E402  (tools/chromium.py: the one discovery function)


def chromium_executable() -> Path:
    """The Chromium the browser tests drive (``tools/chromium.py``), or a failure saying how
    to get one. ``make test`` checks this before it runs anything (``make chromium``)."""
    found = _chromium.find_chromium()
    assert found is not None, _chromium.missing_message()
    return found


# Kept for code that reads the path directly; the tests call chromium_executable().
try:
    CHROMIUM = _chromium.find_chromium() or Path("/usr/bin/chromium")
except _chromium.ChromiumError:
    CHROMIUM = Path("/usr/bin/chromium")


def toc_pages() -> list[str]:
    """Document names listed in _toc.yml (root first), e.g. ``book/intro``."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [str(Path(p).with_suffix("")) for p in pages]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve ``directory`` on 127.0.0.1 (a free port) for the duration of the block."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    return parsed.hostname in ("127.0.0.1", "localhost")


def audit_page(page, url: str, screenshot: Path | None = None) -> list[str]:
    """Load ``url`` in a Playwright page and return every problem found.

    Checks: HTTP 200; no request leaves 127.0.0.1 (they are blocked and
    recorded); MathJax typeset every math element; no console error outside the
    allow-list; every image has alternative text.
    """
    problems: list[str] = []
    external: list[str] = []
    console: list[str] = []

    def route(r):
        if is_local(r.request.url):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"page error: {e}"))
    response = page.goto(url, wait_until="load")
    if response is None or response.status != 200:
        problems.append(f"HTTP status {None if response is None else response.status}")
    n_math = page.locator(".math").count()
    if n_math:
        try:
            page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                timeout=15000,
            )
            page.evaluate("() => MathJax.startup.promise")
        except Exception as exc:  # noqa: BLE001 - reported as a problem
            problems.append(f"MathJax never started: {type(exc).__name__}")
        typeset = page.locator(".math mjx-container").count()
        if typeset < n_math:
            problems.append(f"only {typeset} of {n_math} math elements typeset by MathJax")
        raw = page.evaluate(
            "() => Array.from(document.querySelectorAll('.math'))"
            ".filter(e => /\\$\\$|\\\\\\(|\\\\\\[/.test(e.innerText)).length"
        )
        if raw:
            problems.append(f"{raw} math elements still show raw TeX delimiters")
    page.wait_for_load_state("networkidle")
    missing_alt = page.evaluate(
        "() => Array.from(document.images).filter(i => !(i.getAttribute('alt') || '').trim())"
        ".map(i => (i.getAttribute('src') || '').slice(0, 60))"
    )
    if missing_alt:
        problems.append(f"images without alt text: {missing_alt}")
    if external:
        problems.append(f"requests outside 127.0.0.1 were attempted: {sorted(set(external))}")
    bad_console = [m for m in console if not any(a in m for a in CONSOLE_ALLOW)]
    if bad_console:
        problems.append(f"console errors: {bad_console}")
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    return problems
