"""The package as pip installs it: a wheel in a fresh environment outside the repository.

The wheel is built from this checkout (`python -m build`, as `make dist` does),
installed with the `[widgets]` extra into a new venv in a temporary folder, and
then, with this repository nowhere on the path:

* every module of the installed package imports, and the modules found by
  walking the installed package are exactly those of the source tree (a
  subpackage missing from the wheel fails here, e.g. `lecture_kit.check`);
* a released chapter (`how_to_use`, which needs only `[widgets]`) runs in a
  kernel of that environment with the book's reference solution, and its
  self-check says correct.
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from _book import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import release_kit  # noqa: E402

pytestmark = pytest.mark.kit

CHAPTER = ROOT / "book" / "how_to_use.ipynb"


def _env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "MPLBACKEND",
                        "JUPYTER_PATH", "JUPYTER_CONFIG_PATH")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and not p.startswith(str(ROOT)))
    env.update(OPENBLAS_NUM_THREADS="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               LECTURE_KIT_EXPLORERS="live")
    return env


def _source_modules() -> set[str]:
    pkg = ROOT / "lecture_kit"
    return {"lecture_kit"} | {m.name for m in pkgutil.walk_packages([str(pkg)], "lecture_kit.")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """``(python, workdir)`` of a fresh venv holding the wheel with ``[widgets]``."""
    base = tmp_path_factory.mktemp("wheel")
    assert not base.resolve().is_relative_to(ROOT.resolve())
    wheel = release_kit.build_wheel(ROOT, base / "dist")
    subprocess.run([sys.executable, "-m", "venv", str(base / "venv")], check=True, env=_env())
    python = base / "venv" / "bin" / "python"
    # ipykernel and nbclient only to run a notebook here (JupyterLab would bring them).
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-c", str(ROOT / "requirements.txt"),
         f"{wheel}[widgets]", "ipykernel", "nbclient"],
        env=_env(), cwd=base, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
    return python, base


def test_wheel_ships_every_module_and_each_imports(installed):
    python, base = installed
    script = (
        "import importlib, json, pkgutil, sys\n"
        "import lecture_kit\n"
        "names = ['lecture_kit'] + [m.name for m in pkgutil.walk_packages("
        "lecture_kit.__path__, 'lecture_kit.')]\n"
        "failed = {}\n"
        "for n in names:\n"
        "    try:\n"
        "        importlib.import_module(n)\n"
        "    except Exception as exc:\n"
        "        failed[n] = repr(exc)\n"
        "print(json.dumps({'file': lecture_kit.__file__, 'names': names, 'failed': failed}))\n")
    result = subprocess.run([str(python), "-c", script], env=_env(), cwd=base,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(report["file"]).is_relative_to(base / "venv"), report["file"]
    assert report["failed"] == {}
    assert set(report["names"]) == _source_modules()
    assert "lecture_kit.check" in report["names"]


def test_released_chapter_runs_against_the_wheel(installed, tmp_path):
    python, base = installed
    nb = nbformat.read(CHAPTER, as_version=4)
    # the student's view of the chapter: released cells, the reference solution typed in
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if "### BEGIN HIDDEN TESTS" in cell.source:
            cell.source = release_kit.HIDDEN_COMMENT
    nb.cells.append(nbformat.v4.new_code_cell(
        "import lecture_kit\nprint('PROBE', lecture_kit.__file__)"))
    src, out = tmp_path / CHAPTER.name, tmp_path / "out.ipynb"
    nbformat.write(nb, src)
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps([{"input": str(src), "output": str(out), "cwd": str(tmp_path)}]))
    result = subprocess.run([str(python), str(ROOT / "tests" / "_run_notebooks.py"), str(jobs)],
                            env=_env(), cwd=tmp_path, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    done = nbformat.read(out, as_version=4)
    errors = [(i, o["ename"], o["evalue"]) for i, c in enumerate(done.cells)
              if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    texts = ["".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for o in c.outputs) for c in done.cells if c.cell_type == "code"]
    assert any("[sigmoid_saturation_edge] correct:" in t for t in texts), texts
    probe = texts[-1].split()
    assert probe[0] == "PROBE" and Path(probe[1]).is_relative_to(base / "venv"), texts[-1]
