"""Build the HTML book strictly, executing each notebook once, in parallel.

Jupyter Book's execution cache keys each notebook on its own code cells; it does
not know that the notebooks import ``lecture_kit``. This script keys the cache on
the package too: when any file of ``lecture_kit`` changed since the last build,
the cache is dropped and every notebook runs again. ``--force`` always drops it
(``make test`` and CI use that).

Execution happens *before* Sphinx, in ``--jobs`` worker processes (one per core
by default): each notebook of the table of contents that the cache lacks is run
exactly as myst-nb would run it (``jupyter_cache``'s ``single_nb_execution``, in
the notebook's folder, with the configured timeout, errors not allowed; the
kernel on Unix sockets, ``local_kernel``) and
stored in the cache myst-nb reads (``_build/.jupyter_cache``, as myst-nb itself
stores it). The Sphinx build then finds every notebook in the cache and executes
nothing. A notebook that fails is *not* cached: the build executes it again and
fails with myst-nb's own report. The test suite reuses the same executions to
compare the checked outputs (``tests/test_notebooks.py``).

The build is strict: warnings are errors (``-W``), references are checked
(``-n``), and ``_config.yml`` sets ``execute.raise_on_error`` so that an
exception in any cell fails the build.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import hashlib
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

import quick_imports  # tools/ is on sys.path

quick_imports.skip_iri_grammars()   # before anything imports nbformat

ROOT = Path(__file__).resolve().parent.parent


def package_hash(root: Path = ROOT) -> str:
    """SHA-256 over the paths and contents of every file in ``lecture_kit``."""
    digest = hashlib.sha256()
    for path in sorted((root / "lecture_kit").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


# The stored outputs of the chapters are checked digit for digit (nbval), and some
# experiments (training at the edge of divergence, clipping, Adam near a minimum)
# turn a difference in the last bit into a different printed number. NumPy and
# OpenBLAS pick their machine code by the CPU: AVX-512 kernels on one machine,
# AVX2 on the next, each rounding differently. Every chapter is therefore
# executed with the same code on every x86-64 machine: OpenBLAS's Haswell kernels
# (AVX2 + FMA) and NumPy without its AVX-512 paths (x86-64-v3), one BLAS thread.
# A CPU without AVX2/FMA (or another architecture) runs its own code: its numbers
# may differ in the last digits, and nbval says where.
X86_64_V3_FLAGS = frozenset({"avx2", "fma", "bmi2", "f16c", "movbe"})
PINNED_NUMERICS = {"OPENBLAS_CORETYPE": "Haswell",
                   "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"}


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The flags of the first CPU in ``/proc/cpuinfo`` (empty where there is none)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def numerics_env(flags: frozenset[str] | None = None) -> dict[str, str]:
    """The variables that make every x86-64-v3 machine compute the same bits (above)."""
    flags = cpu_flags() if flags is None else flags
    env = {"OPENBLAS_NUM_THREADS": "1"}
    if X86_64_V3_FLAGS <= flags:
        env.update(PINNED_NUMERICS)
    return env


def build_env(environ=None) -> dict[str, str]:
    """The environment of the build and of every kernel it starts."""
    environ = os.environ if environ is None else environ
    return dict(environ, **numerics_env(), LECTURE_KIT_EXPLORERS="static", MPLBACKEND="Agg",
                PYDEVD_DISABLE_FILE_VALIDATION="1")


def cache_path(source: Path) -> Path:
    """Where myst-nb keeps its execution cache (``<outdir>/../.jupyter_cache``)."""
    return source / "_build" / ".jupyter_cache"


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


def toc_notebooks(source: Path) -> list[Path]:
    """The ``.ipynb`` files of the table of contents (only those are built)."""
    toc = yaml.safe_load((source / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    found = []
    for name in names:
        path = source / name
        candidate = path if path.suffix == ".ipynb" else path.with_suffix(".ipynb")
        if candidate.is_file():
            found.append(candidate.resolve())
    return found


def _execution_settings(source: Path) -> tuple[int, bool]:
    execute = (yaml.safe_load((source / "_config.yml").read_text()) or {}).get("execute") or {}
    return int(execute.get("timeout", 30)), bool(execute.get("allow_errors", False))


@dataclasses.dataclass
class Execution:
    """One execution of one notebook: the executed notebook, or why it failed."""

    path: Path
    notebook: object | None            # nbformat.NotebookNode with outputs
    error: str | None                  # traceback text when a cell failed
    seconds: float
    cache_pk: int | None = None        # its record in the jupyter-cache, if cached

    @property
    def ok(self) -> bool:
        return self.error is None


def _worker_init(env: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(env)


@contextlib.contextmanager
def local_kernel():
    """Traitlets configuration for an executor's kernel that talks to it over Unix
    sockets in a private temporary folder (mode 700), removed afterwards: no TCP
    port on localhost, which every other user of the machine can reach, and none
    of the warning ipykernel 7 prints on every start of a TCP kernel without
    encryption ("Kernel is running over TCP without encryption"). On Windows,
    where ZeroMQ has no Unix sockets, the default (TCP) configuration.
    """
    from traitlets.config import Config

    if os.name == "nt":
        yield Config()
        return
    with tempfile.TemporaryDirectory(prefix="lk-kernel-") as folder:
        config = Config()
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = str(Path(folder) / "k")   # sockets k-1 ... k-5
        yield config


def _execute_one(path: str, timeout: int, allow_errors: bool):
    """Run in a worker process: execute ``path`` as myst-nb's cache mode does."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    text = Path(path).read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)       # myst-nb's standard_nb_read
    with local_kernel() as config:
        result = single_nb_execution(nb, cwd=str(Path(path).parent), timeout=timeout,
                                     allow_errors=allow_errors, meta_override=True,
                                     config=config)
    return nbformat.writes(nb), result.exc_string if result.err is not None else None, \
        result.time


