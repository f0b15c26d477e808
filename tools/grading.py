"""Release the book's exercises to students and grade their notebooks (nbgrader 0.9).

Usage (``make release`` and ``make grade`` wrap the last two)::

    python tools/grading.py list                          # assignments, exercises, points
    python tools/grading.py release [--out release]       # student notebooks + one zip each
    python tools/grading.py grade SUBMISSIONS [--timeout 30] [--out grading/results]
                                              [--assignment NAME]

Assignments are the parts of ``_toc.yml``: every chapter of a part that holds
nbgrader cells (see CONTRIBUTING, "Exercise convention") is a notebook of the
part's assignment, named after the part's caption (``Getting started`` ->
``getting-started``).

``grading/`` is an nbgrader course directory rebuilt from the chapters at
every run (``source/``, ``release/``, ``submitted/``, ``autograded/``,
``gradebook.db``, ``nbgrader_config.py``); it is ignored by git.

``SUBMISSIONS`` holds one folder per student, named after the student; the
notebooks may sit anywhere inside it (loose, or in the ``<assignment>/``
folder of the release); they are matched to chapters by file name.

Grading is nbgrader's ``autograde`` with three additions:

* before nbgrader sees a notebook, test cells the student deleted are put back
  where they were (nbgrader then restores the original source of every test
  cell, hidden tests included) and every edit is noted;
* the execution step (:class:`RobustExecute`) gives every cell a time limit;
  a cell that runs past it or kills the kernel (``os._exit``, a segfault,
  memory) gets an error, the kernel is restarted, the cells before it are run
  again, and grading continues with the next cell;
* the results are read back from the gradebook into ``grades.csv`` (one row
  per student and exercise, with the reason) and one feedback page per
  student that shows scores and reasons only: never a hidden test, a
  traceback from one, or a solution.
"""

from __future__ import annotations

import argparse
import copy
import csv
import html
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
EXERCISE_ID = re.compile(r"^(?P<exercise>.+-ex\d+)-(?P<role>[A-Za-z0-9_-]+)$")
DEFAULT_TIMEOUT = 30


# ---------------------------------------------------------------------------
# What the book contains: assignments, chapters, exercises
# ---------------------------------------------------------------------------

@dataclass
class GradedCell:
    """One nbgrader cell of an exercise."""

    grade_id: str
    kind: str            # "solution" (code to write), "tests" or "answer" (written, manual)
    points: float
    hidden: bool = False

    @property
    def graded(self) -> bool:
        return self.kind in ("tests", "answer")


@dataclass
class Exercise:
    id: str
    notebook: str
    cells: list[GradedCell] = field(default_factory=list)

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.cells if c.graded)

    @property
    def manual(self) -> bool:
        return any(c.kind == "answer" for c in self.cells)


@dataclass
class Chapter:
    path: Path
    exercises: list[Exercise]

    @property
    def stem(self) -> str:
        return self.path.stem


@dataclass
class Assignment:
    name: str
    caption: str
    chapters: list[Chapter]

    @property
    def exercises(self) -> list[Exercise]:
        return [e for c in self.chapters for e in c.exercises]


def slug(caption: str) -> str:
    """``"Getting started"`` -> ``"getting-started"`` (an nbgrader assignment id)."""
    text = re.sub(r"[^a-z0-9]+", "-", caption.lower()).strip("-")
    return text or "part"


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def exercises_of(nb, stem: str) -> list[Exercise]:
    """Group a notebook's nbgrader cells into exercises (``<stem>-ex<N>-<role>``)."""
    found: dict[str, Exercise] = {}
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        if not grade_id or not (meta.get("solution") or meta.get("grade")):
            continue
        match = EXERCISE_ID.match(grade_id)
        exercise_id = match.group("exercise") if match else grade_id
        if meta.get("grade") and meta.get("solution"):
            kind = "answer"
        elif meta.get("grade"):
            kind = "tests"
        else:
            kind = "solution"
        graded = GradedCell(grade_id, kind, float(meta.get("points", 0) or 0),
                            hidden=BEGIN_HIDDEN in cell.source)
        found.setdefault(exercise_id, Exercise(exercise_id, stem)).cells.append(graded)
    return list(found.values())


