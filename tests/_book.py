"""Helpers shared by the build, notebook and browser tests.

Building, serving a folder on 127.0.0.1, pages with the network blocked, the
audit of a page, and nbval's comparison replayed on an already executed
notebook. The fixtures built on these live in ``tests/conftest.py``; their API
is summed up in CONTRIBUTING.md ("Shared fixtures").
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import itertools
import os
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

# THE browser timeout, for every navigation and every wait of every browser test
# (Playwright's default is 30 s). On the shared 2-core machine a chapter page took
# 180 s to settle under load (TOOLCHAIN.md), so be generous; a real hang still
# fails, just later. Override with LK_BROWSER_TIMEOUT (seconds).
PAGE_TIMEOUT_S = float(os.environ.get("LK_BROWSER_TIMEOUT", "420"))
PAGE_TIMEOUT_MS = PAGE_TIMEOUT_S * 1000
# How often a wait re-checks its condition in the page (milliseconds): on a timer,
# never on animation frames, which a page Chromium does not paint may never get.
POLL_MS = 100
# The page audit screenshots a page that has problems; LK_SCREENSHOTS=all
# screenshots every page (a full-page PNG costs about as much as the audit).
SCREENSHOT_ALL = os.environ.get("LK_SCREENSHOTS", "") == "all"

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


def book_notebooks() -> list[Path]:
    """Every notebook under ``book/`` (what nbval used to collect), sorted."""
    return sorted(p for p in (ROOT / "book").rglob("*.ipynb")
                  if not {"_build", ".ipynb_checkpoints"} & set(p.parts))


# ---------------------------------------------------------------------------
# Serving a folder
# ---------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve ``directory`` on 127.0.0.1 (a free port) for the duration of the block.

    Yields the base URL, e.g. ``http://127.0.0.1:41234``.
    """
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
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
    if parsed.scheme == "file":
        return True
    return parsed.hostname in ("127.0.0.1", "localhost")


# ---------------------------------------------------------------------------
# A page with the network blocked
# ---------------------------------------------------------------------------

class OfflinePage:
    """A page in its own browser context; nothing leaves 127.0.0.1.

    Every request to another host is aborted and its URL appended to
    ``external``; console errors and uncaught page errors go to ``console``.
    Every wait and navigation uses :data:`PAGE_TIMEOUT_MS`. Close it (or use
    the ``offline_page`` fixture, which does).
    """

    def __init__(self, browser, **context_options):
        context_options.setdefault("viewport", {"width": 1280, "height": 900})
        self.external: list[str] = []
        self.console: list[str] = []
        self.context = browser.new_context(**context_options)
        self.context.set_default_timeout(PAGE_TIMEOUT_MS)   # also when given a raw Browser
        self.context.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.inflight: dict[str, int] = {}
        self.page.on("request", self._started)
        self.page.on("requestfinished", self._ended)
        self.page.on("requestfailed", self._ended)
        self.page.on("console",
                     lambda m: self.console.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console.append(f"page error: {e}"))

    def _route(self, route):
        if is_local(route.request.url):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def _started(self, request):
        self.inflight[request.url] = self.inflight.get(request.url, 0) + 1

    def _ended(self, request):
        n = self.inflight.get(request.url, 0) - 1
        if n > 0:
            self.inflight[request.url] = n
        else:
            self.inflight.pop(request.url, None)

    def pending_requests(self) -> list[str]:
        """Requests started and not yet finished or failed (e.g. after a timeout)."""
        return [url[:120] for url in self.inflight]

    def unexpected_console_errors(self) -> list[str]:
        return [m for m in self.console if not any(a in m for a in CONSOLE_ALLOW)]

    def close(self) -> None:
        self.context.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class MathJaxMissing(AssertionError):
    """The page finished loading but MathJax never started (blocked or broken script)."""


_SETTLE_START = """([key, source, arg]) => {
  window[key] = {done: false};
  Promise.resolve()
    .then(() => (0, eval)("(" + source + ")")(arg))
    .then((value) => { window[key] = {done: true, value}; },
          (error) => { window[key] = {done: true, error: String((error && error.stack) || error)}; });
}"""
_settled = itertools.count()


