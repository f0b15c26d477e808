"""nbval's checks on every chapter, replayed on the one execution the build uses.

Each notebook of ``book/`` is executed once per test run (the
``executed_notebooks`` fixture, shared with the strict build). For each
notebook, nbval's own collector and per-cell ``runtest`` (as with
``--nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg``) run against
that execution: a cell that raises fails, and a cell tagged
``nbval-check-output`` whose new outputs differ from the committed ones fails
with nbval's diff. The self-tests at the end plant both failures and compare
the verdicts with nbval itself running its own kernel.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from _book import ROOT, book_notebooks, nbval_failures

import build_book

pytestmark = pytest.mark.notebooks

NOTEBOOKS = book_notebooks()


@pytest.mark.parametrize("path", NOTEBOOKS,
                         ids=[str(p.relative_to(ROOT / "book")) for p in NOTEBOOKS])
def test_notebook_runs_and_checked_outputs_match(path, executed_notebooks, request):
    execution = executed_notebooks[path]
    assert execution.notebook is not None, f"{path} could not be executed: {execution.error}"
    failures = nbval_failures(request.session, path, execution.notebook, execution.error)
    assert not failures, "\n\n".join(failures)
    assert execution.ok, execution.error          # e.g. a timeout outside any cell


def test_every_chapter_checks_some_output():
    """A chapter without a single checked cell would make the comparison vacuous."""
    unchecked = [p.relative_to(ROOT) for p in NOTEBOOKS
                 if not any("nbval-check-output" in c.metadata.get("tags", [])
                            for c in nbformat.read(p, as_version=4).cells)]
    assert unchecked == []


# ---------------------------------------------------------------------------
# Self-tests: the replay fails where nbval fails, and passes where it passes
# ---------------------------------------------------------------------------

CASES = {
    # name: (cells [(source, tags)], stored outputs of the checked cell or None)
    "same-number": ([("x = 2 / 3", []), ("print(f'{x:.4f}')", ["nbval-check-output"])],
                    "0.6667\n"),
    "changed-number": ([("x = 2 / 3", []), ("print(f'{x:.4f}')", ["nbval-check-output"])],
                       "0.6668\n"),
    "unchecked-change": ([("print(f'{2 / 3:.4f}')", [])], None),
    "raising-cell": ([("x = 1", []), ("raise RuntimeError('planted failure')", []),
                      ("print(x)", ["nbval-check-output"])], "1\n"),
    "sanitized-address": ([("print(hex(id(object())))", ["nbval-check-output"])],
                          "0x7f0011223344\n"),
}
EXPECTED_TO_PASS = {"same-number": True, "changed-number": False, "unchecked-change": True,
                    "raising-cell": False, "sanitized-address": True}


def _write_case(folder: Path, name: str) -> Path:
    cells, stored = CASES[name]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    for i, (source, tags) in enumerate(cells):
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": tags} if tags else {})
        if "nbval-check-output" in tags and stored is not None:
            cell.execution_count = i + 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored)]
        nb.cells.append(cell)
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """The planted notebooks, executed by the build's own execution step."""
    folder = tmp_path_factory.mktemp("planted")
    shutil.copy(ROOT / "_config.yml", folder / "_config.yml")
    paths = {name: _write_case(folder, name) for name in CASES}
    executions = build_book.execute(folder, list(paths.values()), force=True)
    return folder, paths, executions


@pytest.mark.parametrize("name", list(CASES))
def test_replay_verdict_is_the_expected_one(planted, request, name):
    _, paths, executions = planted
    execution = executions[paths[name].resolve()]
    failures = nbval_failures(request.session, paths[name], execution.notebook, execution.error)
    assert (not failures) is EXPECTED_TO_PASS[name], failures
    if name == "changed-number":
        assert "0.6668" in failures[0] and "0.6667" in failures[0]
    if name == "raising-cell":
        assert "planted failure" in "\n".join(failures)
        assert not execution.ok                        # and the build would not reuse it


def test_replay_agrees_with_nbval_running_its_own_kernel(planted, tmp_path):
    """The oracle: nbval itself, with a live kernel, on the same planted notebooks."""
    folder, paths, _ = planted
    report = tmp_path / "report.json"
    plugin = tmp_path / "verdicts.py"
    plugin.write_text(
        "import json, collections\n"
        "v = collections.defaultdict(lambda: True)\n"
        "def pytest_runtest_logreport(report):\n"
        "    name = report.nodeid.split('::')[0].rsplit('/', 1)[-1][:-len('.ipynb')]\n"
        "    v[name] = v[name] and not report.failed\n"
        f"def pytest_sessionfinish(session):\n"
        f"    open({str(report)!r}, 'w').write(json.dumps(dict(v)))\n")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
           "-p", "verdicts", "--nbval-lax",
           "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
           "-o", "addopts=", "-o", "filterwarnings=", "--rootdir", str(folder),
           *map(str, paths.values())]
    env = build_book.build_env()
    env["PYTHONPATH"] = str(tmp_path)
    subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    verdicts = json.loads(report.read_text())
    assert verdicts == EXPECTED_TO_PASS
