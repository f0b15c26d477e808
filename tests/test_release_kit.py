"""The student release kits, used as a student would.

`make release`'s code writes every `release/<part>.zip` into a temporary folder;
each zip is unpacked into an empty folder; the first kit's README set-up block is
run, line by line as written (venv, `pip install` of the wheel with its extras,
JupyterLab), in a fresh environment outside the repository, shared by this module;
every released notebook of every kit then runs, once, in a kernel of that
environment, as released, with two cells added after each coding exercise (its
stub, its self-check and its hidden-test cell): the book's reference solution and
the self-check again. So in one run, at the very state a student has there:

* as released: the only errors are `NotImplementedError`s, each in a cell that
  uses a stubbed function, and every visible test of a coding exercise has one;
* with the book's reference solution typed in: the self-check says "correct",
  and no cell after it has an error.

(Exercises close their chapters: only the recap cells run after an exercise.)
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from _book import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import release_kit  # noqa: E402

pytestmark = pytest.mark.kit

BOOK = ROOT / "book"
RUNNER = Path(__file__).with_name("_run_notebooks.py")
PROBE = "import sys, lecture_kit\nprint('PROBE', sys.executable, lecture_kit.__file__)"


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader") or {}


def clean_env(**extra) -> dict:
    """The environment of a student's shell: nothing of this repository or its venv."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "LECTURE_KIT_EXPLORERS",
                        "MPLBACKEND", "JUPYTER_CONFIG_PATH", "JUPYTER_PATH")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and not p.startswith(str(ROOT)))
    env.update(OPENBLAS_NUM_THREADS="1", PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


@pytest.fixture(scope="module")
def kits(tmp_path_factory):
    """``{part: folder}``: every zip written by the release, unpacked into an empty folder."""
    base = tmp_path_factory.mktemp("kits")
    out, course = base / "release", base / "course"
    code = ("import sys; sys.path.insert(0, 'tools'); import grading; "
            "from pathlib import Path; "
            f"grading.release(grading.ROOT, Path({str(out)!r}), course=Path({str(course)!r}))")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=900,
                   env=dict(os.environ, PYTHONWARNINGS="ignore",   # nbgrader runs `alembic`
                            PATH=os.pathsep.join([str(Path(sys.executable).parent),
                                                  os.environ.get("PATH", "")])))
    zips = sorted(out.glob("*.zip"))
    assert zips, "the release wrote no zip"
    unpacked = base / "students"
    unpacked.mkdir()
    assert not any(unpacked.iterdir())
    folders = {}
    for archive in zips:
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(unpacked)
        folders[archive.stem] = unpacked / archive.stem
        assert folders[archive.stem].is_dir(), f"{archive.name} has no {archive.stem}/ folder"
    return folders