class PageScriptError(AssertionError):
    """A page function run by :func:`settle` threw or rejected."""


def settle(page, function: str, arg=None, timeout_ms: float | None = None):
    """``page.evaluate(function, arg)`` for a function that returns a promise, with
    a timeout.

    Playwright's ``evaluate`` has no timeout: a promise that never settles (MathJax
    or a font that never finishes, a stalled audit) would block the test, and the
    whole run, for ever. Here the promise is started in the page, its outcome kept
    in a page variable, and waited for with ``wait_for_function``, whose timeout
    (:data:`PAGE_TIMEOUT_MS` unless given) Playwright enforces outside the page.
    Polls every :data:`POLL_MS` (not on animation frames, which a page that is not painted
    may not get). A page whose main thread never returns blocks even the first
    ``evaluate``: the suite's per-test timeout (pytest-timeout, pyproject.toml)
    is the last resort there.
    """
    key = f"__lkSettle{next(_settled)}"
    page.evaluate(_SETTLE_START, [key, function, arg])
    page.wait_for_function(f"() => window[{key!r}].done", polling=POLL_MS,
                           timeout=PAGE_TIMEOUT_MS if timeout_ms is None else timeout_ms)
    outcome = page.evaluate(f"() => {{ const o = window[{key!r}]; delete window[{key!r}]; return o; }}")
    if "error" in outcome:
        raise PageScriptError(f"{function[:80]!r} failed in the page: {outcome['error']}")
    return outcome.get("value")


def wait_for_mathjax(page) -> None:
    """Wait until MathJax has finished its first typesetting pass.

    Explicit signals only, never a sleep: the page's ``load`` event (by then
    MathJax's script, loaded with the page, has run or failed), then MathJax's
    own ``MathJax.startup.promise``, which resolves when the page is typeset.
    Raises :class:`MathJaxMissing` at once if the script never ran, and
    Playwright's TimeoutError after :data:`PAGE_TIMEOUT_MS` if typesetting
    never ends (through :func:`settle`).
    """
    page.wait_for_load_state("load")
    started = page.evaluate(
        "() => !!(window.MathJax && MathJax.startup && MathJax.startup.promise)")
    if not started:
        raise MathJaxMissing("MathJax's script did not run (blocked, missing or broken)")
    settle(page, "() => MathJax.startup.promise.then(() => true)")


class SharedBrowser:
    """The run's Playwright ``Browser``, whose new pages and contexts all get
    :data:`PAGE_TIMEOUT_MS` as their default timeout (the ONE place it is set).
    Everything else is delegated to the Playwright object.
    """

    def __init__(self, browser):
        self._browser = browser

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        context.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
        return context

    def new_page(self, **options):
        page = self._browser.new_page(**options)
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
        return page


# ---------------------------------------------------------------------------
# The audit of one page of the book
# ---------------------------------------------------------------------------

