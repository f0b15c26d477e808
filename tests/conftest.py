"""Shared fixtures and the suite's scheduling. Warnings are errors (pyproject.toml).

Fixtures for other test modules (details in CONTRIBUTING.md, "Shared fixtures"):

* ``executed_notebooks`` (session): every notebook of ``book/`` executed ONCE, in
  parallel, as the build executes it; ``{Path: build_book.Execution}``.
* ``built_book`` (session): the strict build of the whole book from those
  executions (it executes nothing itself); the path of ``_build/html``.
* ``browser`` (session): the one Chromium of this worker (Playwright, Debian's
  binary), launched once.
* ``offline_page``: a factory of :class:`_book.OfflinePage` (its own context,
  every request outside 127.0.0.1 blocked and recorded, one timeout for all
  waits); closed after the test.
* ``serve_folder`` (session): ``serve_folder(path) -> "http://127.0.0.1:port"``,
  one server per folder for the whole run. ``book_site`` = the built book served.

Scheduling under pytest-xdist (``make test`` runs ``-n auto --dist loadgroup``):
every test that needs the executed chapters or the built book
(``executed_notebooks``, ``built_book``, ``book_site``) runs in the xdist group
``book`` (one worker: one execution, one build), ordered notebooks -> build ->
browser. A test that only needs a browser (the grading report's audit, the
JupyterLab test, the derivations' typesetting) does not wait for the book: it
runs wherever it is scheduled, with that worker's own Chromium (session
fixtures are per worker: at most one Chromium per worker). A module whose tests
share a module- or class-scoped fixture stays on one worker, so that fixture is
built once; everything else is spread out.
"""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

# Fixtures that tie a test to the one execution and build of the run.
BOOK_FIXTURES = {"executed_notebooks", "built_book", "book_site"}
BOOK_GROUP = "book"
# When a test carries several stage markers, the first listed here wins; the
# other markers declared in pyproject.toml follow in their order; unmarked
# tests (and doctests) are "unit".
STAGE_PRIORITY = ("browser", "build", "notebooks")
# Order of the book group: each stage's session fixture is set up (and timed) in
# the first test of that stage.
BOOK_ORDER = ("notebooks", "build", "browser")


@pytest.fixture(autouse=True)
def _numpy_errors_raise():
    """Any floating-point warning inside a test is a failure."""
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        yield


@pytest.fixture
def rng():
    """A seeded generator: every test that draws random numbers is reproducible."""
    return np.random.default_rng(20261123)


# ---------------------------------------------------------------------------
# The book: executed once, built once
# ---------------------------------------------------------------------------

class Executions(dict):
    """``{notebook path: build_book.Execution}``; ``finished`` = UTC time of the end."""

    finished = None


@pytest.fixture(scope="session")
def executed_notebooks() -> Executions:
    """Execute every notebook of ``book/`` once, in parallel (one worker per core).

    The executions are stored in the build's jupyter-cache exactly as myst-nb
    stores its own, so ``built_book`` executes nothing; ``test_notebooks.py``
    replays nbval's checks on them. A notebook whose cell raises is not cached
    (the build then executes it again and fails with myst-nb's report).
    """
    import datetime

    from _book import ROOT, book_notebooks  # first: it puts tools/ on sys.path

    import build_book

    build_book.prepare_cache(ROOT, force=True)
    out = Executions(build_book.execute(ROOT, book_notebooks(), force=True))
    out.finished = datetime.datetime.now(datetime.timezone.utc)
    return out


@pytest.fixture(scope="session")
def built_book(executed_notebooks):
    """The strict build of the whole book (every page rewritten), from the shared
    executions. Returns the path of ``_build/html``. A failed build fails every
    test that needs it, with the exit code in the message.
    """
    from _book import HTML, ROOT  # first: it puts tools/ on sys.path

    import build_book

    code = build_book.run_jupyter_book(ROOT, all_pages=True)
    assert code == 0, f"strict book build failed with exit code {code} (see output above)"
    return HTML


# ---------------------------------------------------------------------------
# The browser, pages with the network blocked, local servers
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    """A local Chromium (tools/chromium.py finds it) driven by Playwright, one per run.

    A :class:`_book.SharedBrowser`: ``new_page()``/``new_context()`` come with the
    suite's one generous timeout. Prefer ``offline_page`` (network blocked).
    """
    from _book import CHROMIUM_ARGS, PAGE_TIMEOUT_MS, SharedBrowser, chromium_executable
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS,
                              timeout=PAGE_TIMEOUT_MS)
        yield SharedBrowser(b)
        b.close()