def toc_parts(root: Path) -> list[tuple[str, list[Path]]]:
    """``[(caption, [chapter .ipynb paths])]`` for every part of ``_toc.yml``."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8")) or {}
    parts = []

    def walk(entries, out):
        for entry in entries or []:
            if "file" in entry:
                path = root / (str(Path(entry["file"]).with_suffix("")) + ".ipynb")
                if path.exists():
                    out.append(path)
            walk(entry.get("sections"), out)

    for number, part in enumerate(toc.get("parts") or [], start=1):
        files: list[Path] = []
        walk(part.get("chapters"), files)
        parts.append((part.get("caption") or f"Part {number}", files))
    return parts


def discover(root: Path = ROOT) -> list[Assignment]:
    """One assignment per part of ``_toc.yml`` that has chapters with nbgrader cells."""
    import nbformat

    assignments: list[Assignment] = []
    stems: dict[str, Path] = {}
    for caption, paths in toc_parts(root):
        chapters = []
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            exercises = exercises_of(nb, path.stem)
            if not exercises:
                continue
            if path.stem in stems:
                raise ValueError(f"two chapters with exercises share the file name "
                                 f"{path.stem!r}: {stems[path.stem]} and {path}; grading "
                                 "matches submitted notebooks by file name")
            stems[path.stem] = path
            chapters.append(Chapter(path, exercises))
        if chapters:
            name = slug(caption)
            if any(a.name == name for a in assignments):
                raise ValueError(f"two parts give the assignment name {name!r}")
            assignments.append(Assignment(name, caption, chapters))
    return assignments


# ---------------------------------------------------------------------------
# Secrets: hidden tests and solutions, and the checks that they never leak
# ---------------------------------------------------------------------------

def _between(source: str, begin: str, end: str) -> list[str]:
    lines, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            lines.append(line)
    return lines


def secrets(nb) -> dict[str, set[str]]:
    """Lines that must never reach a student: ``{"hidden": ..., "solution": ...}``.

    A line counts when it is at least 8 characters long (stripped) and does not
    also occur outside the secret regions of the notebook (so that a shared line
    such as ``import math`` in a visible cell is not a false alarm).
    """
    hidden, solution, public = set(), set(), set()
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        text = cell.source
        h = _between(text, BEGIN_HIDDEN, END_HIDDEN)
        s = _between(text, BEGIN_SOLUTION, END_SOLUTION)
        if cell.cell_type == "markdown" and meta.get("solution"):
            s = [ln for ln in text.splitlines() if not ln.strip().startswith(":")]
        hidden.update(ln.strip() for ln in h)
        solution.update(ln.strip() for ln in s)
        secret_lines = set(h) | set(s)
        public.update(ln.strip() for ln in text.splitlines() if ln not in secret_lines)
    # A line that also occurs inside the public text (as a whole line or a piece
    # of one, e.g. the end of a wrapped sentence) proves nothing.
    public_flat = _squash("\n".join(public) + STUDENT_README + STUB)

    def keep(lines):
        return {ln for ln in lines if len(ln) >= 8 and _squash(ln) not in public_flat}

    return {"hidden": keep(hidden), "solution": keep(solution)}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


STUB = "# YOUR CODE HERE\nraise NotImplementedError()\nYOUR ANSWER HERE"


def visible_text(path: Path) -> str:
    """The text a person can read in a file: notebook sources and outputs, or HTML text."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        import nbformat

        nb = nbformat.reads(raw, as_version=4)
        parts = []
        for cell in nb.cells:
            parts.append(cell.source)
            for out in cell.get("outputs", []):
                parts.append(str(out.get("text", "")))
                parts.extend(str(v) for v in out.get("data", {}).values())
                parts.append(str(out.get("evalue", "")))
                parts.extend(str(t) for t in out.get("traceback", []))
        return "\n".join(parts)
    if path.suffix in (".html", ".htm", ".xml"):
        return html.unescape(re.sub(r"<[^>]+>", "", raw)) + "\n" + html.unescape(raw)
    return raw


def leaks(text: str, lines: set[str]) -> list[str]:
    """The secret ``lines`` that occur in ``text`` (whitespace-insensitive)."""
    squashed = _squash(text)
    return sorted(ln for ln in lines if _squash(ln) in squashed)


def scrub(text: str, lines: set[str]) -> str:
    """Replace any secret line inside ``text`` by ``[hidden]``."""
    for ln in sorted(lines, key=len, reverse=True):
        text = text.replace(ln, "[hidden]")
    return text


# ---------------------------------------------------------------------------
# The nbgrader course directory
# ---------------------------------------------------------------------------