def completeness_problems(offline: "OfflinePage", response) -> list[str]:
    """What :class:`PageAudit` checks on a page that is loading or loaded in
    ``offline`` (``response``: its navigation's): HTTP 200; no request left
    127.0.0.1 (they are blocked and recorded); MathJax typeset every math element
    and no raw TeX delimiter is left; no console error outside the allow-list;
    every image has alternative text. Waits on the ``load`` event, MathJax's
    promise, ``document.fonts.ready`` and every image's ``complete``. The page
    audit of ``tests/test_a11y.py`` calls it on its own first load of each page.
    """
    page, problems = offline.page, []
    if response is None or response.status != 200:
        problems.append(f"HTTP status {None if response is None else response.status}")
    page.wait_for_load_state("load")
    n_math = page.locator(".math").count()
    if n_math:
        try:
            wait_for_mathjax(page)
        except MathJaxMissing as exc:
            problems.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - reported as a problem
            problems.append(f"MathJax never finished typesetting: {type(exc).__name__}")
        typeset = page.locator(".math mjx-container").count()
        if typeset < n_math:
            problems.append(f"only {typeset} of {n_math} math elements typeset by MathJax")
        raw = page.evaluate(
            "() => Array.from(document.querySelectorAll('.math'))"
            ".filter(e => /\\$\\$|\\\\\\(|\\\\\\[/.test(e.innerText)).length"
        )
        if raw:
            problems.append(f"{raw} math elements still show raw TeX delimiters")
    # Explicit signals instead of Playwright's "networkidle" (discouraged by
    # Playwright, and seen never to fire here with routing on): every font
    # the page uses is loaded, and every image has finished (or failed).
    settle(page, "() => document.fonts.ready.then(() => true)")
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)",
                           polling=POLL_MS)
    missing_alt = page.evaluate(
        "() => Array.from(document.images).filter(i => !(i.getAttribute('alt') || '').trim())"
        ".map(i => (i.getAttribute('src') || '').slice(0, 60))"
    )
    if missing_alt:
        problems.append(f"images without alt text: {missing_alt}")
    if offline.external:
        problems.append("requests outside 127.0.0.1 were attempted: "
                        f"{sorted(set(offline.external))}")
    bad_console = offline.unexpected_console_errors()
    if bad_console:
        problems.append(f"console errors: {bad_console}")
    return problems


class PageAudit:
    """Audit one page in two halves, so that pages can load concurrently.

    ``start()`` opens the page and begins navigation; ``finish()`` waits for the
    page to settle and returns every problem found (an empty list is a pass).
    Checks: HTTP 200; no request leaves 127.0.0.1 (they are blocked and
    recorded); MathJax typeset every math element; no console error outside the
    allow-list; every image has alternative text. Waits on the ``load`` event,
    MathJax's promise, ``document.fonts.ready`` and every image's ``complete``.
    """

    def __init__(self, browser, url: str, screenshot: Path | None = None):
        self.browser, self.url, self.screenshot = browser, url, screenshot
        self.offline: OfflinePage | None = None
        self.response = None
        self.problems: list[str] = []

    def start(self) -> "PageAudit":
        self.offline = OfflinePage(self.browser)
        try:
            self.response = self.offline.page.goto(self.url, wait_until="commit")
        except Exception as exc:  # noqa: BLE001 - reported as a problem
            self.problems.append(f"navigation failed: {type(exc).__name__}: {exc}")
        return self

    def finish(self) -> list[str]:
        if self.offline is None:
            self.start()
        try:
            if not self.problems:
                self._check()
        finally:
            self.offline.close()
        return self.problems

    def _check(self) -> None:
        page, problems = self.offline.page, self.problems
        problems += completeness_problems(self.offline, self.response)
        if self.screenshot is not None and (problems or SCREENSHOT_ALL):
            self.screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(self.screenshot), full_page=True)


def audit_page(browser, url: str, screenshot: Path | None = None) -> list[str]:
    """Audit one page (see :class:`PageAudit`) and return its problems."""
    return PageAudit(browser, url, screenshot).start().finish()


# ---------------------------------------------------------------------------
# nbval's checks, replayed on a notebook that was executed once for the build
# ---------------------------------------------------------------------------

