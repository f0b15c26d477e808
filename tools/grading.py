"""Release the book's exercises to students and grade their notebooks (nbgrader 0.9).

Usage (``make release`` and ``make grade`` wrap the last two)::

    python tools/grading.py list                          # assignments, exercises, points
    python tools/grading.py mutants [EXERCISE ...]        # grade the declared wrong answers
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
import functools
import json
import html
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import quick_imports  # noqa: E402  (tools/ is on sys.path)

quick_imports.skip_iri_grammars()   # before anything imports nbformat

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

def split_region(source: str, begin: str, end: str) -> tuple[list[str], list[str]]:
    r"""``(inside, outside)``: the lines of ``source`` between a line containing
    ``begin`` and the next one containing ``end``, and all the others.

    The marker lines themselves are in neither list; a region left open runs to the
    end of ``source``.

    >>> split_region("a\n### BEGIN X\nb\n### END X\nc", "BEGIN X", "END X")
    (['b'], ['a', 'c'])
    """
    inside, outside, within = [], [], False
    for line in source.splitlines():
        if begin in line:
            within = True
        elif end in line:
            within = False
        else:
            (inside if within else outside).append(line)
    return inside, outside


def secrets(nb) -> dict[str, set[str]]:
    """Lines that must never reach a student: ``{"hidden": ..., "solution": ...}``.

    A line counts when it is at least 8 characters long (stripped) and does not
    also occur outside the secret regions of the notebook (so that a shared line
    such as ``import math`` in a visible cell is not a false alarm).
    """
    hidden, solution, public, rubric = set(), set(), set(), set()
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        text = cell.source
        for item in rubric_of(cell):
            rubric.add(str(item.get("criterion", "")).strip())
        h = split_region(text, BEGIN_HIDDEN, END_HIDDEN)[0]
        s = split_region(text, BEGIN_SOLUTION, END_SOLUTION)[0]
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

    return {"hidden": keep(hidden), "solution": keep(solution), "rubric": keep(rubric)}


def rubric_of(cell) -> list[dict]:
    """The rubric of a manually graded answer (``metadata.lecture_kit.rubric``: a list of
    ``{"points", "criterion"}``), or ``[]``. Instructor-only, like all of
    ``metadata.lecture_kit``."""
    rubric = ((cell.get("metadata", {}) or {}).get("lecture_kit") or {}).get("rubric")
    return [r for r in rubric if isinstance(r, dict)] if isinstance(rubric, list) else []


RUBRIC_TAG = "lecture-kit-rubric"


def rubric_markdown(grade_id: str, points: float, rubric: list[dict]) -> str:
    """The read-only cell shown to the instructor in formgrader below a written answer."""
    lines = [f"**Rubric for {grade_id}** (instructor only, {points:g} points; not part of "
             "the student's notebook or feedback)", ""]
    for item in rubric:
        p = item.get("points")
        p_text = f"{p:g}" if isinstance(p, (int, float)) else str(p)
        criterion = " ".join(str(item.get("criterion", "")).split())
        lines.append(f"- **{p_text} {'point' if p == 1 else 'points'}**: {criterion}")
    return "\n".join(lines)


def insert_rubrics(nb, rubrics: dict[str, list[dict]]) -> int:
    """Put a read-only markdown cell with the rubric after every written answer of ``nb``
    that has one (``rubrics``: grade id -> rubric); return how many were inserted.
    Idempotent: a rubric cell already in place is replaced."""
    from nbformat.v4 import new_markdown_cell

    nb.cells = [c for c in nb.cells if RUBRIC_TAG not in c.get("metadata", {}).get("tags", [])]
    n, out = 0, []
    for cell in nb.cells:
        out.append(cell)
        meta = nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if gid in rubrics and rubrics[gid] and meta.get("grade") and meta.get("solution"):
            out.append(new_markdown_cell(
                rubric_markdown(gid, float(meta.get("points", 0) or 0), rubrics[gid]),
                metadata={"editable": False, "deletable": False, "tags": [RUBRIC_TAG]}))
            n += 1
    nb.cells = out
    return n


def rubrics_of(chapter_nb) -> dict[str, list[dict]]:
    """``{grade_id: rubric}`` of every manually graded answer of a source chapter."""
    return {nbgrader_meta(c)["grade_id"]: rubric_of(c) for c in chapter_nb.cells
            if nbgrader_meta(c).get("grade_id") and rubric_of(c)}


@functools.lru_cache(maxsize=65536)
def _squash(text: str) -> str:
    """``text`` for comparisons: NFKC-normalised, without any whitespace or invisible
    format character (so NBSP, ideographic spaces, zero-width joiners or full-width
    letters cannot hide a copied line)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text
                   if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc", "Zs"))


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
    """The secret ``lines`` that occur in ``text`` (whitespace- and Unicode-insensitive)."""
    squashed = _squash(text)
    return sorted(ln for ln in lines if _squash(ln) and _squash(ln) in squashed)


def scrub(text: str, lines: set[str], replacement: str = "[details withheld]") -> str:
    """``text``, or ``replacement`` when any secret line occurs in it in any spelling."""
    return replacement if leaks(text, lines) else text


def course_secrets(root: Path = ROOT) -> set[str]:
    """Hidden-test and solution lines of every chapter of the course (all parts)."""
    import nbformat

    found: set[str] = set()
    for _, paths in toc_parts(root):
        for path in paths:
            try:
                s = secrets(nbformat.read(path, as_version=4))
            except Exception:  # noqa: BLE001 - a chapter without nbgrader cells
                continue
            found |= s["hidden"] | s["solution"] | s["rubric"]
    return found


# ---------------------------------------------------------------------------
# The nbgrader course directory
# ---------------------------------------------------------------------------

def nbgrader_config(course: Path, timeout: int = DEFAULT_TIMEOUT, sandbox: dict | None = None):
    from traitlets.config import Config
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern,
                                        LimitOutput, SaveAutoGrades)

    cfg = Config()
    cfg.CourseDirectory.root = str(course)
    cfg.CourseDirectory.course_id = "why-deep-networks-train"
    cfg.Execute.timeout = timeout
    cfg.RobustExecute.timeout = timeout
    if sandbox is not None:
        # Every student kernel starts through tools/sandbox.py, always the course's
        # own Python kernel (never one named by the submitted notebook).
        cfg.RobustExecute.kernel_manager_class = sandbox_kernel_manager()
        cfg.RobustExecute.kernel_name = "python3"
        if sandbox["mode"] != "none":
            cfg.KernelManager.transport = "ipc"           # no network inside the sandbox
            cfg.KernelManager.ip = str(Path(sandbox["conn"]) / "k")
    cfg.Autograde.autograde_preprocessors = [
        robust_execute(), IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    return cfg


def alembic_head() -> str:
    """The newest revision of nbgrader's gradebook schema, read in this process.

    What ``nbgrader.api.get_alembic_version`` answers by running ``alembic heads``
    in a subprocess (3 s here, and only when ``alembic`` is on ``PATH``): the same
    scripts, read with alembic's own ``ScriptDirectory`` (0.1 s).
    """
    import nbgrader.api
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    with nbgrader.api._temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:
        return ScriptDirectory.from_config(Config(ini)).get_current_head()


def cache_alembic_version() -> str:
    """nbgrader asks ``alembic heads`` (a subprocess) each time it opens the gradebook
    (several times per student): answer once per run, in this process
    (:func:`alembic_head`), and reuse it (workers get it through ``LK_ALEMBIC_VERSION``)."""
    import nbgrader.api

    if not getattr(nbgrader.api.get_alembic_version, "_lk_cached", False):
        known = os.environ.get("LK_ALEMBIC_VERSION") or alembic_head()

        def cached() -> str:
            return known

        cached._lk_cached = True
        nbgrader.api.get_alembic_version = cached
    return nbgrader.api.get_alembic_version()


def _api(course: Path, timeout: int = DEFAULT_TIMEOUT, sandbox: dict | None = None):
    from nbgrader.apps import NbGraderAPI

    cache_alembic_version()

    api = NbGraderAPI(config=nbgrader_config(course, timeout, sandbox))
    api.log.setLevel(logging.ERROR)
    return api


def prepare_course(assignments: list[Assignment], course: Path,
                   timeout: int = DEFAULT_TIMEOUT) -> None:
    """Rebuild ``course`` (an nbgrader course directory) and generate every assignment."""
    import nbformat
    from release_kit import label_hidden_tests

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
                cell.metadata.pop("lecture_kit", None)   # instructor-only (forbidden, mutants)
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            label_hidden_tests(nb)             # release_kit: a comment stays in the release
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
        if any("lecture_kit" in c.get("metadata", {}) for c in released.cells):
            problems.append(f"{target.name}: the release carries metadata.lecture_kit")
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


# The student README (set-up commands and rules) lives with the rest of the release kit.
from release_kit import STUDENT_README  # noqa: E402  (tools/ is on sys.path)


def release(root: Path = ROOT, out: Path | None = None, course: Path | None = None) -> list[Path]:
    """Write ``out/<assignment>/`` student notebooks and ``out/<assignment>.zip``.

    Each folder and zip is a kit (``tools/release_kit.py``): the notebooks, the
    ``lecture_kit`` wheel, ``constraints.txt`` and a README with the set-up commands.
    """
    import release_kit

    out = out or root / "release"
    course = course or root / "grading"
    assignments = discover(root)
    prepare_course(assignments, course)
    out.mkdir(parents=True, exist_ok=True)
    wheel = release_kit.build_wheel(root, course / "wheel")
    written = []
    for assignment in assignments:
        target = out / assignment.name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(course / "release" / assignment.name, target)
        release_kit.add_kit(target, assignment.caption, wheel, root)
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

        ``timeout`` bounds the cells that run the student's answer (nbgrader's
        solution and test cells). The course's own cells (imports, data, figures),
        and every cell replayed after a restart (it finished once already), get at
        least ``course_cell_timeout``: they terminate, and on a loaded machine an
        import can take longer than a tight ``timeout``, which would turn a correct
        answer into a zero. The notebook budget still bounds everything.
        """

        interrupt_on_timeout = Bool(False).tag(config=True)
        error_on_timeout = Dict(default_value=None, allow_none=True).tag(config=True)
        raise_on_iopub_timeout = Bool(False).tag(config=True)
        shutdown_kernel = Unicode("immediate").tag(config=True)
        max_restarts = Integer(6).tag(config=True)
        max_output_bytes = Integer(100_000, help="output kept per cell; the rest is cut"
                                   ).tag(config=True)
        notebook_budget = Integer(0, help="seconds for the whole notebook; 0: 20 x timeout"
                                  ).tag(config=True)
        course_cell_timeout = Integer(60, help="the least time a course cell or a replayed "
                                      "cell gets, seconds").tag(config=True)
        _replaying = False

        def _get_timeout(self, cell):
            timeout = super()._get_timeout(cell)
            if timeout is None or cell is None:
                return timeout
            meta = cell.get("metadata", {}).get("nbgrader") or {}
            if self._replaying or not (meta.get("solution") or meta.get("grade")):
                return max(timeout, self.course_cell_timeout)
            return timeout

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
                        self._replaying = True
                        try:
                            self.execute_cell(copy.deepcopy(cells[j]), j, store_history=True)
                        except (CellTimeoutError, DeadKernelError) as exc:
                            done.remove(j)                     # never replay it again
                            failure = exc
                            break
                        finally:
                            self._replaying = False
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
                                f"{self._get_timeout(cells[j])} s (an endless loop?); the "
                                f"kernel was restarted"))
                            failure = exc
                        except DeadKernelError as exc:
                            cells[j].outputs.append(_error_output(
                                "DeadKernelError", "the kernel died while running this cell "
                                "(os._exit, a crash or out of memory); it was restarted"))
                            failure = exc
                        pending.pop(0)
                restarts += failure is not None

        def output(self, outs, msg, display_id, cell_index):
            used = self._output_used.get(cell_index, 0)
            size = _content_size(msg.get("content"))
            if used + size > self.max_output_bytes:
                if used <= self.max_output_bytes:
                    from nbformat.v4 import new_output

                    outs.append(new_output("stream", name="stdout", text=(
                        f"[output cut by the grader: this cell produced more than "
                        f"{self.max_output_bytes // 1000} kB]\n")))
                self._output_used[cell_index] = self.max_output_bytes + 1
                return None
            self._output_used[cell_index] = used + size
            return super().output(outs, msg, display_id, cell_index)

        def _update_display_id(self, display_id, msg):
            if _content_size(msg.get("content")) > self.max_output_bytes:
                return None
            return super()._update_display_id(display_id, msg)

        def _not_run(self, cells, indices, why):
            for j in indices:
                cells[j].outputs.append(_error_output("NotRun", f"not run: {why}"))

        def preprocess(self, nb, resources=None, km=None):
            NotebookClient.__init__(self, nb, km)
            self._output_used = {}
            self.reset_execution_trackers()
            self._check_assign_resources(resources)
            budget = self.notebook_budget or 20 * (self.timeout or DEFAULT_TIMEOUT)
            self._run_all(self.nb.cells, time.monotonic() + budget)
            return self.nb, self.resources

    return RobustExecute


def _content_size(content, depth: int = 0) -> int:
    """Rough size in bytes of a kernel message's content (strings counted in full)."""
    if isinstance(content, str):
        return len(content)
    if depth > 6:
        return 0
    if isinstance(content, dict):
        return sum(_content_size(v, depth + 1) + len(str(k)) for k, v in content.items())
    if isinstance(content, (list, tuple)):
        return sum(_content_size(v, depth + 1) for v in content)
    return 8