@pytest.fixture
def offline_page(browser):
    """``offline_page(**context_options) -> OfflinePage``; every one is closed after the test."""
    from _book import OfflinePage

    opened = []

    def make(**context_options):
        page = OfflinePage(browser, **context_options)
        opened.append(page)
        return page

    yield make
    for page in opened:
        page.close()


@pytest.fixture(scope="session")
def serve_folder():
    """``serve_folder(path) -> base URL``: serves ``path`` on 127.0.0.1 until the run ends."""
    from _book import serve

    with contextlib.ExitStack() as stack:
        urls: dict[Path, str] = {}

        def get(path) -> str:
            path = Path(path).resolve()
            if path not in urls:
                urls[path] = stack.enter_context(serve(path))
            return urls[path]

        yield get


@pytest.fixture(scope="session")
def book_site(built_book, serve_folder) -> str:
    """Base URL of the built book, served on 127.0.0.1."""
    return serve_folder(built_book)


# ---------------------------------------------------------------------------
# Scheduling: groups for pytest-xdist, and a useful order
# ---------------------------------------------------------------------------

def _declared_markers(config) -> list[str]:
    return [line.split(":")[0].split("(")[0].strip() for line in config.getini("markers")]


def _stage(keywords, declared) -> str:
    for name in STAGE_PRIORITY:
        if name in keywords:
            return name
    for name in declared:
        if name in keywords and not name.startswith("xdist"):
            return name
    return "unit"