def nbgrader_config(course: Path, timeout: int = DEFAULT_TIMEOUT):
    from traitlets.config import Config
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern,
                                        LimitOutput, SaveAutoGrades)

    cfg = Config()
    cfg.CourseDirectory.root = str(course)
    cfg.CourseDirectory.course_id = "why-deep-networks-train"
    cfg.Execute.timeout = timeout
    cfg.RobustExecute.timeout = timeout
    cfg.Autograde.autograde_preprocessors = [
        robust_execute(), IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    return cfg


def _api(course: Path, timeout: int = DEFAULT_TIMEOUT):
    from nbgrader.apps import NbGraderAPI

    api = NbGraderAPI(config=nbgrader_config(course, timeout))
    api.log.setLevel(logging.ERROR)
    return api


def prepare_course(assignments: list[Assignment], course: Path,
                   timeout: int = DEFAULT_TIMEOUT) -> None:
    """Rebuild ``course`` (an nbgrader course directory) and generate every assignment."""
    import nbformat

    # Only nbgrader's own folders are rebuilt: results written under course/ survive.
    for name in ("source", "release", "submitted", "autograded", "feedback"):
        shutil.rmtree(course / name, ignore_errors=True)
    (course / "gradebook.db").unlink(missing_ok=True)
    (course / "source").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "# Written by tools/grading.py for `nbgrader formgrader` (manual grading).\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(course.resolve())!r}\n"
        "c.CourseDirectory.course_id = 'why-deep-networks-train'\n", encoding="utf-8")
    api = _api(course, timeout)
    for assignment in assignments:
        folder = course / "source" / assignment.name
        folder.mkdir()
        for chapter in assignment.chapters:
            nb = nbformat.read(chapter.path, as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            nbformat.write(nb, folder / chapter.path.name)
        result = api.generate_assignment(assignment.name, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment {assignment.name} failed:\n"
                               f"{result.get('error', '')}\n{result.get('log', '')}")


def release_problems(assignment: Assignment, folder: Path) -> list[str]:
    """Everything wrong with a student release: leaked text, stored outputs, no stub."""
    import nbformat

    problems = []
    for chapter in assignment.chapters:
        source = nbformat.read(chapter.path, as_version=4)
        target = folder / chapter.path.name
        if not target.exists():
            problems.append(f"{target} is missing")
            continue
        text = visible_text(target)
        for kind, lines in secrets(source).items():
            for line in leaks(text, lines):
                problems.append(f"{target.name}: {kind} text in the release: {line!r}")
        released = nbformat.read(target, as_version=4)
        if any(c.get("outputs") for c in released.cells if c.cell_type == "code"):
            problems.append(f"{target.name}: the release carries outputs")
        for exercise in chapter.exercises:
            for cell in exercise.cells:
                if cell.kind == "solution":
                    body = [c for c in released.cells
                            if nbgrader_meta(c).get("grade_id") == cell.grade_id]
                    if not body or "NotImplementedError" not in body[0].source:
                        problems.append(f"{target.name}: {cell.grade_id} has no stub")
    return problems


STUDENT_README = """\
# {caption}: exercises

Open the notebooks in Jupyter (the course environment: `make lab` in the course
repository, or any Python with `lecture_kit` installed) and run them from the top.

* Replace each `raise NotImplementedError()` with your code, and each
  "YOUR ANSWER HERE" with your answer.
* The cell after each function runs visible tests and a self-check. Do not
  edit or delete test cells: the original tests are restored and run at
  grading time, and hidden tests run as well.
* Each cell gets a time limit when graded; an endless loop costs the points of
  the tests it blocks.
* Hand back the notebooks with their file names unchanged.
"""


def release(root: Path = ROOT, out: Path | None = None, course: Path | None = None) -> list[Path]:
    """Write ``out/<assignment>/`` student notebooks and ``out/<assignment>.zip``."""
    out = out or root / "release"
    course = course or root / "grading"
    assignments = discover(root)
    prepare_course(assignments, course)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for assignment in assignments:
        target = out / assignment.name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(course / "release" / assignment.name, target)
        (target / "README.md").write_text(STUDENT_README.format(caption=assignment.caption),
                                          encoding="utf-8")
        problems = release_problems(assignment, target)
        if problems:
            shutil.rmtree(target)
            raise RuntimeError("refusing to release " + assignment.name + ":\n  "
                               + "\n  ".join(problems))
        archive = out / f"{assignment.name}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(target.rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(out).as_posix())
        written.append(target)
    if not assignments:
        print("no chapter in _toc.yml has nbgrader cells: nothing to release")
    else:
        from grade_report import release_summary
        print(f"released into {out}/:\n" + release_summary(assignments, out))
    return written


# ---------------------------------------------------------------------------
# Execution that survives endless loops and dying kernels
# ---------------------------------------------------------------------------

def _error_output(ename: str, evalue: str):
    from nbformat.v4 import new_output

    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _make_robust_execute():
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbgrader.preprocessors import Execute
    from traitlets import Bool, Dict, Integer, Unicode

    class RobustExecute(Execute):
        """nbgrader's Execute, cell by cell, restarting the kernel when a cell hangs or kills it.

        A cell that exceeds ``timeout`` seconds gets a ``CellTimeoutError``
        output, a cell during which the kernel dies gets ``DeadKernelError``;
        in both cases a fresh kernel runs the cells before it again (outputs
        kept from the first run) and execution goes on with the next cell.
        After ``max_restarts`` restarts or ``notebook_budget`` seconds the
        remaining cells get a ``NotRun`` error. Every such error is a zero for
        a test cell (nbgrader's rule: a test cell with an error output scores 0).
        """

        interrupt_on_timeout = Bool(False).tag(config=True)
        error_on_timeout = Dict(default_value=None, allow_none=True).tag(config=True)
        raise_on_iopub_timeout = Bool(False).tag(config=True)
        shutdown_kernel = Unicode("immediate").tag(config=True)
        max_restarts = Integer(6).tag(config=True)
        notebook_budget = Integer(0, help="seconds for the whole notebook; 0: 20 x timeout"
                                  ).tag(config=True)

        def _run_all(self, cells, deadline):
            pending = [i for i, c in enumerate(cells) if c.cell_type == "code"]
            done: list[int] = []
            restarts = 0
            while pending:
                if restarts > self.max_restarts:
                    self._not_run(cells, pending, "the kernel was restarted too many times")
                    return
                # The kernels' own log lines (e.g. "running over TCP") are noise here.
                with self.setup_kernel(stderr=subprocess.DEVNULL):
                    self.wait_for_reply(self.kc.kernel_info())
                    failure = None
                    for j in list(done):                       # replay after a restart
                        try:
                            self.execute_cell(copy.deepcopy(cells[j]), j, store_history=True)
                        except (CellTimeoutError, DeadKernelError) as exc:
                            done.remove(j)                     # never replay it again
                            failure = exc
                            break
                    while failure is None and pending:
                        j = pending[0]
                        if time.monotonic() > deadline:
                            self._not_run(cells, pending, "the notebook ran out of its "
                                                          "total time budget")
                            return
                        try:
                            self.execute_cell(cells[j], j, store_history=True)
                            done.append(j)
                        except CellTimeoutError as exc:
                            cells[j].outputs.append(_error_output(
                                "CellTimeoutError", f"the cell did not finish within "
                                f"{self.timeout} s (an endless loop?); the kernel was restarted"))
                            failure = exc
                        except DeadKernelError as exc:
                            cells[j].outputs.append(_error_output(
                                "DeadKernelError", "the kernel died while running this cell "
                                "(os._exit, a crash or out of memory); it was restarted"))
                            failure = exc
                        pending.pop(0)
                restarts += failure is not None

        def _not_run(self, cells, indices, why):
            for j in indices:
                cells[j].outputs.append(_error_output("NotRun", f"not run: {why}"))

        def preprocess(self, nb, resources=None, km=None):
            NotebookClient.__init__(self, nb, km)
            self.reset_execution_trackers()
            self._check_assign_resources(resources)
            budget = self.notebook_budget or 20 * (self.timeout or DEFAULT_TIMEOUT)
            self._run_all(self.nb.cells, time.monotonic() + budget)
            return self.nb, self.resources

    return RobustExecute


_ROBUST_EXECUTE = []


def robust_execute():
    """The :class:`RobustExecute` preprocessor class (built on first use: it imports nbgrader)."""
    if not _ROBUST_EXECUTE:
        _ROBUST_EXECUTE.append(_make_robust_execute())
    return _ROBUST_EXECUTE[0]


# ---------------------------------------------------------------------------
# Grading
# ---------------------------------------------------------------------------

@dataclass
class Row:
    student: str
    assignment: str
    exercise: str
    score: float | None
    max_score: float
    reason: str


def student_id(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", name).strip("._") or "student"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    taken.add(candidate)
    return candidate


def find_notebooks(folder: Path, stems: set[str]) -> tuple[dict[str, Path], list[str]]:
    """Map chapter stems to the student's notebooks; return notes about extra or duplicate files."""
    found: dict[str, list[Path]] = {}
    notes = []
    for path in sorted(folder.rglob("*.ipynb")):
        if any(p.startswith(".") or p in ("__MACOSX", ".ipynb_checkpoints")
               for p in path.relative_to(folder).parts):
            continue
        stem = path.stem if path.stem in stems else _chapter_of(path, stems)
        if stem is not None:
            found.setdefault(stem, []).append(path)
            if stem != path.stem:
                notes.append(f"{path.relative_to(folder)} was graded as {stem}.ipynb "
                             "(renamed file, recognised by its exercises)")
        else:
            notes.append(f"{path.relative_to(folder)} is not a notebook of the course: ignored")
    chosen = {}
    for stem, paths in found.items():
        paths.sort(key=lambda p: (len(p.relative_to(folder).parts), -p.stat().st_mtime))
        chosen[stem] = paths[0]
        if len(paths) > 1:
            notes.append(f"several copies of {stem}.ipynb: graded "
                         f"{paths[0].relative_to(folder)}")
    return chosen, notes


def _chapter_of(path: Path, stems: set[str]) -> str | None:
    """The chapter a renamed notebook belongs to, from its grade ids (``<stem>-ex<N>-...``)."""
    import json

    try:
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            grade_id = str(cell["metadata"]["nbgrader"]["grade_id"]) \
                if "nbgrader" in cell.get("metadata", {}) else ""
            match = EXERCISE_ID.match(grade_id)
            if match and match.group("exercise").rsplit("-ex", 1)[0] in stems:
                return match.group("exercise").rsplit("-ex", 1)[0]
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return None
    return None


def _norm(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def repair(submitted, released, exercises: list[Exercise]):
    """Prepare a submission for nbgrader; return ``(notebook, notes by exercise id)``.

    Test cells the student deleted are put back (after the nearest cell of the
    release that is still there), duplicated grade ids lose their metadata, and
    edits are recorded. nbgrader itself then restores the source of every test
    cell (including the hidden tests) from the gradebook.
    """
    by_id = {c.grade_id: (e, c) for e in exercises for c in e.cells}
    notes: dict[str, list[str]] = {e.id: [] for e in exercises}
    nb = copy.deepcopy(submitted)
    seen = set()
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id is None:
            continue
        if grade_id in seen or grade_id not in by_id:
            cell.metadata.pop("nbgrader", None)      # a copy or a made-up id: an ordinary cell
            continue
        seen.add(grade_id)
    release_cells = [c for c in released.cells if nbgrader_meta(c).get("grade_id") in by_id]
    release_src = {nbgrader_meta(c)["grade_id"]: c for c in release_cells}

    def position(gid_index):
        """Index in nb after which the release cell number ``gid_index`` goes."""
        present = {nbgrader_meta(c).get("grade_id"): i for i, c in enumerate(nb.cells)}
        for k in range(gid_index - 1, -1, -1):
            gid = nbgrader_meta(release_cells[k])["grade_id"]
            if gid in present:
                return present[gid] + 1
        for k in range(gid_index + 1, len(release_cells)):
            gid = nbgrader_meta(release_cells[k])["grade_id"]
            if gid in present:
                return present[gid]
        return len(nb.cells)

    for k, rcell in enumerate(release_cells):
        gid = nbgrader_meta(rcell)["grade_id"]
        exercise, info = by_id[gid]
        what = ("the hidden test" if info.hidden else "the written answer"
                if info.kind == "answer" else "the visible test" if info.kind == "tests"
                else "the solution cell")
        current = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") == gid]
        if not current:
            if info.kind == "tests":
                nb.cells.insert(position(k), copy.deepcopy(rcell))
                notes[exercise.id].append(f"{what} cell was deleted: the original was put "
                                          "back and run")
            else:
                notes[exercise.id].append(f"{what} was deleted")
            continue
        cell = current[0]
        if info.kind == "tests" and (cell.cell_type != rcell.cell_type
                                     or _norm(cell.source) != _norm(rcell.source)):
            notes[exercise.id].append(f"{what}s were edited: the originals were restored "
                                      "and run")
        elif info.kind == "solution" and _norm(cell.source) == _norm(release_src[gid].source):
            notes[exercise.id].append("not attempted: the stub was left unchanged")
    return nb, notes


def _outcome(cell) -> tuple[str, str] | None:
    """``(ename, evalue)`` of the first error of an executed cell, or ``None``."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out.get("ename", "Error"), str(out.get("evalue", ""))
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            return "stderr", "the cell wrote to stderr (a warning?), which counts as a failure"
    return None


def _describe(info: GradedCell, outcome, secret: set[str]) -> str:
    ename, evalue = outcome
    where = "hidden tests" if info.hidden else "visible tests"
    if ename == "NotImplementedError":
        return f"{where}: the function still raises NotImplementedError"
    if ename in ("CellTimeoutError", "DeadKernelError", "NotRun"):
        return f"{where}: {evalue}"
    if info.hidden:
        return f"{where} failed ({ename})"
    first = scrub(evalue.strip().splitlines()[0] if evalue.strip() else "", secret)
    first = first if len(first) <= 200 else first[:197] + "..."
    return f"{where} failed: {ename}" + (f": {first}" if first else "")


_WORKER_API = {}


def _autograde_one(course: str, assignment: str, sid: str, timeout: int) -> dict:
    """Run nbgrader autograde for one student (in a worker process); retry once if the
    gradebook was locked by another worker."""
    import warnings

    warnings.filterwarnings("ignore", module="nbgrader")
    key = (course, timeout)
    if key not in _WORKER_API:
        _WORKER_API[key] = _api(Path(course), timeout)
    api = _WORKER_API[key]
    for attempt in range(3):
        try:
            result = api.autograde(assignment, sid, force=True, create=True)
        except Exception as exc:  # noqa: BLE001 - reported as a row reason
            result = {"success": False, "error": f"{type(exc).__name__}: {exc}"}
        if result.get("success") or "database is locked" not in str(result.get("error")):
            break
        time.sleep(1 + attempt)
    return {"success": bool(result.get("success")), "error": str(result.get("error") or "")}


def autograde_all(course: Path, assignment: str, sids: list[str], timeout: int,
                  jobs: int) -> dict[str, dict]:
    """Autograde the students ``sids``, ``jobs`` at a time; ``{sid: {"success", "error"}}``."""
    if jobs <= 1 or len(sids) <= 1:
        return {sid: _autograde_one(str(course), assignment, sid, timeout) for sid in sids}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {sid: pool.submit(_autograde_one, str(course), assignment, sid, timeout)
                   for sid in sids}
        results = {}
        for sid, future in futures.items():
            try:
                results[sid] = future.result()
            except Exception as exc:  # noqa: BLE001 - a dead worker is a row reason
                results[sid] = {"success": False, "error": f"{type(exc).__name__}: {exc}"}
        return results


def grade_assignment(assignment: Assignment, students: dict[str, Path], ids: dict[str, str],
                     course: Path, timeout: int, student_notes: dict[str, list[str]],
                     jobs: int = 1) -> list[Row]:
    """Autograde every student's notebooks of ``assignment``; one row per student × exercise."""
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry

    stems = {c.stem for c in assignment.chapters}
    hidden_lines: set[str] = set()
    for chapter in assignment.chapters:
        s = secrets(nbformat.read(chapter.path, as_version=4))
        hidden_lines |= s["hidden"] | s["solution"]
    released = {c.stem: nbformat.read(course / "release" / assignment.name / c.path.name,
                                      as_version=4) for c in assignment.chapters}
    state: dict[str, tuple[dict, dict]] = {}
    for name, folder in students.items():
        sid = ids[name]
        notebooks, _ = find_notebooks(folder, stems)
        target = course / "submitted" / sid / assignment.name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        notes: dict[str, list[str]] = {}
        blocked: dict[str, str] = {}
        for chapter in assignment.chapters:
            for e in chapter.exercises:
                notes[e.id] = []
            path = notebooks.get(chapter.stem)
            if path is None:
                blocked[chapter.stem] = f"{chapter.stem}.ipynb was not submitted"
                continue
            try:
                submitted = nbformat.read(path, as_version=4)
                nb, found = repair(submitted, released[chapter.stem], chapter.exercises)
                nbformat.write(nb, target / chapter.path.name)
            except Exception as exc:  # noqa: BLE001 - any broken file is a reason, not a crash
                blocked[chapter.stem] = (f"{chapter.stem}.ipynb could not be read as a "
                                         f"notebook ({type(exc).__name__})")
                continue
            for key, value in found.items():
                notes[key].extend(value)
        state[name] = (notes, blocked)

    to_grade = [ids[n] for n, (_, blocked) in state.items()
                if len(blocked) < len(assignment.chapters)]
    results = autograde_all(course, assignment.name, to_grade, timeout, jobs)

    rows: list[Row] = []
    for name in students:
        sid = ids[name]
        notes, blocked = state[name]
        result = results.get(sid, {"success": True})
        failure = None
        if not result.get("success"):
            last = (result.get("error") or "").strip().splitlines()[-1:] or ["unknown error"]
            failure = f"nbgrader could not grade the notebook ({scrub(last[0], hidden_lines)})"
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            for chapter in assignment.chapters:
                graded_path = course / "autograded" / sid / assignment.name / chapter.path.name
                graded = None
                if chapter.stem not in blocked and graded_path.exists():
                    graded = nbformat.read(graded_path, as_version=4)
                cells = {nbgrader_meta(c).get("grade_id"): c for c in graded.cells} if graded else {}
                for exercise in chapter.exercises:
                    reasons = list(notes[exercise.id])
                    failures: list[str] = []
                    score: float | None = 0.0
                    if chapter.stem in blocked:
                        reasons = [blocked[chapter.stem]]
                    elif graded is None:
                        reasons.append(failure or "nbgrader produced no graded notebook")
                    else:
                        pending = False
                        untouched = any(r.startswith("not attempted") for r in reasons)
                        for info in exercise.cells:
                            if not info.graded:
                                continue
                            try:
                                g = gb.find_grade(info.grade_id, chapter.stem, assignment.name, sid)
                                points = g.score
                                needs_manual = g.needs_manual_grade
                            except MissingEntry:
                                points, needs_manual = 0.0, False
                            if info.kind == "answer":
                                if needs_manual or points is None:
                                    pending = True
                                continue
                            outcome = _outcome(cells.get(info.grade_id, {}))
                            if outcome is not None and not (
                                    untouched and outcome[0] == "NotImplementedError"):
                                failures.append(_describe(info, outcome, hidden_lines))
                            elif outcome is not None:
                                failures.append("")
                            score += float(points or 0)
                        reasons += [f for f in failures if f]
                        if pending:
                            score = None
                            reasons.append("written answer: to be graded by hand "
                                           "(nbgrader formgrader in grading/)")
                        elif not failures:
                            reasons.append("all tests passed")
                    rows.append(Row(name, assignment.name, exercise.id, score,
                                    exercise.max_score, "; ".join(dict.fromkeys(reasons))))
    return rows


def write_csv(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "assignment", "exercise", "score", "max_score", "reason"])
        for r in rows:
            writer.writerow([r.student, r.assignment, r.exercise,
                             "" if r.score is None else f"{r.score:g}", f"{r.max_score:g}",
                             r.reason])


FEEDBACK_CSS = """
body { font-family: system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; color: #222; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border: 1px solid #bbb; padding: .4rem .6rem; text-align: left; vertical-align: top; }
th { background: #eee; } td.num { text-align: right; white-space: nowrap; }
.full { color: #00664d; } .part { color: #a04000; }
"""


def write_feedback(student: str, rows: list[Row], notes: list[str], assignments: dict[str, str],
                   path: Path, timeout: int, secret: set[str]) -> None:
    """One self-contained HTML page: scores and reasons, nothing from hidden tests or solutions."""
    esc = html.escape
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>Feedback for {esc(student)}</title><style>{FEEDBACK_CSS}</style></head><body>",
             f"<h1>Feedback for {esc(student)}</h1>",
             f"<p>Graded automatically on {time.strftime('%Y-%m-%d')}. Every cell had "
             f"{timeout} s to run. Test cells were run in their original form; hidden tests "
             "are not shown.</p>"]
    for name in dict.fromkeys(r.assignment for r in rows):
        mine = [r for r in rows if r.assignment == name]
        got = sum(r.score or 0 for r in mine)
        total = sum(r.max_score for r in mine)
        parts.append(f"<h2>{esc(assignments.get(name, name))}: {got:g} / {total:g} points</h2>")
        parts.append("<table><tr><th>exercise</th><th>score</th><th>what happened</th></tr>")
        for r in mine:
            score = "to be graded" if r.score is None else f"{r.score:g} / {r.max_score:g}"
            css = "full" if r.score == r.max_score else "part"
            parts.append(f"<tr><td>{esc(r.exercise)}</td><td class=\"num {css}\">{score}</td>"
                         f"<td>{esc(scrub(r.reason, secret))}</td></tr>")
        parts.append("</table>")
    if notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes)
                     + "</ul>")
    parts.append("</body></html>\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")