def execute(source: Path, notebooks: list[Path] | None = None, *, jobs: int | None = None,
            force: bool = False, log=print) -> dict[Path, Execution]:
    """Execute notebooks in parallel and store the successful ones in the build cache.

    ``notebooks`` defaults to those of the table of contents. Without ``force``,
    a notebook already in the cache is not executed again (it is returned from
    the cache). Returns ``{path: Execution}`` in the order given.
    """
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    source = source.resolve()
    notebooks = toc_notebooks(source) if notebooks is None else [p.resolve() for p in notebooks]
    jobs = jobs or default_jobs()
    timeout, allow_errors = _execution_settings(source)
    cache = get_cache(str(cache_path(source)))
    out: dict[Path, Execution] = {}
    todo = []
    for path in notebooks:
        if not force:
            nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
            try:
                record = cache.match_cache_notebook(nb)
            except KeyError:
                pass
            else:
                _, merged = cache.merge_match_into_notebook(nb)
                out[path] = Execution(path, merged, None, 0.0, record.pk)
                continue
        todo.append(path)
    if not todo:
        return out
    log(f"executing {len(todo)} notebook(s) with {min(jobs, len(todo))} worker(s)")
    start = time.monotonic()
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(
            max_workers=min(jobs, len(todo)), mp_context=ctx,
            initializer=_worker_init, initargs=(build_env(),)) as pool:
        # longest first would be ideal; the stored execution time is unknown on a
        # fresh clone, so keep the order of the book (it mixes long and short).
        futures = {pool.submit(_execute_one, str(p), timeout, allow_errors): p for p in todo}
        for future in concurrent.futures.as_completed(futures):
            path = futures[future]
            try:
                text, error, seconds = future.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker is a failed notebook
                out[path] = Execution(path, None, f"{type(exc).__name__}: {exc}", 0.0)
                log(f"  FAILED {path.relative_to(source)}: worker crashed: {exc}")
                continue
            nb = nbformat.reads(text, as_version=4)
            execution = Execution(path, nb, error, seconds)
            if error is None:
                # exactly what myst-nb's NotebookClientCache does after executing
                stage = cache.add_nb_to_project(str(path))
                record = cache.cache_notebook_bundle(
                    CacheBundleIn(nb, stage.uri, data={"execution_seconds": seconds}),
                    check_validity=False, overwrite=True)
                execution.cache_pk = record.pk
                log(f"  executed {path.relative_to(source)} in {seconds:.1f} s")
            else:
                log(f"  FAILED {path.relative_to(source)} after {seconds:.1f} s "
                    "(not cached: the build will report it)")
            out[path] = execution
    log(f"executed {len(todo)} notebook(s) in {time.monotonic() - start:.1f} s")
    return {p: out[p] for p in notebooks if p in out}


def prepare_cache(source: Path, *, force: bool = False) -> None:
    """Drop the execution cache when forced or when ``lecture_kit`` changed."""
    builddir = source / "_build"
    stamp = builddir / ".lecture_kit.sha256"
    if force or not stamp.exists() or stamp.read_text() != _current_hash(source):
        shutil.rmtree(cache_path(source), ignore_errors=True)


def _current_hash(source: Path) -> str:
    return package_hash(source if (source / "lecture_kit").is_dir() else ROOT)


def run_jupyter_book(source: Path, *, all_pages: bool = False) -> int:
    """``jupyter-book build -W -n --keep-going`` (``--all`` rewrites every page)."""
    # the jupyter-book command, with the import guard of quick_imports first
    cmd = [sys.executable, "-c", f"{quick_imports.PRELUDE}; sys.argv[0] = 'jupyter-book'; "
           "from jupyter_book.cli.main import main; sys.exit(main())",
           "build", "-W", "-n", "--keep-going"]
    if all_pages:
        cmd.append("--all")
    cmd.append(str(source))
    result = subprocess.run(cmd, env=build_env(), cwd=source)
    if result.returncode == 0:
        polish_html(source / "_build" / "html")
        builddir = source / "_build"
        builddir.mkdir(parents=True, exist_ok=True)
        (builddir / ".lecture_kit.sha256").write_text(_current_hash(source))
    return result.returncode