@pytest.fixture(scope="module")
def student_python(kits):
    """Run the first kit's README set-up block (all but `jupyter lab`); return its python."""
    first = kits[sorted(kits)[0]]
    commands = release_kit.install_commands((first / "README.md").read_text())
    assert commands and commands[-1].strip() == "jupyter lab", commands
    script = "set -euo pipefail\n" + "\n".join(commands[:-1]) + "\n"
    started = time.monotonic()
    result = subprocess.run(["bash", "-c", script], cwd=first, env=clean_env(),
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, f"README set-up failed:\n{result.stdout}\n{result.stderr}"
    print(f"\nREADME set-up (venv + pip install) took {time.monotonic() - started:.0f} s")
    python = first / ".venv" / "bin" / "python"
    assert python.exists()
    assert (first / ".venv" / "bin" / "jupyter-lab").exists(), "JupyterLab was not installed"
    return python


def test_every_kit_is_complete_and_the_same_set_up(kits):
    readmes = {}
    for part, folder in kits.items():
        names = sorted(p.name for p in folder.iterdir())
        wheels = [n for n in names if n.endswith(".whl")]
        assert len(wheels) == 1 and wheels[0].startswith("lecture_kit-"), names
        assert "README.md" in names and "constraints.txt" in names, names
        assert any(n.endswith(".ipynb") for n in names), names
        text = (folder / "README.md").read_text()
        commands = release_kit.install_commands(text)
        assert f'"./{wheels[0]}[all]"' in " ".join(commands), commands
        assert commands[-1].strip() == "jupyter lab"
        readmes[part] = (commands, hashlib.sha256((folder / wheels[0]).read_bytes()).hexdigest())
        # every package the notebooks need is pinned in the kit
        pins = {ln.split("==")[0].lower().replace("_", "-")
                for ln in (folder / "constraints.txt").read_text().splitlines()
                if "==" in ln}
        for pkg in ("numpy", "sympy", "matplotlib", "ipywidgets", "scikit-learn",
                    "jupyterlab", "jupyterlab-myst", "ipykernel"):
            assert pkg in pins, f"{part}: {pkg} is not pinned in constraints.txt"
    assert len(set(map(str, readmes.values()))) == 1, "kits differ in set-up or wheel"


def test_hidden_test_cells_say_what_they_are(kits):
    for folder in kits.values():
        for path in sorted(folder.glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            hidden = [c for c in nb.cells if c.cell_type == "code" and _meta(c).get("grade")
                      and _is_hidden(path.stem, _meta(c)["grade_id"])]
            for cell in hidden:
                lines = [ln for ln in cell.source.splitlines() if ln.strip()]
                assert len(lines) == 1 and lines[0].startswith("#"), (path.name, cell.source)
                assert "hidden tests" in lines[0].lower(), (path.name, cell.source)


@functools.lru_cache(maxsize=None)
def _book_cells(stem: str) -> dict[str, nbformat.NotebookNode]:
    path = next(p for p in BOOK.rglob(f"{stem}.ipynb") if "_build" not in p.parts)
    nb = nbformat.read(path, as_version=4)
    return {_meta(c)["grade_id"]: c for c in nb.cells if _meta(c).get("grade_id")}


def _is_hidden(stem: str, grade_id: str) -> bool:
    return "BEGIN HIDDEN TESTS" in _book_cells(stem)[grade_id].source


def _start(python: Path, jobs: list[tuple[Path, Path]], jobs_file: Path) -> subprocess.Popen:
    """Start executing ``(input, output)`` notebooks in the student environment."""
    spec = [{"input": str(i), "output": str(o), "cwd": str(i.parent)} for i, o in jobs]
    jobs_file.write_text(json.dumps(spec))
    # Live explorers only: the static frames (the HTML book's) are drawn by the book build.
    return subprocess.Popen([str(python), str(RUNNER), str(jobs_file)],
                            env=clean_env(LECTURE_KIT_EXPLORERS="live"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


SOLVED = "lk_kit_solved"          # metadata key of the cells the test adds


@pytest.fixture(scope="module")
def executed(kits, student_python, tmp_path_factory):
    """Every released notebook run once, as released, with each exercise solved after
    its own cells (see the module docstring).

    Returns ``[(released path, executed nb)]``; the added cells carry
    ``metadata[SOLVED] = True``; a last probe cell records the kernel's interpreter
    and where ``lecture_kit`` came from.
    """
    work = tmp_path_factory.mktemp("executed")
    plan = []
    for src in _notebooks(kits):
        staged = src.with_name(f"_staged_{src.name}")
        _with_solutions_after_exercises(src, staged)
        plan.append((src, staged, work / f"{src.stem}.ipynb"))
    # two runners (two cores), the notebooks dealt out in turn
    procs = [_start(student_python, [(s, o) for _, s, o in plan[k::2]], work / f"jobs{k}.json")
             for k in range(2)]
    for proc in procs:
        out, err = proc.communicate(timeout=3600)
        assert proc.returncode == 0, f"run failed:\n{out}\n{err}"
        print(out)
    return [(src, nbformat.read(o, as_version=4)) for src, _, o in plan]


def _with_solutions_after_exercises(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` with, after each coding exercise's block (its solution
    cell and the nbgrader test cells that follow it), the book's reference solution
    and a copy of the block's self-check cells, marked ``metadata[SOLVED]``."""
    nb = nbformat.read(src, as_version=4)
    book = _book_cells(src.stem)
    cells, block = [], None
    for cell in nb.cells + [None]:
        in_block = (cell is not None and block is not None and cell.cell_type == "code"
                    and _meta(cell).get("grade") and not _meta(cell).get("solution"))
        if block is not None and not in_block:
            solution, checks = block
            cells.append(_solved(book[_meta(solution)["grade_id"]].source))
            cells.extend(_solved(c.source) for c in checks if _is_self_check(c))
            block = None
        if cell is None:
            break
        cells.append(cell)
        if in_block:
            block[1].append(cell)
        elif cell.cell_type == "code" and _meta(cell).get("solution"):
            block = (cell, [])
    nb.cells = cells
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    nbformat.write(nb, dst)


def _solved(source: str):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata[SOLVED] = True
    return cell


def _is_self_check(cell) -> bool:
    last = [ln for ln in cell.source.strip().splitlines() if ln.strip()]
    return bool(last) and last[-1].startswith("check.")


def _errors(cell) -> list[str]:
    return [o["ename"] for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _text(cell) -> str:
    parts = []
    for o in cell.get("outputs", []):
        parts.append(str(o.get("text", "")))
        parts.append(str(o.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def _check_probe(nb, python: Path) -> None:
    probe = _text(nb.cells[-1]).split()
    assert probe[:1] == ["PROBE"], _text(nb.cells[-1])
    venv = python.parent.parent
    assert Path(probe[1]).parent.parent == venv, f"kernel ran {probe[1]}, not the kit's venv"
    assert Path(probe[2]).is_relative_to(venv), f"lecture_kit came from {probe[2]}"


def _notebooks(kits) -> list[Path]:
    return [p for part in sorted(kits) for p in sorted(kits[part].glob("*.ipynb"))
            if not p.name.startswith("_")]


def _stub_names(nb) -> set[str]:
    names = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and _meta(cell).get("solution"):
            for node in ast.parse(cell.source).body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    names.add(node.name)
    return names


def _uses(source: str, names: set[str]) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(tree))


def test_released_notebooks_run_with_their_stubs(executed, student_python):
    problems = []
    for src, nb in executed:
        _check_probe(nb, student_python)
        stubs = _stub_names(nb)
        assert stubs, f"{src.name}: no stubbed function found"
        solved = False
        for i, cell in enumerate(nb.cells[:-1]):
            if cell.cell_type != "code":
                continue
            if cell.metadata.get(SOLVED):
                solved = True
                continue
            errors = _errors(cell)
            m = _meta(cell)
            visible_test = (m.get("grade") and not m.get("solution")
                            and not _is_hidden(src.stem, m["grade_id"]))
            if visible_test and errors != ["NotImplementedError"]:
                problems.append(f"{src.name} cell {i} ({m['grade_id']}): visible tests should "
                                f"stop with NotImplementedError, got {errors}")
            elif errors and (solved or errors != ["NotImplementedError"]
                             or not _uses(cell.source, stubs)):
                problems.append(f"{src.name} cell {i}: unexpected {errors} "
                                f"(uses a stub: {_uses(cell.source, stubs)}; after a "
                                f"solution: {solved})")
    assert not problems, "\n".join(problems)


def test_released_notebooks_with_reference_solutions_are_all_correct(executed, student_python):
    problems, checks = [], 0
    for src, nb in executed:
        _check_probe(nb, student_python)
        for i, cell in enumerate(nb.cells[:-1]):
            if cell.cell_type != "code" or not cell.metadata.get(SOLVED):
                continue
            if _errors(cell):
                problems.append(f"{src.name} cell {i}: {_errors(cell)}")
            if _is_self_check(cell):
                checks += 1
                if "] correct:" not in _text(cell):
                    problems.append(f"{src.name} cell {i}: the self-check did not say "
                                    f"correct: {_text(cell)[-300:]!r}")
    assert not problems, "\n".join(problems)
    # one self-check per coding exercise of the book
    n_code = sum(1 for src, _ in executed for c in _book_cells(src.stem).values()
                 if c.cell_type == "code" and _meta(c).get("solution"))
    assert checks == n_code > 0