_ROBUST_EXECUTE = []
_SANDBOX_KM = []
SANDBOX = Path(__file__).resolve().parent / "sandbox.py"


def sandbox_kernel_manager():
    """A KernelManager that starts every kernel through ``tools/sandbox.py``."""
    if not _SANDBOX_KM:
        from jupyter_client.manager import AsyncKernelManager
        from traitlets import default

        class SandboxKernelManager(AsyncKernelManager):
            @default("connection_file")
            def _sandbox_connection_file(self):
                import uuid

                folder = os.environ.get("JUPYTER_RUNTIME_DIR") or "."
                return os.path.join(folder, f"kernel-{uuid.uuid4().hex[:12]}.json")

            def format_kernel_cmd(self, extra_arguments=None):
                cmd = super().format_kernel_cmd(extra_arguments)
                config = os.environ.get("LK_SANDBOX_CONFIG")
                if not config:
                    raise RuntimeError("refusing to start a student kernel without a sandbox "
                                       "(LK_SANDBOX_CONFIG is not set)")
                return [sys.executable, str(SANDBOX), config, "--"] + cmd

        _SANDBOX_KM.append(SandboxKernelManager)
    return _SANDBOX_KM[0]


def robust_execute():
    """The :class:`RobustExecute` preprocessor class (built on first use: it imports nbgrader)."""
    if not _ROBUST_EXECUTE:
        _ROBUST_EXECUTE.append(_make_robust_execute())
    return _ROBUST_EXECUTE[0]


# ---------------------------------------------------------------------------
# Grading: rows, names, what each student handed in
# ---------------------------------------------------------------------------

CSV_COLUMNS = ["student", "assignment", "exercise", "score", "max_score", "reason",
               "status", "feedback"]
STATUSES = ("graded", "needs_review", "not_graded", "manual")
LOG_NAME = "grading.log"
OVERRIDES_NAME = "overrides.csv"
UID_BASE = int(os.environ.get("LK_SANDBOX_UID_BASE", "61000"))
MAX_NOTEBOOK_BYTES = 20_000_000


@dataclass
class Row:
    student: str
    assignment: str
    exercise: str
    score: float | None
    max_score: float
    reason: str
    status: str = "graded"       # graded | needs_review | not_graded | manual
    feedback: str = ""           # the feedback page, relative to the results folder