def grade(submissions: Path, root: Path = ROOT, out: Path | None = None,
          course: Path | None = None, timeout: int = DEFAULT_TIMEOUT,
          only: str | None = None, jobs: int | None = None) -> list[Row]:
    """Grade every student folder in ``submissions``; write grades.csv and feedback pages."""
    import nbformat

    submissions = Path(submissions)
    if not submissions.is_dir():
        raise SystemExit(f"SUBMISSIONS={submissions} is not a folder (expected one sub-folder "
                         "per student)")
    out = out or root / "grading" / "results"
    course = course or root / "grading"
    assignments = discover(root)
    if only:
        assignments = [a for a in assignments if a.name == only]
        if not assignments:
            raise SystemExit(f"no assignment named {only!r}; known: "
                             f"{', '.join(a.name for a in discover(root))}")
    students = {p.name: p for p in sorted(submissions.iterdir())
                if p.is_dir() and not p.name.startswith((".", "__"))}
    if not students:
        raise SystemExit(f"{submissions} has no student folders")
    stems = {c.stem: a for a in assignments for c in a.chapters}
    # Grade an assignment when at least one student handed in one of its notebooks.
    wanted = [a for a in assignments
              if any(find_notebooks(f, {c.stem for c in a.chapters})[0] for f in students.values())]
    if only:
        wanted = assignments
    if not wanted:
        raise SystemExit(f"no notebook in {submissions} matches a chapter with exercises "
                         f"({', '.join(sorted(stems))})")
    # Student code runs in kernels that import this checkout's lecture_kit, with
    # explorers in their fast live form and a non-interactive plotting backend.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(root)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    os.environ.update(LECTURE_KIT_EXPLORERS="live", MPLBACKEND="Agg",
                      PYDEVD_DISABLE_FILE_VALIDATION="1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # small matrices, parallel notebooks
    import warnings

    warnings.filterwarnings("ignore", module="nbgrader")   # SQLAlchemy notes inside nbgrader
    if jobs is None:
        jobs = min(2, os.cpu_count() or 1)
    start = time.monotonic()
    prepare_course(wanted, course, timeout)
    rows: list[Row] = []
    student_notes: dict[str, list[str]] = {}
    taken: set[str] = set()
    ids = {name: student_id(name, taken) for name in students}
    all_stems = {c.stem for a in discover(root) for c in a.chapters}
    for name, folder in students.items():
        student_notes[name] = find_notebooks(folder, all_stems)[1]
    for assignment in wanted:
        rows += grade_assignment(assignment, students, ids, course, timeout, student_notes,
                                 jobs)
    secret: set[str] = set()
    for assignment in wanted:
        for chapter in assignment.chapters:
            s = secrets(nbformat.read(chapter.path, as_version=4))
            secret |= s["hidden"] | s["solution"]
    write_csv(rows, out / "grades.csv")
    captions = {a.name: a.caption for a in wanted}
    for name in students:
        notes = sorted(set(student_notes.get(name, [])))
        write_feedback(name, [r for r in rows if r.student == name], notes, captions,
                       out / "feedback" / f"{ids[name]}.html", timeout, secret)
    elapsed = time.monotonic() - start
    print(f"graded {len(students)} student(s) x {len(wanted)} assignment(s) in {elapsed:.0f} s")
    print(f"  {out / 'grades.csv'}  ({len(rows)} rows)")
    print(f"  {out / 'feedback'}/<student>.html")
    from grade_report import write_all
    paths = write_all(out, root)
    print(f"  {paths['report']}  (class report; gradebooks for Canvas and Moodle beside it)")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="print the assignments and exercises found in _toc.yml")
    p = sub.add_parser("release", help="write student notebooks and zips")
    p.add_argument("--out", type=Path, default=ROOT / "release")
    p = sub.add_parser("grade", help="autograde a folder of submissions")
    p.add_argument("submissions", type=Path)
    p.add_argument("--out", type=Path, default=ROOT / "grading" / "results")
    p.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT,
                   help=f"seconds per cell (default {DEFAULT_TIMEOUT})")
    p.add_argument("--assignment", default=None, help="grade only this assignment")
    p.add_argument("--jobs", type=int, default=None,
                   help="notebooks graded in parallel (default: 2, or 1 on one core)")
    args = parser.parse_args(argv)
    # nbgrader runs helpers such as `alembic` by name: make the environment's own
    # scripts visible even when it is not activated (make calls .venv/bin/python).
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bindir, os.environ.get("PATH", "")])
    if args.command == "list":
        for a in discover(ROOT):
            print(f"{a.name}  ({a.caption})")
            for e in a.exercises:
                kind = "written, graded by hand" if e.manual else "autograded"
                print(f"  {e.notebook}: {e.id}  {e.max_score:g} points, {kind}")
        return 0
    if args.command == "release":
        release(ROOT, args.out)
        return 0
    if args.timeout <= 0:
        parser.error("--timeout must be a positive number of seconds")
    grade(args.submissions, ROOT, args.out, timeout=args.timeout, only=args.assignment,
          jobs=args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
