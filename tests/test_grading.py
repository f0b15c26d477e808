"""The exercise pipeline end to end: convention, reference solutions, release, grading.

* Every notebook in ``book/`` with nbgrader cells follows the exercise
  convention, and its reference solutions pass their own tests (visible and
  hidden): new chapters are covered without touching this file.
* On a temporary copy of the repository, ``make release`` and ``make grade``
  run for a set of synthetic students (correct, partly wrong, raising, looping,
  killing the kernel, editing or deleting test cells, untouched stub, broken
  file, nothing handed in). ``grades.csv`` must hold the exact points, computed
  here from the points in the source notebook; no hidden test or solution may
  appear in the release, the feedback or the CSV; the run must end in bounded
  time.
* The built HTML book must not contain hidden tests (solutions are allowed,
  collapsed).
"""

from __future__ import annotations

import copy
import csv
import html
import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.grading

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import grading  # noqa: E402

BOOK = ROOT / "book"
PER_CELL_TIMEOUT = 5          # seconds; the looping students cost a few of these
GRADE_BOUND = 900             # seconds for the whole grading run: a hang fails the test

ID_RE = re.compile(r"^(?P<stem>.+)-ex(?P<n>\d+)-(?P<role>[A-Za-z0-9_-]+)$")


# ---------------------------------------------------------------------------
# Reading the source notebooks (independently of tools/grading.py, except for
# grading.split_region, which is checked against cells split by hand below)
# ---------------------------------------------------------------------------

def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader") or {}


def exercise_notebooks() -> list[Path]:
    found = []
    for path in sorted(BOOK.rglob("*.ipynb")):
        if "_build" in path.parts or ".ipynb_checkpoints" in path.parts:
            continue
        nb = nbformat.read(path, as_version=4)
        if any(_meta(c).get("grade_id") for c in nb.cells):
            found.append(path)
    return found


NOTEBOOKS = exercise_notebooks()


def test_split_region_parts_a_cell_at_its_markers():
    """The one helper that finds secret regions, against cells split by hand."""
    cell = ("import math\n"
            "### BEGIN SOLUTION\n"
            "x = 1\n"
            "    ### END SOLUTION (indented)\n"
            "y = 2\n"
            "### BEGIN HIDDEN TESTS\n"
            "assert x == 1\n"
            "### END HIDDEN TESTS\n"
            "print(y)")
    assert grading.split_region(cell, "BEGIN SOLUTION", "END SOLUTION") == (
        ["x = 1"], ["import math", "y = 2", "### BEGIN HIDDEN TESTS", "assert x == 1",
                    "### END HIDDEN TESTS", "print(y)"])
    assert grading.split_region(cell, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS") == (
        ["assert x == 1"], ["import math", "### BEGIN SOLUTION", "x = 1",
                            "    ### END SOLUTION (indented)", "y = 2", "print(y)"])
    # a region left open runs to the end; two regions in one cell
    assert grading.split_region("a\n# B\nb\n# E\nc\n# B\nd\ne", "# B", "# E") == (
        ["b", "d", "e"], ["a", "c"])
    assert grading.split_region("", "# B", "# E") == ([], [])
    assert grading.strip_hidden(cell) == "\n".join(
        ["import math", "### BEGIN SOLUTION", "x = 1", "    ### END SOLUTION (indented)",
         "y = 2", "print(y)"])