def display_name(name: str) -> str:
    """A file name as text any output can hold: bytes that are not UTF-8 become ``\\xNN``,
    control characters are escaped (``os.fsdecode`` names carry surrogates)."""
    text = os.fsencode(name).decode("utf-8", errors="backslashreplace")
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def student_id(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", display_name(name)).strip("._") or "student"
    candidate, n = base[:80], 1
    while candidate in taken:
        n += 1
        candidate = f"{base[:80]}_{n}"
    taken.add(candidate)
    return candidate


def _skipped(part: str) -> bool:
    return part.startswith(".") or part in ("__MACOSX", "__pycache__")


def student_folders(submissions: Path) -> tuple[Path, dict[str, Path], dict[str, str]]:
    """``(folder read, {student: folder}, {student: why refused})``.

    ``submissions`` is a folder with one sub-folder per student (notebooks anywhere
    inside), nbgrader's ``submitted/`` folder (``<student>/<assignment>/*.ipynb``),
    or an nbgrader course root holding ``submitted/``. Nothing in it is modified.
    """
    if (submissions / "submitted").is_dir() and any(
            (submissions / n).exists() for n in ("gradebook.db", "nbgrader_config.py")):
        submissions = submissions / "submitted"
    students: dict[str, Path] = {}
    refused: dict[str, str] = {}
    with os.scandir(submissions) as entries:
        for entry in sorted(entries, key=lambda e: os.fsencode(e.name)):
            if _skipped(entry.name):
                continue
            name = display_name(entry.name)
            while name in students or name in refused:
                name += "_"
            if entry.is_symlink():
                if os.path.isdir(entry.path):
                    refused[name] = ("the student's folder is a symbolic link: refused, "
                                     "nothing in it was graded")
            elif entry.is_dir(follow_symlinks=False):
                students[name] = Path(entry.path)
    return submissions, students, refused


@dataclass
class Handed:
    """What one student handed in: candidate notebooks per chapter and notes."""
    copies: dict[str, list[Path]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def find_notebooks(folder: Path, chapters: dict[str, str]) -> Handed:
    """Every notebook of the course in ``folder`` (``chapters``: stem -> assignment).

    Symbolic links (files or folders) and anything resolving outside ``folder`` are
    refused; a notebook inside a folder named after another assignment (nbgrader's
    layout) is ignored; renamed notebooks are recognised by their grade ids.
    """
    handed = Handed()
    base = os.path.realpath(folder)
    assignments = set(chapters.values())
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        rel_dir = Path(dirpath).relative_to(folder)
        for d in list(dirnames):
            full = os.path.join(dirpath, d)
            if _skipped(d):
                dirnames.remove(d)
            elif os.path.islink(full):
                dirnames.remove(d)
                handed.notes.append(f"{display_name(str(rel_dir / d))} is a symbolic link: "
                                    "refused")
        for f in sorted(filenames):
            path = Path(dirpath) / f
            rel = display_name(str(rel_dir / f))
            if not f.endswith(".ipynb"):
                continue
            if path.is_symlink():
                handed.notes.append(f"{rel} is a symbolic link: refused")
                continue
            real = os.path.realpath(path)
            if not real.startswith(base + os.sep) or not path.is_file():
                handed.notes.append(f"{rel} is not a regular file inside the student's "
                                    "folder: refused")
                continue
            stem = path.stem if path.stem in chapters else _chapter_of(path, set(chapters))
            if stem is None:
                handed.notes.append(f"{rel} is not a notebook of the course: ignored")
                continue
            top = rel_dir.parts[0] if rel_dir.parts else None
            if top in assignments and chapters[stem] != top:
                handed.notes.append(f"{rel} belongs to the assignment {chapters[stem]}, not "
                                    f"to {top}: ignored")
                continue
            if stem != path.stem:
                handed.notes.append(f"{rel} was graded as {stem}.ipynb (renamed file, "
                                    "recognised by its exercises)")
            handed.copies.setdefault(stem, []).append(path)
    return handed


def _chapter_of(path: Path, stems: set[str]) -> str | None:
    """The chapter a renamed notebook belongs to, from its grade ids (``<stem>-ex<N>-...``)."""
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return None
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


def _read_notebook(path: Path):
    import nbformat

    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise ValueError("larger than 20 MB")
    with open(path, encoding="utf-8", errors="strict") as fh:
        return nbformat.read(fh, as_version=4)


def _untouched(nb, released) -> bool:
    """True when every solution cell of ``nb`` is still the release's stub."""
    stubs = {nbgrader_meta(c).get("grade_id"): _norm(c.source) for c in released.cells
             if nbgrader_meta(c).get("solution")}
    mine = {nbgrader_meta(c).get("grade_id"): _norm(c.source) for c in nb.cells
            if nbgrader_meta(c).get("grade_id") in stubs}
    return all(mine.get(g, s) == s for g, s in stubs.items())


def choose_copy(stem: str, paths: list[Path], folder: Path, released) -> tuple[Path, list[str]]:
    """One notebook among several copies: a worked copy before the untouched stub, then the
    shallowest, then the newest; the choice is reported."""
    if len(paths) == 1:
        return paths[0], []
    info = []
    for p in paths:
        try:
            stub = _untouched(_read_notebook(p), released)
        except Exception:  # noqa: BLE001 - unreadable copies come last
            stub = True
        info.append((stub, len(p.relative_to(folder).parts), -p.stat().st_mtime, p))
    info.sort(key=lambda t: t[:3])
    chosen = info[0][3]
    others = []
    for stub, _, _, p in info[1:]:
        others.append(display_name(str(p.relative_to(folder)))
                      + (" (the unchanged stub)" if stub else ""))
    note = (f"several copies of {stem}.ipynb: graded "
            f"{display_name(str(chosen.relative_to(folder)))}, ignored {', '.join(others)}")
    return chosen, [note]


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
            elif info.kind == "answer":
                notes[exercise.id].append("not answered (the answer cell was deleted)")
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
        elif info.kind == "answer" and (_norm(cell.source) == _norm(rcell.source)
                                        or not _norm(cell.source)
                                        or _norm(cell.source) == "YOUR ANSWER HERE"):
            notes[exercise.id].append("not answered")
    sanitize_notebook(nb)
    return nb, notes


# ---------------------------------------------------------------------------
# Copies an instructor opens: no active content
# ---------------------------------------------------------------------------

SAFE_MIME = ("text/plain", "image/png", "image/jpeg", "image/gif", "text/latex")


def _clean_markdown(text: str) -> str:
    import nh3

    return nh3.clean(text, tags=set(nh3.ALLOWED_TAGS) - {"a", "img"},
                     url_schemes={"http", "https"})


def sanitize_notebook(nb, max_output_chars: int = 100_000) -> None:
    """Make a student notebook safe to open for the instructor (formgrader, JupyterLab):
    markdown and raw cells through ``nh3`` (no scripts, event handlers, links or
    images), attachments and widget state dropped, outputs reduced to plain text and
    bitmap images, each cell's output capped."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.pop("attachments", None)
        cell.metadata.pop("lecture_kit", None)
        if cell.cell_type in ("markdown", "raw"):
            cell.source = _clean_markdown(cell.source)
            if cell.cell_type == "raw":
                cell.metadata.pop("format", None)
                cell.metadata.pop("raw_mimetype", None)
            continue
        if cell.cell_type != "code":
            continue
        kept, used = [], 0
        for out in cell.get("outputs", []):
            if out.get("output_type") in ("display_data", "execute_result"):
                data = {k: v for k, v in out.get("data", {}).items() if k in SAFE_MIME}
                if not data:
                    data = {"text/plain": "[rich output removed by the grader]"}
                out["data"] = data
                out["metadata"] = {}
            size = _content_size(dict(out))
            if used + size > max_output_chars:
                from nbformat.v4 import new_output

                kept.append(new_output("stream", name="stdout",
                                       text="[output cut by the grader]\n"))
                break
            used += size
            kept.append(out)
        cell.outputs = kept


# ---------------------------------------------------------------------------
# Tamper detection: what a solution cell may not do
# ---------------------------------------------------------------------------

SUSPECT_NAMES = {
    "get_ipython": "uses get_ipython (can rewrite how the test cells run)",
    "__builtins__": "touches __builtins__", "builtins": "touches the builtins module",
    "exec": "runs code built at run time (exec)", "eval": "runs code built at run time (eval)",
    "compile": "compiles code at run time", "__import__": "imports by name at run time",
    "globals": "uses globals()", "locals": "uses locals()", "vars": "uses vars()",
    "setattr": "sets attributes by name (setattr)", "delattr": "deletes attributes (delattr)",
    "breakpoint": "calls breakpoint",
}
SUSPECT_MODULES = {"builtins", "ctypes", "gc", "inspect", "importlib", "IPython", "ipykernel",
                   "zmq", "jupyter_client", "comm", "traitlets", "linecache", "traceback",
                   "atexit", "signal", "threading", "_thread", "types", "code", "codeop",
                   "dis", "marshal", "pickle", "weakref", "tracemalloc", "faulthandler",
                   "sitecustomize", "site", "unittest"}
SAFE_MODULES = {"IPython.display"}
SUSPECT_SYS = {"modules", "settrace", "setprofile", "_getframe", "meta_path", "path_hooks",
               "path_importer_cache", "displayhook", "excepthook", "stdout", "stderr",
               "addaudithook", "setrecursionlimit", "exit", "breakpointhook", "monitoring"}
FRAME_ATTRS = {"f_back", "f_globals", "f_locals", "f_code", "f_builtins", "tb_frame",
               "tb_next", "gi_frame", "cr_frame", "ag_frame", "co_code", "co_consts"}
ALLOWED_DUNDERS = {"__name__", "__doc__", "__init__", "__qualname__", "__repr__", "__str__"}
NUMERIC_BASES = {"int", "float", "complex", "bool", "str", "bytes", "tuple", "list", "dict",
                 "ndarray", "generic", "number", "floating", "float64", "float32", "integer",
                 "matrix", "Number", "Real", "Integral", "MaskedArray", "Fraction", "Decimal"}
PROTECTED = {"np", "numpy", "check", "lecture_kit", "math", "sp", "sympy"}
# Names an IPython kernel adds to the builtins, and what importing them honestly binds.
KERNEL_BUILTINS = {"display": "IPython.display.display",
                   "get_ipython": "IPython.core.getipython.get_ipython"}


@functools.cache
def builtin_names() -> frozenset[str]:
    """The builtins a student's cell runs with: a fresh interpreter's, plus the kernel's.

    Read from a new interpreter, not from this process's ``builtins`` module: the
    verdict on a cell must not depend on what has run here before (IPython adds
    ``display`` and ``get_ipython`` to it; an interactive shell adds ``_``).
    """
    names = subprocess.run([sys.executable, "-I", "-c",
                            "import builtins; print(' '.join(dir(builtins)))"],
                           capture_output=True, text=True, check=True).stdout.split()
    return frozenset(names) | frozenset(KERNEL_BUILTINS)


def _dotted(node, aliases: dict[str, str]) -> str | None:
    import ast

    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, aliases)
        return f"{base}.{node.attr}" if base else None
    return None


def _import_aliases(tree) -> dict[str, str]:
    import ast

    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    aliases[a.name.split(".")[0]] = a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                if a.name != "*":
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def _matches(dotted: str, forbidden: str) -> bool:
    if "." not in forbidden:
        return forbidden in dotted.split(".")
    return dotted == forbidden or dotted.startswith(forbidden + ".")


def context_of(released) -> tuple[dict[str, str], set[str]]:
    """Import aliases and protected global names defined by a notebook's own (non-solution)
    code cells: a solution may not rebind them."""
    import ast

    aliases: dict[str, str] = {}
    protected = set(PROTECTED)
    for cell in released.cells:
        if cell.cell_type != "code" or nbgrader_meta(cell).get("solution"):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        found = _import_aliases(tree)
        aliases.update(found)
        protected |= set(found)
    return aliases, protected


def scan_solution(source: str, aliases: dict[str, str], protected: set[str],
                  forbidden: list[str]) -> tuple[list[str], list[str]]:
    """``(notebook-wide problems, problems of this exercise)`` in a solution cell.

    Notebook-wide: anything that can change how *other* cells run (builtins,
    IPython, modules' attributes, frames, rebinding names the tests use).
    This exercise: objects that can compare equal to anything (dunder methods,
    subclasses of numbers or arrays) and forbidden names from the exercise metadata.
    """
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [], []              # it fails its tests on its own
    except (ValueError, RecursionError, MemoryError):
        return ["the cell cannot be analysed (null bytes or too deeply nested)"], []
    wide: list[str] = []
    local: list[str] = []
    aliases = {**aliases, **_import_aliases(tree)}
    modules_bound = {k for k, v in aliases.items()}
    guarded = protected | builtin_names()

    def flag(where: list[str], text: str, node) -> None:
        line = getattr(node, "lineno", None)
        where.append(text + (f" (line {line})" if line else ""))

    def root_name(node):
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    def targets(node):
        if isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                yield from targets(elt)
        elif isinstance(node, ast.Starred):
            yield from targets(node.value)
        else:
            yield node

    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id in SUSPECT_NAMES:
                flag(wide, SUSPECT_NAMES[node.id], node)
            elif node.id.startswith("__") and node.id.endswith("__") \
                    and node.id not in ALLOWED_DUNDERS:
                flag(wide, f"uses {node.id}", node)
        elif isinstance(node, ast.Attribute):
            attr = node.attr
            if attr.startswith("__") and attr.endswith("__") and attr not in ALLOWED_DUNDERS:
                flag(wide, f"uses the special attribute {attr}", node)
            elif attr in FRAME_ATTRS:
                flag(wide, f"inspects frames or code objects ({attr})", node)
            elif attr in SUSPECT_NAMES and attr in ("get_ipython", "builtins"):
                flag(wide, SUSPECT_NAMES[attr], node)
            base = _dotted(node.value, aliases)
            if base in ("sys",) and attr in SUSPECT_SYS:
                flag(wide, f"uses sys.{attr}", node)
            if "transformer" in attr or attr in ("register_magic_function", "events",
                                                 "run_cell", "user_ns", "showtraceback",
                                                 "set_custom_exc", "input_transformers_post"):
                flag(wide, f"reaches into IPython ({attr})", node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""])
            for name in names:
                if name.split(".")[0] in SUSPECT_MODULES and name not in SAFE_MODULES:
                    flag(wide, f"imports {name}", node)
            if isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    if a.name == "*":
                        flag(wide, f"imports * from {node.module}", node)
                    if node.module == "sys" and a.name in SUSPECT_SYS:
                        flag(wide, f"imports sys.{a.name}", node)
        elif isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = (_dotted(base, aliases) or "").split(".")[-1]
                if name in NUMERIC_BASES or name == "type":
                    flag(local, f"defines a subclass of {name}", node)
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                        item.name.startswith("__") and item.name not in ALLOWED_DUNDERS:
                    flag(local, f"defines the special method {item.name}", item)
            for kw in node.keywords:
                flag(local, "defines a class with a metaclass or keywords", node)
        elif isinstance(node, ast.Call):
            fn = _dotted(node.func, aliases) or ""
            if fn in ("type", "builtins.type") and len(node.args) == 3:
                flag(local, "creates a class at run time (type with 3 arguments)", node)
        elif isinstance(node, ast.Global):
            for name in node.names:
                if name in guarded:
                    flag(wide, f"rebinds the global name {name}", node)
        # assignments to attributes/items of modules, and deletions
        assigned = []
        if isinstance(node, ast.Assign):
            assigned = [t for tgt in node.targets for t in targets(tgt)]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            assigned = list(targets(node.target))
        elif isinstance(node, ast.Delete):
            assigned = [t for tgt in node.targets for t in targets(tgt)]
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            assigned = list(targets(node.target))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            assigned = list(targets(node.optional_vars))
        elif isinstance(node, ast.NamedExpr):
            assigned = [node.target]
        for t in assigned:
            if isinstance(t, (ast.Attribute, ast.Subscript)):
                root = root_name(t)
                if root and (root in modules_bound or root in guarded or root in aliases):
                    flag(wide, f"assigns to an attribute or item of {root}", t)
        # forbidden names of the exercise
        if isinstance(node, (ast.Name, ast.Attribute)):
            dotted = _dotted(node, aliases)
            for f in forbidden:
                if dotted and _matches(dotted, f):
                    flag(local, f"uses {f}, which the exercise forbids", node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            mods = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                    [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
                    + [node.module or ""])
            for m in mods:
                for f in forbidden:
                    if _matches(m, f) or ("." in f and f.startswith(m + ".")
                                          and isinstance(node, ast.ImportFrom)
                                          and any(a.name == "*" for a in node.names)):
                        flag(local, f"imports {m}, which the exercise forbids", node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for f in forbidden:
                if "." in f and f in node.value:
                    flag(local, f"names {f}, which the exercise forbids", node)

    # module-level rebinding of names the tests rely on (np, check, builtins, ...)
    for stmt in tree.body:
        bound = []
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound = [stmt.name]
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for a in stmt.names:
                name = a.asname or a.name.split(".")[0]
                full = (a.name if isinstance(stmt, ast.Import)
                        else f"{stmt.module}.{a.name}")
                honest = (KERNEL_BUILTINS.get(name) == full
                          or (name in protected and aliases.get(name) in (full, a.name)))
                if name in guarded and not honest:
                    if not (isinstance(stmt, ast.Import) and a.asname is None):
                        bound.append(name)
        else:
            for node in ast.walk(stmt):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                     ast.ClassDef)):
                    continue
                if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                    bound.append(node.id)
        for name in bound:
            if name in guarded:
                flag(wide, f"rebinds {name}, which the tests use", stmt)
    return list(dict.fromkeys(wide)), list(dict.fromkeys(local))


def forbidden_of(chapter_nb) -> dict[str, list[str]]:
    """``{grade_id: [forbidden dotted names]}`` from ``metadata.lecture_kit.forbidden``."""
    out = {}
    for cell in chapter_nb.cells:
        meta = cell.get("metadata", {}).get("lecture_kit") or {}
        gid = nbgrader_meta(cell).get("grade_id")
        if gid and meta.get("forbidden"):
            out[gid] = [str(f) for f in meta["forbidden"]]
    return out


def load_overrides(path: Path | None) -> dict[tuple[str, str], tuple[str, str]]:
    """``{(student, exercise): (score or "as graded", note)}`` from the instructor's
    overrides file (CSV with the columns student, exercise, score, note)."""
    if path is None or not path.exists():
        return {}
    out = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for line in csv.DictReader(fh):
            student, exercise = (line.get("student") or "").strip(), \
                (line.get("exercise") or "").strip()
            if student and exercise:
                out[(student, exercise)] = ((line.get("score") or "as graded").strip(),
                                            (line.get("note") or "").strip())
    return out


# ---------------------------------------------------------------------------
# Grading many answers to one exercise at once (the mutation test)
# ---------------------------------------------------------------------------

STUB_CODE = "# YOUR CODE HERE\nraise NotImplementedError()"
_SNAPSHOT_CELL = '''\
def _lk_fresh_module():
    import copy, re, sys, types
    import numpy
    mod = types.ModuleType("_lk_fresh")
    keep_history = re.compile(r"^(_|__|___|_i|_ii|_iii|_i\\d+|_\\d+)$")
    data = (numpy.ndarray, numpy.generic, numpy.random.Generator, numpy.random.RandomState,
            numpy.random.BitGenerator, list, dict, set, tuple, bytearray)

    def copied(value):
        if isinstance(value, data):
            try:
                return copy.deepcopy(value)
            except Exception:
                return value
        return value

    ns = get_ipython().user_ns
    saved = {k: copied(v) for k, v in ns.items() if k != "_lk_fresh_module"}

    def reset(ns):
        for k in list(ns):
            if k not in saved and not keep_history.match(k):
                del ns[k]
        ns.update({k: copied(v) for k, v in saved.items()})

    mod.reset = reset
    sys.modules["_lk_fresh"] = mod


_lk_fresh_module()
del _lk_fresh_module'''
_RESET_CELL = '__import__("sys").modules["_lk_fresh"].reset(get_ipython().user_ns)'


def stub_solutions(source: str) -> str:
    """``source`` with every ``### BEGIN/END SOLUTION`` region replaced by nbgrader's stub
    (what a student who did not answer hands in)."""
    out, inside = [], False
    for line in source.splitlines():
        if BEGIN_SOLUTION in line:
            inside = True
            indent = line[:len(line) - len(line.lstrip())]
            out += [indent + s for s in STUB_CODE.splitlines()]
        elif END_SOLUTION in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def strip_hidden(source: str) -> str:
    """``source`` without its ``### BEGIN/END HIDDEN TESTS`` region (as released)."""
    return "\n".join(split_region(source, BEGIN_HIDDEN, END_HIDDEN)[1])


def _cell_names(source: str):
    """``(bound, free, defined)`` names of a code cell: names it binds at module level,
    names it reads without binding them anywhere in the cell, and the names bound
    by ``def``/``class``/``import`` (functions and modules rather than data).
    ``None`` when the cell cannot be parsed (it is then always kept)."""
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError):
        return None
    bound, loaded, anywhere, defined = set(), set(), set(), set()

    def visit(node, depth):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loaded.add(node.id)
            else:
                anywhere.add(node.id)
                if depth == 0:
                    bound.add(node.id)
        elif isinstance(node, ast.arg):
            anywhere.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                name = a.asname or a.name.split(".")[0]
                anywhere.add(name)
                if depth == 0:
                    bound.add(name)
                    defined.add(name)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            anywhere.add(node.name)
            if depth == 0:
                bound.add(node.name)
                defined.add(node.name)
        inner = depth + isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                          ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                                          ast.GeneratorExp))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, 0)
    return bound, loaded - anywhere - bound, defined