class ReplayKernel:
    """Stands in for nbval's ``RunningKernel``: replays recorded outputs.

    nbval sends each code cell's source in order; this kernel answers with the
    outputs the shared execution recorded for that cell, as the iopub messages
    a live kernel would have sent. Cells after a failed one were never run:
    they answer with an error saying so.
    """

    def __init__(self, executed_nb, error: str | None = None):
        self._cells = [c for c in executed_nb.cells if c.cell_type == "code"]
        self._error = error
        self._next = 0
        self._queue: list[dict] = []
        self._failed_at: int | None = None
        for i, cell in enumerate(self._cells):
            allowed = "raises-exception" in cell.get("metadata", {}).get("tags", [])
            if not allowed and any(o.get("output_type") == "error"
                                   for o in cell.get("outputs", [])):
                self._failed_at = i
                break

    def is_alive(self) -> bool:
        return True

    def execute_cell_input(self, source, allow_stdin=None):
        # nbval skips cells (nbval-skip) without sending them: find this one by source
        i = self._next
        while i < len(self._cells) and self._cells[i].source != source:
            i += 1
        if i == len(self._cells):
            raise RuntimeError("the executed notebook has no cell with this source: "
                               f"{source[:80]!r}")
        self._next = i + 1
        msg_id = f"replay-{i}"
        cell = self._cells[i]
        outputs = cell.get("outputs", [])
        if self._failed_at is not None and i > self._failed_at:
            outputs = [{"output_type": "error", "ename": "NotExecuted",
                        "evalue": f"code cell {self._failed_at} raised, so the shared "
                                  "execution stopped there", "traceback": []}]
        elif self._error is not None and self._failed_at is None and not outputs \
                and cell.get("execution_count") is None:
            outputs = [{"output_type": "error", "ename": "NotExecuted",
                        "evalue": "the shared execution failed before this cell",
                        "traceback": self._error.splitlines()}]
        for out in outputs:
            kind = out["output_type"]
            if kind == "stream":
                content = {"name": out["name"], "text": out["text"]}
            elif kind in ("display_data", "execute_result"):
                content = {"data": out.get("data", {}), "metadata": out.get("metadata", {})}
                if kind == "execute_result":
                    content["execution_count"] = out.get("execution_count")
            elif kind == "error":
                content = {"ename": out["ename"], "evalue": out["evalue"],
                           "traceback": out.get("traceback", [])}
            else:
                continue
            self._queue.append(_message(kind, content, msg_id))
        self._queue.append(_message("status", {"execution_state": "idle"}, msg_id))
        return msg_id

    def await_reply(self, msg_id, timeout=None):
        return None

    def await_idle(self, msg_id, timeout=None):
        self._queue = [m for m in self._queue if m["parent_header"]["msg_id"] != msg_id]

    def get_message(self, stream, timeout=None):
        import queue

        if not self._queue:
            raise queue.Empty
        return self._queue.pop(0)

    def interrupt(self):
        pass

    def stop(self):
        pass


def _message(kind: str, content: dict, msg_id: str) -> dict:
    return {"msg_type": kind, "content": content, "parent_header": {"msg_id": msg_id},
            "header": {"msg_type": kind}}


def nbval_failures(session, path: Path, executed_nb, error: str | None = None,
                   sanitize: Path = ROOT / "tests" / "nbval_sanitize.cfg") -> list[str]:
    """Run nbval's own per-cell checks of ``path`` (as ``--nbval-lax``) against
    an already executed copy of it, and return one report per failing cell.

    nbval's collector reads the committed notebook and decides, from its tags
    and comments, which cells are checked; nbval's ``runtest`` compares the
    outputs (with the sanitize patterns) exactly as it would after running a
    kernel. Only the kernel is replaced, by :class:`ReplayKernel`.
    """
    import pytest
    from nbval.plugin import IPyNbFile, NbCellError, get_sanitize_patterns

    nbfile = IPyNbFile.from_parent(session, path=Path(path))
    nbfile.compare_outputs = False          # --nbval-lax: only tagged cells are compared
    nbfile.sanitize_patterns.update(get_sanitize_patterns(sanitize.read_text()))
    nbfile.kernel = ReplayKernel(executed_nb, error)
    failures = []
    for cell in nbfile.collect():
        try:
            cell.runtest()
        except pytest.skip.Exception:
            continue
        except NbCellError as exc:
            failures.append(_repr_nbval_failure(cell, exc))
    return failures


def _repr_nbval_failure(cell, exc) -> str:
    class _Info:               # what IPyNbCell.repr_failure reads of an ExceptionInfo
        value = exc

    path = Path(str(cell.fspath))
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return f"{shown}::{cell.name}\n{cell.repr_failure(_Info)}"