def secret_lines(nb) -> set[str]:
    """Hidden-test and solution lines (8+ characters, not also found elsewhere)."""
    secret, public = set(), set()
    for cell in nb.cells:
        s = (grading.split_region(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")[0]
             + grading.split_region(cell.source, "BEGIN SOLUTION", "END SOLUTION")[0])
        if cell.cell_type == "markdown" and _meta(cell).get("solution"):
            s = [ln for ln in cell.source.splitlines() if not ln.strip().startswith(":")]
        secret.update(ln.strip() for ln in s)
        public.update(ln.strip() for ln in cell.source.splitlines() if ln not in s)
    # lines also found (whole or as a piece of a line) in the public text prove nothing
    flat = re.sub(r"\s+", "", "\n".join(public))
    return {ln for ln in secret if len(ln) >= 8 and re.sub(r"\s+", "", ln) not in flat}


def hidden_lines(nb) -> set[str]:
    lines = set()
    for cell in nb.cells:
        hidden, _ = grading.split_region(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
        lines.update(ln.strip() for ln in hidden)
    others = re.sub(r"\s+", "", "\n".join(c.source for c in nb.cells
                                          if "BEGIN HIDDEN TESTS" not in c.source))
    generic = ("import ", "from ", "#")        # too common (as are short lines) to prove a leak
    # a line the formatter broke after an opening bracket ("assert np.allclose(") says
    # nothing of its own: the lines that follow it carry the test
    opener = re.compile(r"[\w.\s=]*[(\[{]")
    return {ln for ln in lines if len(ln) >= 12 and not ln.startswith(generic)
            and not opener.fullmatch(ln) and re.sub(r"\s+", "", ln) not in others}


def rubric_criteria(nb) -> set[str]:
    """The criteria of the rubrics (instructor-only ``metadata.lecture_kit.rubric``)."""
    return {str(item.get("criterion", "")).strip() for cell in nb.cells
            for item in (cell.metadata.get("lecture_kit") or {}).get("rubric") or []
            if len(str(item.get("criterion", "")).strip()) >= 12}


def text_of(path: Path) -> str:
    raw = path.read_bytes().decode("utf-8", errors="replace")
    if path.suffix in (".html", ".htm"):
        return html.unescape(re.sub(r"<[^>]+>", "", raw)) + html.unescape(raw)
    if path.suffix == ".ipynb":
        nb = json.loads(raw)
        return "\n".join("".join(c.get("source", "")) + json.dumps(c.get("outputs", []))
                         for c in nb["cells"])
    return raw


def found_in(text: str, lines: set[str]) -> list[str]:
    flat = re.sub(r"\s+", "", text)
    return sorted(ln for ln in lines if re.sub(r"\s+", "", ln) in flat)


def points(nb) -> dict[str, dict[str, float]]:
    """``{exercise: {"visible": p, "hidden": p, "answer": p}}`` from the source metadata."""
    out: dict[str, dict[str, float]] = {}
    for cell in nb.cells:
        m = _meta(cell)
        if not m.get("grade"):
            continue
        match = ID_RE.match(m["grade_id"])
        ex = f"{match['stem']}-ex{match['n']}"
        kind = ("answer" if m.get("solution") else
                "hidden" if "BEGIN HIDDEN TESTS" in cell.source else "visible")
        out.setdefault(ex, {"visible": 0.0, "hidden": 0.0, "answer": 0.0})[kind] += m["points"]
    return out


# ---------------------------------------------------------------------------
# The convention, for every notebook with exercises
# ---------------------------------------------------------------------------

def test_some_chapter_has_exercises():
    assert NOTEBOOKS, "no notebook in book/ has nbgrader cells"


def test_grade_ids_are_unique_in_the_book():
    seen: dict[str, Path] = {}
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            gid = _meta(cell).get("grade_id")
            if gid:
                assert gid not in seen, f"grade_id {gid} in both {seen[gid]} and {path}"
                seen[gid] = path


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercise_cells_follow_the_convention(path):
    nb = nbformat.read(path, as_version=4)
    problems = []
    for cell in nb.cells:
        m = _meta(cell)
        gid = m.get("grade_id")
        if not gid:
            continue
        tags = cell.metadata.get("tags", [])
        match = ID_RE.match(gid)
        if not match or match["stem"] != path.stem:
            problems.append(f"{gid}: expected <{path.stem}>-ex<N>-<role>")
        if m.get("schema_version") != 3:
            problems.append(f"{gid}: nbgrader schema_version must be 3")
        if cell.cell_type == "code" and m.get("solution"):
            if "hide-input" not in tags:
                problems.append(f"{gid}: solution cell needs the hide-input tag")
            if "### BEGIN SOLUTION" not in cell.source or "### END SOLUTION" not in cell.source:
                problems.append(f"{gid}: solution cell without BEGIN/END SOLUTION markers")
            if m.get("grade") or m.get("locked"):
                problems.append(f"{gid}: a code solution cell is neither graded nor locked")
        elif cell.cell_type == "code" and m.get("grade"):
            if not m.get("locked") or not m.get("points", 0) > 0:
                problems.append(f"{gid}: test cells are locked and carry points > 0")
            if "BEGIN HIDDEN TESTS" in cell.source:
                if "remove-cell" not in tags:
                    problems.append(f"{gid}: hidden tests need the remove-cell tag")
            else:
                last = [ln for ln in cell.source.strip().splitlines() if ln.strip()][-1]
                if not last.startswith("check."):
                    problems.append(f"{gid}: visible tests end with the self-check call "
                                    f"check.<name>(...), not {last!r}")
                if "nbval-check-output" not in tags:
                    problems.append(f"{gid}: visible tests need the nbval-check-output tag")
        elif cell.cell_type == "markdown" and m.get("solution"):
            if not (m.get("grade") and m.get("points", 0) > 0):
                problems.append(f"{gid}: a written answer is graded and carries points")
            if "Model answer" not in cell.source or ":class: dropdown" not in cell.source:
                problems.append(f"{gid}: a written answer is a Model answer drop-down")
    assert not problems, "\n".join(problems)


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_reference_solutions_pass_their_own_tests(path, executed_notebooks):
    """The source notebook (solutions and hidden tests in place) earns every point.

    Read from the run's one execution of every chapter (``executed_notebooks``, which
    the build and nbval's checks share: the source notebooks run with their hidden
    tests), not executed a second time here.
    """
    execution = executed_notebooks[path.resolve()]
    assert execution.notebook is not None, f"{path} could not be executed: {execution.error}"
    nb = execution.notebook
    failures = []
    for cell in nb.cells:
        m = _meta(cell)
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                failures.append(f"{m.get('grade_id', 'a cell')}: {out.ename}: {out.evalue}")
            elif m.get("grade") and out.output_type == "stream" and out.name == "stderr":
                failures.append(f"{m['grade_id']}: wrote to stderr (nbgrader scores that 0): "
                                f"{out.text[:200]}")
        if m.get("grade") and "BEGIN HIDDEN TESTS" not in cell.source:
            shown = " ".join(str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)
            if "] correct:" not in shown:
                failures.append(f"{m['grade_id']}: the self-check did not answer correct: {shown}")
    if execution.error is not None:            # the execution stops at the first error
        failures.append(f"the chapter stopped with an error: {execution.error[-800:]}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------
# End to end on a copy of the repository
# ---------------------------------------------------------------------------

def _copy_repo(dest: Path) -> Path:
    ignore = shutil.ignore_patterns(".venv", "_build", ".git", "release", "grading",
                                    ".pytest_cache", ".hypothesis", "__pycache__",
                                    "node_modules", "*.egg-info", ".ipynb_checkpoints",
                                    # a build of the checkout under way
                                    "lecture_kit-[0-9]*", ".lecture_kit-build.lock")
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def _make(repo: Path, *args: str, timeout: float) -> subprocess.CompletedProcess:
    cmd = ["make", "-o", ".venv/.installed", f"PY={sys.executable}", *args]
    return subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A temporary copy of the repository after ``make release``."""
    repo = _copy_repo(tmp_path_factory.mktemp("course") / "repo")
    result = _make(repo, "release", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return repo


def _assignments(repo: Path) -> dict[str, list[Path]]:
    """Assignment names (from the release folder) and their notebooks."""
    return {d.name: sorted(d.glob("*.ipynb")) for d in sorted((repo / "release").iterdir())
            if d.is_dir()}


def test_release_has_one_folder_and_zip_per_part_with_exercises(released):
    import yaml

    toc = yaml.safe_load((released / "_toc.yml").read_text())
    with_exercises = set()
    for part in toc.get("parts", []):
        files = []

        def walk(entries):
            for e in entries or []:
                if "file" in e:
                    files.append(released / (e["file"] + ".ipynb"))
                walk(e.get("sections"))
        walk(part.get("chapters"))
        if any(f.exists() and f.stem in {p.stem for p in NOTEBOOKS} for f in files):
            with_exercises.add(part["caption"])
    folders = _assignments(released)
    assert len(folders) == len(with_exercises)
    for name, notebooks in folders.items():
        assert notebooks, f"release/{name}/ has no notebook"
        with zipfile.ZipFile(released / "release" / f"{name}.zip") as zf:
            names = set(zf.namelist())
        assert {f"{name}/{p.name}" for p in notebooks} <= names


def test_release_has_stubs_and_no_hidden_tests_solutions_or_outputs(released):
    for name, notebooks in _assignments(released).items():
        for path in notebooks:
            source = nbformat.read(BOOK.rglob(path.name).__next__(), as_version=4)
            nb = nbformat.read(path, as_version=4)
            leaked = found_in(text_of(path), secret_lines(source))
            assert not leaked, f"{path.name} leaks {leaked}"
            raw = path.read_text(encoding="utf-8")
            leaked = found_in(raw, rubric_criteria(source))
            assert not leaked, f"{path.name} leaks rubric criteria {leaked}"
            for cell in nb.cells:
                m = _meta(cell)
                assert "lecture_kit" not in cell.metadata, f"{path.name}: instructor metadata"
                assert cell.get("outputs", []) == [] or cell.cell_type != "code", \
                    f"{path.name}: outputs in the release"
                assert "BEGIN HIDDEN TESTS" not in cell.source
                assert "BEGIN SOLUTION" not in cell.source
                if cell.cell_type == "code" and m.get("solution"):
                    assert "raise NotImplementedError()" in cell.source
        with zipfile.ZipFile(released / "release" / f"{name}.zip") as zf:
            for member in zf.namelist():
                text = zf.read(member).decode("utf-8", errors="replace")
                for path in notebooks:
                    source = nbformat.read(next(BOOK.rglob(path.name)), as_version=4)
                    assert not found_in(text, hidden_lines(source)), member


# The synthetic students work on how_to_use's Exercise 3 (saturation_edge).
TARGET_NB, TARGET = "how_to_use", "how_to_use-ex3"
SIG = "def saturation_edge(threshold):\n"
EXACT = ("    import math\n    r = math.sqrt(1 - 4 * threshold)\n"
         "    return 2 * math.log1p(r) - math.log(4 * threshold)\n")
# Visible tests and the self-check use thresholds >= 2.5e-5; the hidden tests go
# down to 1e-6. "late" students misbehave only below 1e-5, i.e. in the hidden tests.
STUDENTS = {
    # name: (solution body or None for the stub, what to do to test cells, expected parts)
    "correct": (SIG + EXACT, None, ("visible", "hidden")),
    "partly_wrong": (SIG + "    xs = np.arange(0.0, 10.0, 1e-4)\n"
                     "    return xs[np.argmax(sigmoid.grad(xs) < threshold)]\n", None, ("visible",)),
    "raises": (SIG + "    raise ValueError('I give up')\n", None, ()),
    "loops": (SIG + "    while True:\n        pass\n", None, ()),
    "loops_late": (SIG + "    while threshold < 1e-5:\n        pass\n" + EXACT, None, ("visible",)),
    "exits": (SIG + "    import os\n    os._exit(1)\n", None, ()),
    "exits_late": (SIG + "    if threshold < 1e-5:\n        import os\n        os._exit(3)\n"
                   + EXACT, None, ("visible",)),
    "edits_tests": (SIG + "    return 1.0\n", "edit", ()),
    "deletes_tests": (SIG + EXACT, "delete", ("visible", "hidden")),
    "deletes_solution": (None, "delete-solution", ()),
    "stub": (None, None, ()),
    "renamed": (SIG + EXACT, "rename", ("visible", "hidden")),   # "how_to_use (1).ipynb"
}
REASONS = {
    "correct": "all tests passed",
    "partly_wrong": "hidden tests failed",
    "raises": "ValueError",
    "loops": "did not finish within",
    "loops_late": "did not finish within",
    "exits": "kernel died",
    "exits_late": "kernel died",
    "edits_tests": "were edited",
    "deletes_tests": "was deleted",
    "deletes_solution": "solution cell was deleted",
    "stub": "not attempted",
    "renamed": "all tests passed",
    "broken_file": "could not be read",
    "empty_folder": "was not submitted",
}


def _reference_body(cell) -> str:
    return "\n".join(ln for ln in cell.source.splitlines()
                     if "### BEGIN SOLUTION" not in ln and "### END SOLUTION" not in ln)


def _make_submissions(repo: Path, folder: Path) -> str:
    """Write the students' notebooks; return the assignment name of how_to_use."""
    assignment = next(name for name, nbs in _assignments(repo).items()
                      if any(p.stem == TARGET_NB for p in nbs))
    release_nb = nbformat.read(repo / "release" / assignment / f"{TARGET_NB}.ipynb", as_version=4)
    source_nb = nbformat.read(BOOK / f"{TARGET_NB}.ipynb", as_version=4)
    reference = {_meta(c)["grade_id"]: _reference_body(c) for c in source_nb.cells
                 if _meta(c).get("solution") and c.cell_type == "code"}
    for student, (body, tamper, _) in STUDENTS.items():
        nb = copy.deepcopy(release_nb)
        for cell in list(nb.cells):
            gid = _meta(cell).get("grade_id", "")
            if not gid.startswith(TARGET + "-"):
                if gid in reference and student != "stub":
                    cell.source = reference[gid]          # other exercises: done right
                continue
            if _meta(cell).get("solution") and body is not None:
                cell.source = body
            if tamper == "edit" and _meta(cell).get("grade"):
                cell.source = "assert True"
            if tamper == "delete" and _meta(cell).get("grade"):
                nb.cells.remove(cell)
            if tamper == "delete-solution" and _meta(cell).get("solution"):
                nb.cells.remove(cell)
        # half of the students hand in the release folder, half loose notebooks
        target = folder / student / (assignment if len(student) % 2 else "")
        target.mkdir(parents=True, exist_ok=True)
        name = f"{TARGET_NB} (1).ipynb" if tamper == "rename" else f"{TARGET_NB}.ipynb"
        nbformat.write(nb, target / name)
    (folder / "broken_file").mkdir()
    (folder / "broken_file" / f"{TARGET_NB}.ipynb").write_text("{ this is not json")
    (folder / "empty_folder").mkdir()
    (folder / "empty_folder" / "notes.txt").write_text("I forgot to attach it")
    return assignment


@pytest.fixture(scope="module")
def graded(released, tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    assignment = _make_submissions(released, folder)
    start = time.monotonic()
    result = _make(released, "grade", f"SUBMISSIONS={folder}", f"TIMEOUT={PER_CELL_TIMEOUT}",
                   timeout=GRADE_BOUND)
    elapsed = time.monotonic() - start
    assert result.returncode == 0, result.stdout + result.stderr
    out = released / "grading" / "results"
    with (out / "grades.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {"rows": rows, "out": out, "assignment": assignment, "elapsed": elapsed,
            "log": result.stdout + result.stderr}


def test_grading_finishes_in_bounded_time(graded):
    # Per cell at most TIMEOUT s, and each restart replays a short chapter: far below the bound.
    assert graded["elapsed"] < GRADE_BOUND, graded["log"]


def test_grades_csv_has_one_row_per_student_and_exercise(graded):
    rows = graded["rows"]
    assert list(rows[0]) == ["student", "assignment", "exercise", "score", "max_score", "reason",
                             "status", "feedback"]
    assert {r["status"] for r in rows} <= {"graded", "needs_review", "not_graded", "manual"}
    for r in rows:
        assert (graded["out"] / r["feedback"]).is_file(), r
    source = nbformat.read(BOOK / f"{TARGET_NB}.ipynb", as_version=4)
    exercises = set(points(source))
    students = set(STUDENTS) | {"broken_file", "empty_folder"}
    keys = [(r["student"], r["exercise"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert set(keys) == {(s, e) for s in students for e in exercises}
    assert all(r["assignment"] == graded["assignment"] for r in rows)
    assert all(r["reason"].strip() for r in rows)


@pytest.mark.parametrize("student", sorted(set(STUDENTS) | {"broken_file", "empty_folder"}))
def test_exact_scores_and_reasons(graded, student):
    source = nbformat.read(BOOK / f"{TARGET_NB}.ipynb", as_version=4)
    pts = points(source)
    earned = STUDENTS.get(student, (None, None, ()))[2]
    for row in (r for r in graded["rows"] if r["student"] == student):
        ex = row["exercise"]
        full = pts[ex]["visible"] + pts[ex]["hidden"] + pts[ex]["answer"]
        assert float(row["max_score"]) == full
        if ex == TARGET:
            expected = sum(pts[ex][part] for part in earned)
            assert float(row["score"]) == expected, row
            assert REASONS[student] in row["reason"], row
        elif student in ("stub", "broken_file", "empty_folder"):
            assert float(row["score"] or 0) == 0, row
        else:
            assert float(row["score"]) == full, row


def test_feedback_is_written_for_every_student_without_secrets(graded):
    source = nbformat.read(BOOK / f"{TARGET_NB}.ipynb", as_version=4)
    secret = secret_lines(source)
    pages = sorted((graded["out"] / "feedback").glob("*.html"))
    assert {p.stem for p in pages} == set(STUDENTS) | {"broken_file", "empty_folder"}
    for page in pages:
        text = text_of(page)
        assert not found_in(text, secret), (page.name, found_in(text, secret))
        assert "BEGIN HIDDEN" not in text and "Traceback" not in text
    csv_text = (graded["out"] / "grades.csv").read_text()
    assert not found_in(csv_text, secret)


def test_feedback_notes_a_renamed_notebook(graded):
    page = (graded["out"] / "feedback" / "renamed.html").read_text()
    assert "was graded as how_to_use.ipynb" in html.unescape(page)


def test_feedback_states_the_score(graded):
    page = (graded["out"] / "feedback" / "partly_wrong.html").read_text()
    pts = points(nbformat.read(BOOK / f"{TARGET_NB}.ipynb", as_version=4))[TARGET]
    full = pts["visible"] + pts["hidden"]
    assert f"{pts['visible']:g} / {full:g}" in page


@pytest.mark.build
def test_built_book_has_no_hidden_tests_and_collapses_solutions(built_book):
    html_dir = Path(built_book)
    assert not (html_dir / "_sources").exists(), "_sources/ would expose hidden tests"
    secret, rubric, public = set(), set(), []
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        secret |= hidden_lines(nb)
        rubric |= rubric_criteria(nb)
        public += [c.source for c in nb.cells if "BEGIN HIDDEN TESTS" not in c.source]
    # a hidden line that another chapter shows openly (a shared idiom such as
    # `with np.errstate(over="raise", ...):`) proves no leak
    public = re.sub(r"\s+", "", "\n".join(public))
    secret = {ln for ln in secret if re.sub(r"\s+", "", ln) not in public}
    for page in html_dir.rglob("*"):
        if page.is_file() and page.suffix in (".html", ".js", ".json", ".txt", ".ipynb"):
            text = text_of(page)
            leaked = found_in(text, secret)
            assert not leaked, f"{page.relative_to(html_dir)} contains hidden tests {leaked}"
            leaked = found_in(text, rubric)
            assert not leaked, f"{page.relative_to(html_dir)} contains rubric criteria {leaked}"
    for path in NOTEBOOKS:
        page = html_dir / path.relative_to(ROOT).with_suffix(".html")
        if page.exists():                      # only chapters listed in _toc.yml are built
            raw = page.read_text()
            nb = nbformat.read(path, as_version=4)
            n_solutions = sum(1 for c in nb.cells
                              if c.cell_type == "code" and _meta(c).get("solution"))
            assert raw.count("tag_hide-input") >= n_solutions


# ---------------------------------------------------------------------------
# The execution step's bounds, on tiny notebooks (no course directory needed)
# ---------------------------------------------------------------------------

def _robust_run(cells: list[str], tmp_path: Path, student: set[int] | None = None,
                **options):
    """Run ``cells``; those whose index is in ``student`` (default: all) are nbgrader
    solution cells (the per-cell ``timeout`` holds), the others course cells."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    for i, cell in enumerate(nb.cells):
        if student is None or i in student:
            cell.metadata["nbgrader"] = {"solution": True, "grade": False,
                                         "grade_id": f"c{i}", "locked": False}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    executor = grading.robust_execute()(**options)
    nb, _ = executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    return [[o.get("ename") for o in c.outputs if o.output_type == "error"] for c in nb.cells]


def test_robust_execute_stops_restarting_after_max_restarts(tmp_path):
    cells = ["x = 1"] + ["import os; os._exit(1)"] * 4 + ["y = 2"]
    errors = _robust_run(cells, tmp_path, timeout=20, max_restarts=2)
    assert errors[0] == []
    assert errors[1:4] == [["DeadKernelError"]] * 3          # two restarts, then give up
    assert errors[4:] == [["NotRun"], ["NotRun"]]


def test_robust_execute_keeps_state_across_a_restart(tmp_path):
    cells = ["x = 41", "import os; os._exit(1)", "assert x == 41", "while True: pass",
             "assert x + 1 == 42"]
    errors = _robust_run(cells, tmp_path, timeout=3)
    assert errors == [[], ["DeadKernelError"], [], ["CellTimeoutError"], []]


def test_course_cells_and_replays_get_the_course_cell_timeout(tmp_path):
    """A slow course cell (an import on a loaded machine) is not a student's endless
    loop: it gets ``course_cell_timeout``; a student's cell as slow does not, and
    neither does a course cell slower than the floor."""
    cells = ["import time; time.sleep(3); x = 1",            # course cell: 3 s < 8 s
             "time.sleep(3)",                                  # student cell: 3 s > 1 s
             "assert x == 1",                                  # state replayed after it
             "time.sleep(30)"]                                 # course cell past the floor
    errors = _robust_run(cells, tmp_path, student={1}, timeout=1, course_cell_timeout=8,
                         notebook_budget=120)
    assert errors == [[], ["CellTimeoutError"], [], ["CellTimeoutError"]]


def test_robust_execute_respects_the_notebook_budget(tmp_path):
    start = time.monotonic()
    errors = _robust_run(["import time"] + ["time.sleep(2)"] * 6, tmp_path,
                         timeout=20, notebook_budget=8)
    assert time.monotonic() - start < 40
    assert errors[0] == [] and errors[-1] == ["NotRun"]