def needed_cells(before: list[str], used: list[str]) -> list[int]:
    """Indices of the cells of ``before`` (code run before an exercise, in order) that
    the code in ``used`` depends on: a cell is kept when it binds a name that a kept
    cell or ``used`` reads, or reads such a name that holds data (not a function or a
    module), since it may change it (a random generator draws, an array is written);
    cells that cannot be parsed are kept. The rest (plots, widgets, glue, printing
    experiments whose results the exercise does not read) is left out."""
    names = [_cell_names(src) for src in before]
    data = set()
    for n in names:
        if n is not None:
            data |= n[0] - n[2]
    need: set[str] = set()
    for src in used:
        n = _cell_names(src)
        if n is not None:
            need |= n[1]
    keep = []
    for i in range(len(before) - 1, -1, -1):
        n = names[i]
        if n is None or n[0] & need or n[1] & need & data:
            keep.append(i)
            if n is not None:
                need |= n[1]
    return sorted(keep)


@dataclass
class VariantGrade:
    """How ``grade`` would score one answer to one coding exercise."""

    score: float
    max_score: float
    reasons: list[str]
    flags: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.score == self.max_score and not self.flags


def coding_exercises(root: Path = ROOT) -> list[tuple[Path, str]]:
    """``[(chapter path, exercise id)]`` of every autograded coding exercise of the book
    (the exercises of ``discover``: the parts of ``_toc.yml``, nbgrader metadata)."""
    return [(c.path, e.id) for a in discover(root) for c in a.chapters for e in c.exercises
            if any(x.kind == "solution" for x in e.cells)
            and any(x.kind == "tests" for x in e.cells)]


def exercise_meta(chapter_nb, exercise_id: str) -> dict:
    """``metadata.lecture_kit`` of the exercise's solution cell (forbidden, mutants), or {}."""
    for cell in chapter_nb.cells:
        m = nbgrader_meta(cell)
        gid = m.get("grade_id") or ""
        match = EXERCISE_ID.match(gid)
        if m.get("solution") and not m.get("grade") and match \
                and match.group("exercise") == exercise_id:
            return dict(cell.get("metadata", {}).get("lecture_kit") or {})
    return {}


def grade_variants(chapter: Path, exercise_id: str, answers: dict[str, str],
                   timeout: int = DEFAULT_TIMEOUT,
                   whole_chapter: bool = False) -> dict[str, VariantGrade]:
    """Grade several answers to one coding exercise as ``grade`` grades a student's cell.

    ``answers`` maps a name to the full source of the solution cell. What runs is
    what the grader runs for that exercise: the chapter's code cells before the
    solution cell (as released: other solutions are stubs), the answer, then the
    exercise's test cells in their original form (hidden tests included), in one
    Python kernel driven by :class:`RobustExecute` (time limit per cell, restart
    after a crash). Of the cells before the exercise only those its code depends
    on run (:func:`needed_cells`; ``whole_chapter=True`` runs them all, as
    ``grade`` does), once; each answer then runs
    with its tests in a fresh copy of the namespace they left (arrays, random
    generators and containers copied, so an answer that modifies them cannot
    influence the next). Each test cell is scored by nbgrader's own rule
    (``nbgrader.utils.determine_grade``), and an answer that the tamper scan flags
    (a name the exercise forbids, ...) scores 0, as in ``grade``.
    """
    import tempfile

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook
    from nbgrader.utils import determine_grade

    nb = nbformat.read(chapter, as_version=4)
    exercise = next((e for e in exercises_of(nb, chapter.stem) if e.id == exercise_id), None)
    if exercise is None:
        raise ValueError(f"{chapter.name} has no exercise {exercise_id!r}")
    by_id = {c.grade_id: c for c in exercise.cells}
    solution = next((c.grade_id for c in exercise.cells if c.kind == "solution"), None)
    if solution is None:
        raise ValueError(f"{exercise_id} has no solution code cell")
    start = next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade_id") == solution)
    sources = [stub_solutions(c.source) if nbgrader_meta(c).get("solution") else c.source
               for c in nb.cells[:start] if c.cell_type == "code"]
    tests = [c for c in nb.cells[start + 1:] if c.cell_type == "code"
             and by_id.get(nbgrader_meta(c).get("grade_id")) is not None
             and by_id[nbgrader_meta(c)["grade_id"]].kind == "tests"]
    if not whole_chapter:
        sources = [sources[i] for i in needed_cells(
            sources, list(answers.values()) + [t.source for t in tests])]
    before = [new_code_cell(src) for src in sources]
    # the tamper scan, with the context of the released notebook
    released = copy.deepcopy(nb)
    for cell in released.cells:
        if cell.cell_type == "code":
            cell.source = strip_hidden(stub_solutions(cell.source))
    aliases, protected = context_of(released)
    forbidden = forbidden_of(nb).get(solution, [])
    public = {nbgrader_meta(c).get("grade_id"): c.source for c in released.cells}

    cells = before + [new_code_cell(_SNAPSHOT_CELL)]
    where: dict[str, list[int]] = {}
    for name, source in answers.items():
        cells.append(new_code_cell(_RESET_CELL))
        cells.append(new_code_cell(source))
        where[name] = []
        for t in tests:
            where[name].append(len(cells))
            cells.append(new_code_cell(t.source, metadata={"nbgrader": dict(nbgrader_meta(t))}))
    run = new_notebook(cells=cells)
    run.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                  "language": "python"}
    env = dict(os.environ)
    os.environ.update(LECTURE_KIT_EXPLORERS="live", MPLBACKEND="Agg",
                      OPENBLAS_NUM_THREADS="1", PYDEVD_DISABLE_FILE_VALIDATION="1",
                      PYTHONPATH=os.pathsep.join(p for p in (str(ROOT),
                                                             env.get("PYTHONPATH")) if p))
    try:
        with tempfile.TemporaryDirectory(prefix="lk-variants-") as home:
            executor = robust_execute()(timeout=timeout, kernel_name="python3",
                                        notebook_budget=max(600, 20 * timeout * len(answers)))
            executor.log.setLevel(logging.ERROR)
            run, _ = executor.preprocess(run, {"metadata": {"path": home}})
    finally:
        os.environ.clear()
        os.environ.update(env)
    setup = [c for c in run.cells[len(before):] if c.source in (_SNAPSHOT_CELL, _RESET_CELL)]
    broken = [_outcome(c) for c in setup if _outcome(c) is not None]
    if broken:
        raise RuntimeError(f"{exercise_id}: the grader's namespace reset failed: {broken[0][:2]}")
    out: dict[str, VariantGrade] = {}
    max_score = sum(c.points for c in exercise.cells if c.kind == "tests")
    for name, source in answers.items():
        score, reasons = 0.0, []
        for j in where[name]:
            cell = run.cells[j]
            got, _ = determine_grade(cell)
            score += float(got or 0)
            result = _outcome(cell)
            info = by_id[nbgrader_meta(cell)["grade_id"]]
            if result is not None:
                reasons.append(describe_failure(info, result, public.get(info.grade_id, ""),
                                                set()))
        wide, local = scan_solution(source, aliases, protected, forbidden)
        flags = wide + local
        if flags:
            reasons.insert(0, f"needs review: {'; '.join(flags)}; scored 0 (the tests as run "
                              f"gave {score:g} / {max_score:g})")
            score = 0.0
        out[name] = VariantGrade(score, max_score, reasons, flags)
    return out