# ---------------------------------------------------------------------------
# After the build: what the theme and myst-nb emit that fails an accessibility
# audit, and TeX in the search titles (tests/test_a11y.py checks the result)
# ---------------------------------------------------------------------------

_GREEK = {n: c for n, c in zip(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta kappa lambda mu nu xi pi rho "
    "sigma tau phi varphi chi psi omega Gamma Delta Theta Lambda Sigma Phi Psi Omega".split(),
    "αβγδεεζηθκλμνξπρστφφχψωΓΔΘΛΣΦΨΩ")}
_SYMBOLS = dict(_GREEK, cdot="·", times="×", le="≤", leq="≤", ge="≥", geq="≥", ne="≠",
                approx="≈", to="→", infty="∞", partial="∂", nabla="∇", sqrt="√", pm="±")


def tex_to_text(text: str) -> str:
    """Plain text for TeX in a title: ``"The best \\beta"`` -> ``"The best β"``.

    >>> tex_to_text(r"The effective step: \\eta/(1 - \\beta)")
    'The effective step: η/(1 - β)'
    >>> tex_to_text(r"Smooth at zero only when \\(\\alpha = 1\\)")
    'Smooth at zero only when α = 1'
    """
    import re

    text = re.sub(r"\\[()\[\]]", "", text).replace("$", "")
    text = re.sub(r"\\[tdc]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"\1/\2", text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _SYMBOLS.get(m.group(1), ""), text)
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "")).strip()


# exact strings the pinned theme/myst-nb write -> what they become (see polish_html)
_HTML_FIXES = (
    # myst-nb's "Show code cell source" toggle is named "Toggle hidden content" for screen
    # readers: the visible text is not part of its name (axe: label-content-name-mismatch)
    ('<summary aria-label="Toggle hidden content">', "<summary>"),
    # the theme's search button reads "Search Ctrl+K" but is named "Search" (same rule):
    # let its visible text name it
    ('title="Search" aria-label="Search" data-bs-placement', 'title="Search" data-bs-placement'),
)


def polish_html(html_dir: Path) -> None:
    """Fix the built HTML in place (idempotent): the names of two controls (see
    ``_HTML_FIXES``), the theme switcher's icons hidden from screen readers (the
    button's name is "Color mode"; the icons' titles "Light"/"Dark" made a
    mismatching visible name), and TeX in the titles of ``searchindex.js``
    (shown as search results; the snippets are made text by ``_static/lk-search.js``).
    """
    import json
    import re

    for page in html_dir.rglob("*.html"):
        text = original = page.read_text(encoding="utf-8")
        for old, new in _HTML_FIXES:
            text = text.replace(old, new)
        text = re.sub(r'(<i class="theme-switch [^"]*" data-mode="[a-z]+") +title="[^"]*">',
                      r'\1 aria-hidden="true">', text)
        if text != original:
            page.write_text(text, encoding="utf-8")
    index = html_dir / "searchindex.js"
    if index.exists():
        raw = index.read_text(encoding="utf-8")
        head, body = raw[:raw.index("(") + 1], raw[raw.index("(") + 1:raw.rindex(")")]
        data = json.loads(body)
        data["titles"] = [tex_to_text(t) if "\\" in t or "$" in t else t
                          for t in data["titles"]]
        data["alltitles"] = {(tex_to_text(k) if "\\" in k or "$" in k else k): v
                             for k, v in data["alltitles"].items()}
        index.write_text(head + json.dumps(data, separators=(",", ":"), ensure_ascii=False)
                         + raw[raw.rindex(")"):], encoding="utf-8")


def build(source: Path, *, force: bool = False, jobs: int | None = None,
          executed: bool = False) -> int:
    """Build the book whose ``_config.yml`` is in ``source`` into ``source/_build``.

    With ``force``, every notebook is executed again and every page rewritten.
    ``executed=True`` means the caller has just run :func:`execute` (with
    ``force``): the cache is kept and nothing is executed here.
    Returns the exit code of ``jupyter-book build``.
    """
    if not executed:
        prepare_cache(source, force=force)
        execute(source, jobs=jobs)
    return run_jupyter_book(source, all_pages=force)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true",
                        help="re-execute every notebook and rewrite every page")
    parser.add_argument("--jobs", type=int, default=None,
                        help="notebooks executed at once (default: one per core)")
    args = parser.parse_args(argv)
    code = build(ROOT, force=args.force, jobs=args.jobs)
    if code == 0:
        print(f"\nThe book is ready: open {ROOT / '_build' / 'html' / 'index.html'}")
    else:
        print("\nThe book build FAILED (see the messages above).", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