def _wider_scoped_fixtures(item) -> set[str]:
    """Names of the module-, class- or package-scoped fixtures ``item`` uses."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return set()
    return {name for name, defs in info.name2fixturedefs.items()
            if defs and defs[-1].scope in ("module", "class", "package")}


# pytest-xdist 3.8 marks a group by appending "@group" to ``item._nodeid``, which
# pytest 9 no longer reads (``nodeid`` comes from ``item._id``): its loadgroup
# scheduling silently spreads a group over workers. So each worker writes the
# groups it computed to a file named in the environment by the controller, and
# the controller schedules with a LoadScope scheduler reading that file.
_GROUPS_ENV = "LK_XDIST_GROUPS"


def _write_groups(items) -> None:
    import json
    import os

    base = os.environ.get(_GROUPS_ENV)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not base or not worker:
        return
    groups = {}
    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})
        if names:
            groups[item.nodeid] = "_".join(names)
    Path(f"{base}.{worker}").write_text(json.dumps(groups))


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    import json
    import os

    from xdist.scheduler import LoadScopeScheduling

    base = os.environ[_GROUPS_ENV]

    class GroupScheduling(LoadScopeScheduling):
        """``--dist loadgroup`` that works with pytest 9 (see above)."""

        _groups = None

        def _split_scope(self, nodeid: str) -> str:
            if self._groups is None:
                files = sorted(Path(base).parent.glob(Path(base).name + ".*"))
                assert files, "no xdist worker wrote its groups"
                GroupScheduling._groups = json.loads(files[0].read_text())
            return self._groups.get(nodeid, nodeid)

    return GroupScheduling(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    """Put every test that needs the executed or built book in the xdist group
    ``book``, keep modules with shared module/class fixtures on one worker, and
    order the run: the book pipeline first (notebooks, build, browser), then
    the other slow stages, then the unit tests (which fill the other worker).
    """
    declared = _declared_markers(config)
    order = {name: i for i, name in enumerate(BOOK_ORDER)}
    # A module-scoped fixture shared by a book test and other tests of its module
    # would be built twice (once per worker): those tests join the book group too.
    shared_with_book: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if BOOK_FIXTURES & set(getattr(item, "fixturenames", ())):
            shared_with_book[item.nodeid.split("::")[0]] |= _wider_scoped_fixtures(item)
    for item in items:
        module = item.nodeid.split("::")[0]
        uses_book = bool(BOOK_FIXTURES & set(getattr(item, "fixturenames", ()))
                         or shared_with_book[module] & _wider_scoped_fixtures(item))
        if uses_book:
            own = [m for m in item.own_markers if m.name == "xdist_group"]
            for m in own:
                item.own_markers.remove(m)
            if any(True for _ in item.iter_markers("xdist_group")):
                raise pytest.UsageError(
                    f"{item.nodeid} uses the shared book fixtures, so it runs in "
                    f"the xdist group {BOOK_GROUP!r}: remove its other xdist_group mark")
            item.add_marker(pytest.mark.xdist_group(BOOK_GROUP))
        elif not any(True for _ in item.iter_markers("xdist_group")) \
                and _wider_scoped_fixtures(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))

    def key(pair):
        i, item = pair
        stage = _stage(item.keywords, declared)
        in_book = any(m.args[:1] == (BOOK_GROUP,) for m in item.iter_markers("xdist_group"))
        if in_book:
            return (0, order.get(stage, len(order)), i)
        return (1 if stage != "unit" else 2, 0, i)

    items[:] = [item for _, item in sorted(enumerate(items), key=key)]
    _write_groups(items)


# ---------------------------------------------------------------------------
# Where the time goes: seconds per stage, printed at the end
# ---------------------------------------------------------------------------

_times: dict[str, float] = defaultdict(float)
_counts: dict[str, set] = defaultdict(set)
_start = [time.monotonic()]


def pytest_sessionstart(session):
    _start[0] = time.monotonic()


_cpu: dict[str, float] = defaultdict(float)
_cpu_by_test: dict[str, float] = defaultdict(float)


def _cpu_seconds() -> float:
    """CPU time of this process and of every child it has waited for (their
    children included when they were waited for in turn)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the CPU seconds of the phase (setup, call or teardown) to its report,
    so that the controller can sum them per stage: wall time on a loaded machine
    says little about cost, CPU time does."""
    outcome = yield
    started = item.stash.get(_CPU_AT, None)
    if started is not None:
        outcome.get_result().user_properties.append(("cpu_seconds", _cpu_seconds() - started))


_CPU_AT = pytest.StashKey[float]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    item.stash[_CPU_AT] = _cpu_seconds()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    item.stash[_CPU_AT] = _cpu_seconds()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    item.stash[_CPU_AT] = _cpu_seconds()
    yield


def pytest_runtest_logreport(report):
    declared = getattr(pytest_runtest_logreport, "declared", None)
    stage = _stage(report.keywords, declared or ())
    _times[stage] += report.duration
    _counts[stage].add(report.nodeid)
    cpu = sum(v for k, v in report.user_properties if k == "cpu_seconds")
    _cpu[stage] += cpu
    _cpu_by_test[f"{report.when:<8} {report.nodeid}"] += cpu


def pytest_configure(config):
    pytest_runtest_logreport.declared = _declared_markers(config)
    if not hasattr(config, "workerinput") and config.getoption("dist", "no") != "no":
        import os
        import tempfile

        folder = tempfile.mkdtemp(prefix="lk-xdist-groups-")
        os.environ[_GROUPS_ENV] = str(Path(folder) / "groups")
        config.add_cleanup(lambda: __import__("shutil").rmtree(folder, ignore_errors=True))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if len(_times) < 2 and not config.getoption("durations", None):
        return
    wall = time.monotonic() - _start[0]
    tr = terminalreporter
    tr.section("time per stage")
    tr.write_line("stage        tests   seconds   cpu s   (setup + call + teardown, summed "
                  "over workers; a session fixture counts in the first test that uses it)")
    for stage, seconds in sorted(_times.items(), key=lambda kv: -kv[1]):
        tr.write_line(f"{stage:<12} {len(_counts[stage]):>5} {seconds:>9.1f} "
                      f"{_cpu[stage]:>7.1f}")
    tr.write_line(f"{'sum':<12} {sum(len(v) for v in _counts.values()):>5} "
                  f"{sum(_times.values()):>9.1f} {sum(_cpu.values()):>7.1f}")
    tr.write_line(f"wall clock of the session: {wall:.1f} s")
    tr.write_line("cpu s: CPU seconds of the worker and of the processes it waited for "
                  "(kernels, builds, graders; the browser's count when it closes)")
    tr.section("most CPU seconds")
    for name, cpu in sorted(_cpu_by_test.items(), key=lambda kv: -kv[1])[:10]:
        tr.write_line(f"{cpu:8.1f}s {name}")