def print_mutant_grades(wanted: list[str], timeout: int = DEFAULT_TIMEOUT) -> int:
    """``grading.py mutants``: one line per answer; exit status 1 when a mutant keeps
    every point or a reference loses one."""
    import nbformat

    bad = 0
    for path, exercise in coding_exercises(ROOT):
        if wanted and exercise not in wanted:
            continue
        nb = nbformat.read(path, as_version=4)
        solution = next(c for c in nb.cells if c.cell_type == "code"
                        and nbgrader_meta(c).get("solution")
                        and str(nbgrader_meta(c).get("grade_id")).startswith(exercise + "-"))
        answers = {"(reference)": solution.source}
        for m in exercise_meta(nb, exercise).get("mutants") or []:
            answers[str(m.get("id"))] = str(m.get("source", ""))
        start = time.monotonic()
        grades = grade_variants(path, exercise, answers, timeout)
        print(f"{exercise}: {len(answers) - 1} mutant(s), {time.monotonic() - start:.1f} s")
        for name, g in grades.items():
            ok = g.full if name == "(reference)" else g.score < g.max_score
            bad += not ok
            print(f"  {'ok ' if ok else 'BAD'} {name:<28} {g.score:g} / {g.max_score:g}  "
                  + "; ".join(g.reasons))
    return 1 if bad else 0



# ---------------------------------------------------------------------------
# The sandbox around each student's kernels (tools/sandbox.py does the work)
# ---------------------------------------------------------------------------

def sandbox_mode(requested: str = "auto") -> str:
    """``root`` (namespaces + an unprivileged uid), ``userns`` (namespaces as the grading
    user) or ``none`` (limits only); ``auto`` picks the strongest that works here."""
    requested = os.environ.get("LK_SANDBOX", requested) or "auto"
    if requested != "auto":
        return requested
    if os.geteuid() == 0:
        return "root"
    return "userns"       # probed in Sandbox.check(); falls back to "none" with a warning


def _processes() -> list[tuple[int, int, int]]:
    """``[(pid, ppid, real uid)]`` of every process visible in /proc."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except OSError:
            continue
        ppid = re.search(r"^PPid:\s+(\d+)", text, re.M)
        uid = re.search(r"^Uid:\s+(\d+)", text, re.M)
        if ppid and uid:
            out.append((int(entry), int(ppid.group(1)), int(uid.group(1))))
    return out


def kill_uid(uid: int, rounds: int = 50) -> bool:
    """SIGKILL every process of ``uid`` until none is left; True when none survives."""
    import signal

    for _ in range(rounds):
        pids = [pid for pid, _, u in _processes() if u == uid and pid != os.getpid()]
        if not pids:
            return True
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.05)
    return not [pid for pid, _, u in _processes() if u == uid]


def kill_descendants(root_pid: int, keep: set[int] = frozenset()) -> int:
    """SIGKILL every descendant of ``root_pid`` except the trees of ``keep``; return the count."""
    import signal

    killed = 0
    for _ in range(20):
        procs = _processes()
        children: dict[int, list[int]] = {}
        for pid, ppid, _ in procs:
            children.setdefault(ppid, []).append(pid)
        victims, stack = [], [p for p in children.get(root_pid, []) if p not in keep]
        while stack:
            pid = stack.pop()
            victims.append(pid)
            stack.extend(children.get(pid, []))
        if not victims:
            return killed
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        while True:                    # reap the ones that were our children
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        time.sleep(0.05)
    return killed


_SUBREAPER: list[bool] = []


def set_subreaper() -> None:
    """Orphans of everything started from here (double-forked daemons) become our children,
    so that they can be found and killed. Only for processes that start nothing else
    (the grader's command line and its workers), never inside another program."""
    import ctypes

    try:
        if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0:  # CHILD_SUBREAPER
            _SUBREAPER.append(True)
    except (OSError, AttributeError):
        pass


class Sandbox:
    """Per-run sandbox settings: a private temporary folder with one slot per parallel job."""

    def __init__(self, root: Path, mode: str, slots: int, timeout: int,
                 memory_mb: int = 3072):
        import tempfile

        self.root, self.mode, self.timeout = root, mode, timeout
        self.memory_mb = memory_mb
        self.base = Path(tempfile.mkdtemp(prefix="lk-grade-"))
        os.chmod(self.base, 0o711)
        self.slots = slots
        self._locks = []
        self.uids = self._claim_uids(slots) if mode == "root" else [os.getuid()] * slots
        self.venv = Path(sys.prefix)
        self.lk_copy = self.base / "course"
        if mode == "none":
            # a copy the kernel cannot write to by accident (it could chmod it back)
            shutil.copytree(root / "lecture_kit", self.lk_copy / "lecture_kit",
                            ignore=shutil.ignore_patterns("__pycache__"))
            for dirpath, dirnames, filenames in os.walk(self.lk_copy):
                for f in filenames:
                    os.chmod(os.path.join(dirpath, f), 0o444)
                os.chmod(dirpath, 0o555)
        self.mpl = self.base / "mplconfig"
        self.mpl.mkdir()
        # matplotlib's font cache, built once per run (not once per kernel)
        env = dict(os.environ, MPLCONFIGDIR=str(self.mpl), MPLBACKEND="Agg")
        own = Path(os.environ.get("MPLCONFIGDIR") or Path.home() / ".cache" / "matplotlib")
        for cache in sorted(own.glob("fontlist-*.json")) if own.is_dir() else []:
            shutil.copyfile(cache, self.mpl / cache.name)
        subprocess.run([sys.executable, "-c", "import matplotlib.pyplot"], env=env,
                       capture_output=True, timeout=600)
        for k in range(slots):
            self.slot_dir(k).mkdir()

    def _claim_uids(self, n: int) -> list[int]:
        """``n`` sandbox uids that no other grading run on this machine holds (a lock
        file per uid, held until :meth:`close`) and that run no process."""
        import fcntl

        folder = Path("/run/lk-grade") if os.access("/run", os.W_OK) else \
            Path("/tmp/lk-grade-uids")
        folder.mkdir(mode=0o700, exist_ok=True)
        uids: list[int] = []
        for uid in range(UID_BASE, UID_BASE + 1000):
            if len(uids) == n:
                break
            fh = open(folder / f"{uid}.lock", "w")
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.close()
                continue
            if any(u == uid for _, _, u in _processes()):
                fh.close()
                continue
            self._locks.append(fh)
            uids.append(uid)
        if len(uids) < n:
            raise SystemExit("no free sandbox uid (61000-61999) for grading")
        return uids

    def slot_dir(self, k: int) -> Path:
        return self.base / f"s{k}"

    def prepare_slot(self, k: int, files: list[Path]) -> dict:
        """Fresh connection/root folders for slot ``k``; the launcher's configuration."""
        slot = self.slot_dir(k)
        for name in ("conn", "root", "home"):
            shutil.rmtree(slot / name, ignore_errors=True)
        conn, chroot, home = slot / "conn", slot / "root", slot / "home"
        conn.mkdir(mode=0o700)
        chroot.mkdir(mode=0o755)
        uid = self.uids[k]
        if self.mode == "root":
            os.chown(conn, uid, uid)
        home_in = "/home/student"
        copies = [[str(p), p.name] for p in files] + [[str(self.mpl), ".config/matplotlib"]]
        if self.mode == "none":
            home.mkdir(mode=0o700)
            for src, name in copies:
                dest = home / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                (shutil.copytree if Path(src).is_dir() else shutil.copyfile)(src, dest)
            home_in = str(home)
        budget = 20 * self.timeout * max(1, len(files)) + 60
        nproc = 64 if self.mode == "root" else \
            64 + sum(1 for _, _, u in _processes() if u == os.getuid())
        ro = ["/usr", "/bin", "/lib", "/lib32", "/lib64", "/sbin", "/etc"]
        for extra in (os.path.realpath(sys.base_prefix), str(self.venv)):
            if not any(extra == r or extra.startswith(r + "/") for r in ro):
                ro.append(extra)
        ro.append([str(self.root / "lecture_kit"), "/opt/course/lecture_kit"])
        pythonpath = "/opt/course" if self.mode != "none" else str(self.lk_copy)
        cfg = {
            "mode": self.mode, "root": str(chroot), "conn": str(conn), "uid": uid, "gid": uid,
            "home": home_in, "plain_home": str(home), "home_mb": 256, "tmp_mb": 256,
            "ro": ro, "rw": [str(conn)], "copy": copies,
            "limits": {"as": self.memory_mb * 2**20, "nproc": nproc, "fsize": 64 * 2**20,
                       "nofile": 1024, "core": 0, "cpu": budget},
            "env": {"PATH": f"{self.venv}/bin:/usr/local/bin:/usr/bin:/bin",
                    "PYTHONPATH": pythonpath, "LECTURE_KIT_EXPLORERS": "live",
                    "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                    "MPLCONFIGDIR": f"{home_in}/.config/matplotlib",
                    "IPYTHONDIR": f"{home_in}/.ipython", "LANG": "C.UTF-8",
                    "LC_ALL": "C.UTF-8", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
                    "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": "/tmp",
                    "JUPYTER_PLATFORM_DIRS": "1", "USER": "student"},
        }
        path = slot / "sandbox.json"
        path.write_text(json.dumps(cfg), encoding="utf-8")
        return {"config": str(path), "conn": str(conn), "mode": self.mode, "uid": uid,
                "budget": budget}

    def check(self) -> str | None:
        """Start a Python in slot 0 that imports lecture_kit; None when it works, else why."""
        sb = self.prepare_slot(0, [])
        probe = ("import os, lecture_kit, numpy, matplotlib.pyplot\n"
                 "assert lecture_kit.__file__.startswith(os.environ['PYTHONPATH'])\n"
                 "print(os.getuid())")
        try:
            result = subprocess.run([sys.executable, str(SANDBOX), sb["config"], "--",
                                     str(self.venv / "bin" / "python"), "-c", probe],
                                    capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return "the sandbox probe did not finish in 300 s"
        if result.returncode != 0:
            return (result.stderr.strip().splitlines() or ["exit status "
                                                           f"{result.returncode}"])[-1]
        if self.mode == "root" and result.stdout.strip() != str(self.uids[0]):
            return f"the probe ran as uid {result.stdout.strip()}, not {self.uids[0]}"
        return None

    def clean_slot(self, k: int) -> bool:
        """Kill what is left of slot ``k``; True when nothing survives."""
        ok = kill_uid(self.uids[k]) if self.mode == "root" else True
        for name in ("conn", "root", "home"):
            shutil.rmtree(self.slot_dir(k) / name, ignore_errors=True)
        return ok

    def close(self) -> None:
        if self.mode == "root":
            for uid in self.uids:
                kill_uid(uid)
        shutil.rmtree(self.base, ignore_errors=True)
        for fh in self._locks:
            fh.close()
        self._locks = []


def _warm_worker_imports() -> None:
    """Import what every worker needs, once, in the zygote that forks them."""
    import nbclient  # noqa: F401
    import nbformat  # noqa: F401
    from nbgrader.apps import NbGraderAPI  # noqa: F401

    sandbox_kernel_manager()
    robust_execute()


def _worker(job_path: str) -> int:
    """One student's autograding (run as ``grading.py _autograde JOB.json``).

    Trusted code: it keeps the gradebook; the student's kernels start through the
    sandbox. Writes ``{"success", "error"}`` to the job's result file.
    """
    import warnings

    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    set_subreaper()
    sb = job["sandbox"]
    if sb["mode"] == "root":
        # a private mount namespace: the kernels' socket folder is a small tmpfs
        sys.path.insert(0, str(SANDBOX.parent))
        import sandbox as sandbox_mod

        sandbox_mod.unshare(sandbox_mod.CLONE_NEWNS)
        sandbox_mod.mount(None, "/", None, sandbox_mod.MS_REC | sandbox_mod.MS_PRIVATE)
        sandbox_mod.mount("lk-conn", sb["conn"], "tmpfs",
                          sandbox_mod.MS_NOSUID | sandbox_mod.MS_NODEV,
                          f"size=4m,mode=0700,uid={sb['uid']},gid={sb['uid']}")
    os.environ.update(LK_SANDBOX_CONFIG=sb["config"], JUPYTER_RUNTIME_DIR=sb["conn"],
                      LK_ALEMBIC_VERSION=job.get("alembic", ""))
    warnings.filterwarnings("ignore")
    api = _api(Path(job["course"]), job["timeout"], sb)
    result: dict = {}
    for attempt in range(5):
        try:
            result = api.autograde(job["assignment"], job["sid"], force=True, create=True)
        except Exception as exc:  # noqa: BLE001 - reported as a row reason
            result = {"success": False, "error": f"{type(exc).__name__}: {exc}"}
        if result.get("success") or "database is locked" not in str(result.get("error")):
            break
        time.sleep(1 + attempt)
    kill_descendants(os.getpid())
    out = {"success": bool(result.get("success")), "error": str(result.get("error") or "")}
    tmp = Path(job["result"] + ".tmp")
    tmp.write_text(json.dumps(out), encoding="utf-8")
    os.replace(tmp, job["result"])
    return 0


@dataclass
class Job:
    name: str
    sid: str
    assignment: str
    files: list[Path]
    attempts: int = 0
    outcome: dict = field(default_factory=dict)
    seconds: float = 0.0


def run_jobs(jobs: list[Job], sandbox: Sandbox, course: Path, timeout: int,
             on_done) -> None:
    """Autograde each job in its own worker process, ``sandbox.slots`` at a time.

    A worker that dies, hangs past its budget or fails is run once more; then
    its job is recorded as failed. Between two jobs every process of the slot is
    killed and the kill is verified.
    """
    from collections import deque

    pending = deque(jobs)
    running: dict[int, tuple[Job, subprocess.Popen, float, dict]] = {}
    free = list(range(sandbox.slots))
    spawn = _WorkerSpawner(sandbox.base / "zygote.log")
    try:
        _run_jobs(pending, running, free, spawn, sandbox, course, timeout, on_done)
    finally:
        spawn.close()


class _WorkerSpawner:
    """Starts grading workers as forks of one warm zygote (tools/forkserver.py: the
    imports are paid once per run, not once per student), or, if the zygote cannot
    run, as fresh interpreters (``grading.py _autograde JOB``)."""

    def __init__(self, log: Path):
        self.log, self.zygote, self.failed = log, None, False

    def __call__(self, job_file: Path, errors: Path):
        from forkserver import Zygote, ZygoteError

        if not self.failed:
            try:
                if self.zygote is None:
                    self.zygote = Zygote([sys.executable, str(Path(__file__).resolve()),
                                          "_zygote"], self.log)
                return self.zygote.start([str(job_file)], errors)
            except ZygoteError as exc:
                self.failed = True
                try:
                    tail = self.log.read_text(errors="replace")[-2000:]
                except OSError:
                    tail = ""
                print(f"warning: grading workers start as fresh processes: {exc}\n{tail}",
                      file=sys.stderr)
        with errors.open("wb") as err:
            return subprocess.Popen([sys.executable, str(Path(__file__).resolve()),
                                     "_autograde", str(job_file)],
                                    stdout=subprocess.DEVNULL, stderr=err,
                                    start_new_session=True)

    @property
    def pids(self) -> set[int]:
        """The zygote's pid (its children are the workers), if it runs."""
        return {self.zygote.pid} if self.zygote is not None else set()

    def close(self) -> None:
        if self.zygote is not None:
            self.zygote.close()


def _run_jobs(pending, running, free, spawn, sandbox, course, timeout, on_done) -> None:
    import signal

    while pending or running:
        while pending and free:
            k = free.pop(0)
            job = pending.popleft()
            job.attempts += 1
            sb = sandbox.prepare_slot(k, job.files)
            spec = {"course": str(course), "assignment": job.assignment, "sid": job.sid,
                    "timeout": timeout, "sandbox": sb, "alembic": cache_alembic_version(),
                    "result": str(sandbox.slot_dir(k) / "result.json")}
            Path(spec["result"]).unlink(missing_ok=True)
            job_file = sandbox.slot_dir(k) / "job.json"
            job_file.write_text(json.dumps(spec), encoding="utf-8")
            proc = spawn(job_file, sandbox.slot_dir(k) / "worker.log")
            running[k] = (job, proc, time.monotonic(), spec)
        time.sleep(0.1)
        for k in list(running):
            job, proc, started, spec = running[k]
            overdue = time.monotonic() - started > spec["sandbox"]["budget"] + 120
            if proc.poll() is None and not overdue:
                continue
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            try:
                err = (sandbox.slot_dir(k) / "worker.log").read_bytes()[-4000:]
            except OSError:
                err = b""
            del running[k]
            if _SUBREAPER:             # orphans reparented to us (only when run by main())
                workers = {p.pid for _, p, _, _ in running.values()} | spawn.pids
                kill_descendants(os.getpid(), keep=workers)
            clean = sandbox.clean_slot(k)
            free.append(k)
            result_path = Path(spec["result"])
            if overdue:
                outcome = {"success": False, "error": "the grading process ran past its "
                           "time budget and was killed"}
            elif result_path.exists():
                try:
                    outcome = json.loads(result_path.read_text(encoding="utf-8"))
                except ValueError:
                    outcome = {"success": False, "error": "unreadable worker result"}
            else:
                code = proc.returncode
                why = (f"killed by signal {-code}" if code and code < 0 else
                       f"exit status {code}")
                last = (err or b"").decode("utf-8", "replace").strip().splitlines()[-1:]
                outcome = {"success": False, "error": f"the grading process died ({why})"
                           + (f": {last[0][:200]}" if last else "")}
            if not clean:
                outcome = {"success": False, "error": "a process of the sandbox could not "
                           "be killed"}
            job.seconds += time.monotonic() - started
            if not outcome.get("success") and job.attempts < 2:
                pending.appendleft(job)
                continue
            job.outcome = outcome
            on_done(job)


# ---------------------------------------------------------------------------
# From the gradebook to rows
# ---------------------------------------------------------------------------

SHORT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
RESTART_ERRORS = ("CellTimeoutError", "DeadKernelError", "NotRun")
RESTART_TEXT = {
    "CellTimeoutError": "a cell did not finish within the time limit (an endless loop?); "
                        "the kernel was restarted",
    "DeadKernelError": "the kernel died while running this cell (os._exit, a crash or out "
                       "of memory); it was restarted",
    "NotRun": "not run: the notebook ran out of its time budget or of kernel restarts",
}


def _outcome(cell) -> tuple[str, str, list] | None:
    """``(ename, evalue, traceback)`` of the first error of an executed cell, or ``None``."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return (str(out.get("ename", "Error")), str(out.get("evalue", "")),
                    list(out.get("traceback", []) or []))
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            return ("stderr", "the cell wrote to stderr (a warning?), which counts as a "
                    "failure", [])
    return None


def _assert_messages(source: str) -> set[str]:
    """String constants used as messages of the ``assert`` statements of a test cell."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.msg.value.strip() for node in ast.walk(tree)
            if isinstance(node, ast.Assert) and isinstance(node.msg, ast.Constant)
            and isinstance(node.msg.value, str)}


def _failed_line(traceback: list, source: str) -> str | None:
    """The public line of the test cell named by the traceback's last "line N"."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(str(t) for t in traceback))
    numbers = re.findall(r"(?:Cell In\s*\[\d*\],\s*)?line (\d+)", text)
    lines = source.splitlines()
    for n in reversed(numbers[-3:]):
        k = int(n) - 1
        if 0 <= k < len(lines) and lines[k].strip().startswith("assert"):
            line = lines[k].strip()
            return line if len(line) <= 160 else line[:157] + "..."
    return None


def describe_failure(info: GradedCell, outcome, public_source: str, secret: set[str]) -> str:
    """What the student may read about a failed test cell.

    An exception's name only when it is a short identifier; a message only when it is
    one of the visible cell's own ``assert`` messages, otherwise the visible cell's
    own failing ``assert`` line (public text); nothing from a hidden cell but its kind.
    """
    ename, evalue, traceback = outcome
    where = "hidden tests" if info.hidden else "visible tests"
    name = ename if SHORT_NAME.match(ename) else "an error"
    if ename == "NotImplementedError":
        return f"{where}: the function still raises NotImplementedError"
    if ename in RESTART_ERRORS:           # fixed texts: the evalue could be the student's
        return f"{where}: {RESTART_TEXT[ename]}"
    if ename == "stderr":
        return f"{where} failed: {evalue}"
    if info.hidden:
        return f"{where} failed ({name})"
    text = f"{where} failed: {name}"
    if ename == "AssertionError":
        message = evalue.strip()
        if message and message in _assert_messages(public_source):
            text += f": {message}"
        else:
            line = _failed_line(traceback, public_source)
            if line:
                text += f" at `{line}`"
    return scrub(text, secret, f"{where} failed")


def sanitize_autograded(path: Path, rubrics: dict[str, list[dict]] | None = None) -> None:
    """Rewrite an autograded notebook (written by the worker) without active content,
    with the rubric of each written answer below it for the instructor (formgrader
    shows the autograded notebooks; the student's feedback is made from the gradebook,
    never from these files)."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable file is removed
        path.unlink(missing_ok=True)
        return
    sanitize_notebook(nb)
    insert_rubrics(nb, rubrics or {})
    tmp = path.with_suffix(".tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)


@dataclass
class Prepared:
    """One student's notebooks of one assignment, ready for nbgrader."""
    notes: dict[str, list[str]]                 # exercise id -> notes
    blocked: dict[str, str]                     # chapter stem -> why it was not graded
    flags: dict[str, list[str]]                 # exercise id -> tamper findings
    files: list[Path] = field(default_factory=list)


def prepare_student(assignment: Assignment, handed: Handed, folder: Path, sid: str,
                    course: Path, released: dict, contexts: dict, forbidden: dict,
                    extra_notes: list[str]) -> Prepared:
    import nbformat

    target = course / "submitted" / sid / assignment.name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    prep = Prepared({e.id: [] for e in assignment.exercises}, {},
                    {e.id: [] for e in assignment.exercises})
    for chapter in assignment.chapters:
        paths = handed.copies.get(chapter.stem)
        if not paths:
            prep.blocked[chapter.stem] = f"{chapter.stem}.ipynb was not submitted"
            continue
        path, notes = choose_copy(chapter.stem, paths, folder, released[chapter.stem])
        extra_notes.extend(notes)
        try:
            submitted = _read_notebook(path)
            nb, found = repair(submitted, released[chapter.stem], chapter.exercises)
            nbformat.write(nb, target / chapter.path.name)
        except Exception as exc:  # noqa: BLE001 - any broken file is a reason, not a crash
            name = type(exc).__name__ if SHORT_NAME.match(type(exc).__name__) else "error"
            prep.blocked[chapter.stem] = (f"{chapter.stem}.ipynb could not be read as a "
                                          f"notebook ({name})")
            continue
        prep.files.append(target / chapter.path.name)
        for key, value in found.items():
            prep.notes[key].extend(value)
        # tamper detection, cell by cell
        aliases, protected = contexts[chapter.stem]
        solution_ids = {c.grade_id: e for e in chapter.exercises for c in e.cells
                        if c.kind == "solution"}
        public_cells = {_norm(c.source) for c in released[chapter.stem].cells}
        wide: list[str] = []
        for cell in nb.cells:
            gid = nbgrader_meta(cell).get("grade_id")
            if cell.cell_type != "code":
                continue
            exercise = solution_ids.get(gid)
            if exercise is None and (gid or _norm(cell.source) in public_cells):
                continue          # test cells are restored; the course's own cells are fine
            w, local = scan_solution(cell.source, aliases, protected,
                                     forbidden.get(gid, []) if gid else [])
            where = f"{exercise.id} solution cell" if exercise else "an added code cell"
            wide += [f"{where} {x}" for x in w]
            if exercise:
                prep.flags[exercise.id] += [f"{where} {x}" for x in local]
        for exercise in chapter.exercises:
            prep.flags[exercise.id] += wide
    return prep


def rows_for(assignment: Assignment, name: str, sid: str, prep: Prepared, outcome: dict,
             course: Path, released: dict, secret: set[str], overrides: dict,
             feedback: str) -> list[Row]:
    """One row per exercise of ``assignment`` for one student, from the gradebook."""
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry

    rows: list[Row] = []
    failure = None
    if outcome and not outcome.get("success"):
        last = (outcome.get("error") or "").strip().splitlines()[-1:] or ["unknown error"]
        failure = scrub(f"could not be graded: {last[0][:200]}", secret,
                        "could not be graded")
    cache_alembic_version()
    gb = Gradebook(f"sqlite:///{course / 'gradebook.db'}")
    try:
        for chapter in assignment.chapters:
            graded_path = course / "autograded" / sid / assignment.name / chapter.path.name
            graded = None
            if chapter.stem not in prep.blocked and failure is None and graded_path.exists():
                try:
                    graded = nbformat.read(graded_path, as_version=4)
                except Exception:  # noqa: BLE001
                    graded = None
            cells = {nbgrader_meta(c).get("grade_id"): c for c in graded.cells} \
                if graded else {}
            public = {nbgrader_meta(c).get("grade_id"): c.source
                      for c in released[chapter.stem].cells}
            for exercise in chapter.exercises:
                reasons = list(prep.notes[exercise.id])
                status = "graded"
                score: float | None = 0.0
                if chapter.stem in prep.blocked:
                    reasons = [prep.blocked[chapter.stem]]
                elif failure is not None:
                    reasons.append(failure)
                    status = "not_graded"
                elif graded is None:
                    reasons.append("could not be graded: nbgrader wrote no graded notebook")
                    status = "not_graded"
                else:
                    untouched = any(r.startswith("not attempted") for r in reasons)
                    unanswered = any(r.startswith("not answered") for r in reasons)
                    failures, all_ran, has_tests, manual = [], True, False, False
                    for info in exercise.cells:
                        if not info.graded:
                            continue
                        try:
                            points = gb.find_grade(info.grade_id, chapter.stem,
                                                   assignment.name, sid).score
                        except MissingEntry:
                            points = 0.0
                        if info.kind == "answer":
                            if not unanswered:
                                manual = True
                            continue
                        has_tests = True
                        cell = cells.get(info.grade_id, {})
                        if cell.get("execution_count") is None:
                            all_ran = False
                        result = _outcome(cell)
                        if result is not None:
                            if result[0] in RESTART_ERRORS:
                                status = "needs_review"
                            if not (untouched and result[0] == "NotImplementedError"):
                                failures.append(describe_failure(
                                    info, result, public.get(info.grade_id, ""), secret))
                        score += float(points or 0)
                    reasons += failures
                    if not has_tests and not manual and not unanswered:
                        reasons.append("nothing to grade automatically")
                    if manual:
                        score = None
                        status = "manual"
                        reasons.append("to be graded by hand (nbgrader formgrader in "
                                       "grading/)")
                    elif has_tests and not failures and all_ran and not untouched \
                            and score == sum(c.points for c in exercise.cells
                                             if c.kind == "tests"):
                        reasons.append("all tests passed")
                    elif has_tests and not failures and not all_ran:
                        reasons.append("the tests did not run")
                    flags = prep.flags.get(exercise.id) or []
                    if flags:
                        as_run = "to be graded by hand" if score is None else \
                            f"{score:g} / {exercise.max_score:g}"
                        override = overrides.get((name, exercise.id)) or \
                            overrides.get((sid, exercise.id))
                        if override is None and score is None:
                            # a written answer in a notebook with a flagged cell
                            reasons = [f"needs review: {'; '.join(dict.fromkeys(flags))}; the "
                                       "written answer is to be graded by hand once that is "
                                       "resolved"] + [r for r in reasons
                                                      if not r.startswith("to be graded")]
                            status = "needs_review"
                        elif override is None:
                            # the row scores 0: it must not say "all tests passed"
                            reasons = [f"needs review: {'; '.join(dict.fromkeys(flags))}; "
                                       f"scored 0 until an instructor overrides it (the "
                                       f"tests as run gave {as_run})"] + \
                                [r for r in reasons if r != "all tests passed"]
                            score, status = 0.0, "needs_review"
                        else:
                            value, note = override
                            if value != "as graded":
                                try:
                                    score = float(value)
                                except ValueError:
                                    pass
                            status = "graded" if score is not None else "manual"
                            reasons = [f"reviewed by the instructor ({note or value})"] \
                                + reasons
                rows.append(Row(name, assignment.name, exercise.id, score,
                                exercise.max_score,
                                "; ".join(dict.fromkeys(r for r in reasons if r)),
                                status, feedback))
    finally:
        gb.close()
    return rows


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8", errors="backslashreplace")
    os.replace(tmp, path)


def write_csv(rows: list[Row], path: Path) -> None:
    """``grades.csv`` (see :data:`CSV_COLUMNS`), written to a temporary file and renamed."""
    import io

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([display_name(r.student), r.assignment, r.exercise,
                         "" if r.score is None else f"{r.score:g}", f"{r.max_score:g}",
                         display_name(r.reason), r.status, r.feedback])
    _atomic_write(path, buffer.getvalue())


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
    student = display_name(student)
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
            reason = scrub(display_name(r.reason), secret)
            parts.append(f"<tr><td>{esc(r.exercise)}</td><td class=\"num {css}\">{score}</td>"
                         f"<td>{esc(reason)}</td></tr>")
        parts.append("</table>")
    if notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(
            f"<li>{esc(scrub(display_name(n), secret))}</li>" for n in notes) + "</ul>")
    parts.append("</body></html>\n")
    _atomic_write(path, "\n".join(parts))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_folders(submissions: Path, out: Path, course: Path) -> None:
    """Refuse an input folder inside what grading rewrites, and outputs inside the input."""
    sub, out_r, course_r = submissions.resolve(), out.resolve(), course.resolve()
    for work, what in ((course_r, "working folder"), (out_r, "output folder")):
        if _inside(sub, work):
            raise SystemExit(
                f"SUBMISSIONS={submissions} is inside the grader's {what} {work}, which every "
                "run rebuilds. Grading never reads from there: copy or collect the "
                "submissions to a folder of their own (e.g. an nbgrader course outside this "
                "repository, then SUBMISSIONS=<that course>/submitted).")
        if _inside(work, sub):
            raise SystemExit(f"the grader's {what} {work} is inside SUBMISSIONS={submissions}: "
                             "grading never writes into its input; choose another --out")


def grade(submissions: Path, root: Path = ROOT, out: Path | None = None,
          course: Path | None = None, timeout: int = DEFAULT_TIMEOUT,
          only: str | None = None, jobs: int | None = None, sandbox: str = "auto",
          overrides: Path | None = None, memory_mb: int = 3072) -> list[Row]:
    """Grade every student folder in ``submissions``; write grades.csv and feedback pages.

    Nothing in ``submissions`` is modified. Each student's kernels run in the sandbox
    of ``tools/sandbox.py``; results are written after every student's code is dead.
    Returns the rows; students that could not be graded have rows with status
    ``not_graded`` (``main`` then exits with status 1).
    """
    import nbformat

    submissions = Path(submissions)
    if not submissions.is_dir():
        raise SystemExit(f"SUBMISSIONS={submissions} is not a folder (expected one sub-folder "
                         "per student)")
    out = Path(out or root / "grading" / "results")
    course = Path(course or root / "grading")
    check_folders(submissions, out, course)
    overrides_path = overrides if overrides is not None else course / OVERRIDES_NAME
    assignments = discover(root)
    if only:
        assignments = [a for a in assignments if a.name == only]
        if not assignments:
            raise SystemExit(f"no assignment named {only!r}; known: "
                             f"{', '.join(a.name for a in discover(root))}")
    read_from, students, refused = student_folders(submissions)
    if not students and not refused:
        raise SystemExit(f"{submissions} has no student folders")
    all_assignments = discover(root)
    chapters = {c.stem: a.name for a in all_assignments for c in a.chapters}
    handed = {name: find_notebooks(folder, chapters) for name, folder in students.items()}
    # An assignment is graded when --assignment names it, or when at least half of the
    # students handed in a notebook of it: one student's extra notebook adds no rows.
    counts = {a.name: sum(1 for h in handed.values()
                          if any(chapters[s] == a.name for s in h.copies))
              for a in assignments}
    if only:
        wanted = assignments
    else:
        need = max(1, (len(students) + 1) // 2)
        wanted = [a for a in assignments if counts[a.name] >= need]
    if not wanted:
        raise SystemExit(f"no notebook in {submissions} matches a chapter with exercises "
                         f"({', '.join(sorted(chapters))})")
    wanted_names = {a.name for a in wanted}
    student_notes: dict[str, list[str]] = {}
    for name, h in handed.items():
        notes = list(h.notes)
        for stem in sorted(h.copies):
            if chapters[stem] not in wanted_names:
                notes.append(f"{stem}.ipynb belongs to the assignment {chapters[stem]}, which "
                             "is not graded in this run: ignored")
        student_notes[name] = notes
    import warnings

    warnings.filterwarnings("ignore", module="nbgrader")   # SQLAlchemy notes inside nbgrader
    if jobs is None:
        jobs = min(2, os.cpu_count() or 1)
    start = time.monotonic()
    secret = course_secrets(root)
    prepare_course(wanted, course, timeout)
    taken: set[str] = set()
    ids = {name: student_id(name, taken) for name in list(students) + list(refused)}
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("grades.csv", LOG_NAME):
        (out / stale).unlink(missing_ok=True)
    shutil.rmtree(out / "feedback", ignore_errors=True)
    log = (out / LOG_NAME).open("a", encoding="utf-8", errors="backslashreplace")
    mode = sandbox_mode(sandbox)
    box = Sandbox(root, mode, max(1, jobs), timeout, memory_mb)
    try:
        problem = box.check()
        if problem and mode == "userns":
            print(f"warning: user namespaces do not work here ({problem}); student code runs "
                  "WITHOUT file-system isolation (limits and clean-up only), see "
                  "book/instructor.md", file=sys.stderr)
            box.close()
            mode = "none"
            box = Sandbox(root, mode, max(1, jobs), timeout, memory_mb)
            problem = box.check()
        if problem:
            raise SystemExit(f"the grading sandbox ({mode}) does not work on this machine: "
                             f"{problem}")
        print(f"grading {len(students)} student(s)"
              + (f" ({len(refused)} more refused)" if refused else "")
              + f" x {len(wanted)} assignment(s) in the "
              f"'{mode}' sandbox, {box.slots} at a time"
              + (f" (uids {', '.join(map(str, box.uids))})" if mode == "root" else "")
              + f"; temporary folder {box.base}", file=sys.stderr)
        state: dict[tuple[str, str], Prepared] = {}
        released_all, contexts, forbidden = {}, {}, {}
        for assignment in wanted:
            for c in assignment.chapters:
                released_all[c.stem] = nbformat.read(
                    course / "release" / assignment.name / c.path.name, as_version=4)
                contexts[c.stem] = context_of(released_all[c.stem])
                forbidden.update(forbidden_of(nbformat.read(c.path, as_version=4)))
        work: list[Job] = []
        for assignment in wanted:
            for name, folder in students.items():
                prep = prepare_student(assignment, handed[name], folder, ids[name], course,
                                       released_all, contexts, forbidden,
                                       student_notes[name])
                state[(name, assignment.name)] = prep
                if prep.files:
                    work.append(Job(name, ids[name], assignment.name, prep.files))
        from tqdm import tqdm

        bar = tqdm(total=len(work), unit="notebook set", file=sys.stderr, dynamic_ncols=True,
                   disable=not sys.stderr.isatty(), desc="grading")
        outcomes: dict[tuple[str, str], dict] = {}

        def done(job: Job) -> None:
            outcomes[(job.name, job.assignment)] = job.outcome
            ok = "graded" if job.outcome.get("success") else "NOT GRADED"
            log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')}\t{display_name(job.name)}\t"
                      f"{job.assignment}\t{ok}\t{job.seconds:.1f} s\t{job.attempts} "
                      f"attempt(s)\n")
            log.flush()
            bar.update(1)

        run_jobs(work, box, course, timeout, done)
        bar.close()
    finally:
        box.close()             # every process of every slot is dead after this
    # ---- from here on no student code runs: read results, write them once ----
    rubrics: dict[str, dict[str, list[dict]]] = {}
    for assignment in wanted:
        for c in assignment.chapters:
            rubrics[c.path.name] = rubrics_of(nbformat.read(c.path, as_version=4))
    for (name, assignment_name), prep in state.items():
        for f in (course / "autograded" / ids[name] / assignment_name).glob("*.ipynb"):
            sanitize_autograded(f, rubrics.get(f.name, {}))
    over = load_overrides(overrides_path)
    rows: list[Row] = []
    for assignment in wanted:
        for name in students:
            rows += rows_for(assignment, name, ids[name], state[(name, assignment.name)],
                             outcomes.get((name, assignment.name), {}), course, released_all,
                             secret, over, f"feedback/{ids[name]}.html")
        for name, why in refused.items():
            rows += [Row(name, assignment.name, e.id, 0.0, e.max_score, why, "needs_review",
                         f"feedback/{ids[name]}.html") for e in assignment.exercises]
    for r in rows:                    # last line of defence: no secret in any spelling
        r.reason = scrub(r.reason, secret)
    write_csv(rows, out / "grades.csv")
    captions = {a.name: a.caption for a in wanted}
    for name in list(students) + list(refused):
        notes = sorted(set(student_notes.get(name, [])))
        write_feedback(name, [r for r in rows if r.student == name], notes, captions,
                       out / "feedback" / f"{ids[name]}.html", timeout, secret)
    elapsed = time.monotonic() - start
    by_student: dict[str, set[str]] = {}
    for r in rows:
        by_student.setdefault(r.student, set()).add(r.status)
    failed = sorted(s for s, st in by_student.items() if "not_graded" in st)
    review = sorted(s for s, st in by_student.items() if "needs_review" in st
                    and s not in failed)
    manual = sorted(s for s, st in by_student.items() if "manual" in st)
    ok = len(by_student) - len(failed) - len(review)
    log.write(f"# finished in {elapsed:.0f} s: {ok} graded, {len(review)} need review, "
              f"{len(failed)} could not be graded\n")
    log.close()
    print(f"  {out / 'grades.csv'}  ({len(rows)} rows)")
    print(f"  {out / 'feedback'}/<student>.html, log in {out / LOG_NAME}")
    from grade_report import after_grading
    print(after_grading(out, root))
    if failed:
        print("could not be graded (see grades.csv): "
              + ", ".join(display_name(s) for s in failed))
    print(f"graded {len(by_student)} student(s) x {len(wanted)} assignment(s) in "
          f"{elapsed:.0f} s: {ok} graded, {len(review)} need review, {len(failed)} could not "
          f"be graded ({len(manual)} with written answers to grade by hand)")
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
    p.add_argument("--sandbox", choices=("auto", "root", "userns", "none"), default="auto",
                   help="isolation of student code (default: the strongest available)")
    p.add_argument("--overrides", type=Path, default=None,
                   help=f"instructor decisions on flagged exercises (default "
                        f"grading/{OVERRIDES_NAME})")
    p.add_argument("--memory", type=int, default=3072, help="address space per kernel, MiB")
    p = sub.add_parser("mutants", help="grade every exercise's reference and mutants "
                                       "(metadata.lecture_kit.mutants) as `grade` would")
    p.add_argument("exercise", nargs="*", help="exercise ids (default: every coding exercise)")
    p.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT)
    p = sub.add_parser("_autograde", help=argparse.SUPPRESS)
    p.add_argument("job")
    sub.add_parser("_zygote", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.dont_write_bytecode = True       # grading writes nothing outside its output folders
    # nbgrader runs helpers such as `alembic` by name: make the environment's own
    # scripts visible even when it is not activated (make calls .venv/bin/python).
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bindir, os.environ.get("PATH", "")])
    if args.command == "_autograde":
        return _worker(args.job)
    if args.command == "_zygote":
        from forkserver import serve

        _warm_worker_imports()
        return serve(_worker)
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
    if args.command == "mutants":
        return print_mutant_grades(args.exercise, args.timeout)
    if args.timeout <= 0:
        parser.error("--timeout must be a positive number of seconds")
    set_subreaper()
    rows = grade(args.submissions, ROOT, args.out, timeout=args.timeout, only=args.assignment,
                 jobs=args.jobs, sandbox=args.sandbox, overrides=args.overrides,
                 memory_mb=args.memory)
    return 1 if any(r.status == "not_graded" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
