"""Send the course's own feedback pages to students through nbgrader's exchange.

Usage (``make feedback`` wraps it)::

    python tools/hub_feedback.py COURSE --assignment NAME [--grades grading/results]
                                 [--exchange ROOT] [--course-id ID] [--stage-only]

``COURSE`` is the instructor's nbgrader course folder, the one ``nbgrader collect``
fills: ``COURSE/submitted/<student>/<assignment>/`` holds each student's notebooks
with nbgrader's ``timestamp.txt`` and ``submission_secret.txt``. After
``make grade SUBMISSIONS=COURSE/submitted`` has written ``grades.csv`` and one page
per student (``<grades>/feedback/<student>.html``), this command

1. checks each page: the student must have grades for the assignment in
   ``grades.csv``, and the page must exist, name the student and hold no line of a hidden test or reference solution of any part of the course;
2. stages it where ``nbgrader release_feedback`` reads feedback,
   ``COURSE/feedback/<student>/<assignment>/<notebook>.html`` (one copy per
   submitted notebook, as nbgrader hands out feedback per notebook) next to a
   copy of the collected ``timestamp.txt`` and ``submission_secret.txt``;
3. unless ``--stage-only``, releases it as ``nbgrader release_feedback`` does:
   ``<exchange>/<course id>/feedback/<md5(secret + notebook)>.html``, a name only
   the submitting student can compute (the folder lets nobody list it).

Students then get the page with ``nbgrader fetch_feedback <assignment>`` or the
"Fetch Feedback" button of JupyterLab's Assignments panel, in
``<assignment>/feedback/<timestamp>/<notebook>.html``. nbgrader's own
``generate_feedback`` is never used: its pages show hidden-test source.

Run as root on a course or exchange owned by someone else, the files written
are given to that owner (the instructor), so that nbgrader, run later by the
instructor, can still replace them.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import grading  # noqa: E402  (tools/grading.py: the course's grader)

ROOT = grading.ROOT
NBGRADER_DEFAULT_EXCHANGE = "/usr/local/share/nbgrader/exchange"


class FeedbackError(SystemExit):
    """A problem that stops the release, with a message naming it."""


@dataclass
class Released:
    student: str
    notebooks: list[str]
    staged: list[Path]
    exchanged: list[Path]


def _config(course: Path):
    """nbgrader's settings as ``nbgrader`` run in ``course`` would read them."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    cfg = Config()
    # jupyter_config_path() lists the most important folder first; the course
    # folder itself (nbgrader's working directory) comes last and wins.
    for folder in [*reversed(jupyter_config_path()), str(course)]:
        path = Path(folder) / "nbgrader_config.py"
        if path.is_file():
            cfg.merge(PyFileConfigLoader(path.name, str(path.parent)).load_config())
    return cfg


def _owner_of(path: Path) -> tuple[int, int] | None:
    """``(uid, gid)`` to give new files when root writes into someone else's folder."""
    if os.geteuid() != 0:
        return None
    st = path.stat()
    return None if st.st_uid == 0 else (st.st_uid, st.st_gid)


def _give(path: Path, owner: tuple[int, int] | None) -> None:
    if owner is not None:
        os.chown(path, *owner)


def _write(path: Path, data: bytes, mode: int, owner) -> None:
    """Write ``path`` atomically (temporary file, then rename) with ``mode``."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, mode)
    _give(tmp, owner)
    os.replace(tmp, path)


def _mkdir(path: Path, mode: int, owner) -> None:
    if not path.is_dir():
        path.mkdir(parents=True)
        os.chmod(path, mode)
        _give(path, owner)


def read_grades(grades: Path, assignment: str) -> dict[str, Path]:
    """``{student: feedback page}`` of every student graded on ``assignment``."""
    table = grades / "grades.csv"
    if not table.is_file():
        raise FeedbackError(f"{table} does not exist: grade first "
                            f"(make grade SUBMISSIONS=<course>/submitted GRADES={grades})")
    pages: dict[str, str] = {}
    graded: set[str] = set()
    taken: set[str] = set()
    with table.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            student = row["student"]
            if student not in pages:
                # The grader names the page after the student, made file-safe, in the
                # order the students first appear (its column `feedback` when present).
                sid = grading.student_id(student, taken)
                pages[student] = (row.get("feedback") or "").strip() or f"feedback/{sid}.html"
            if row["assignment"] == assignment:
                graded.add(student)
    return {s: _page_path(grades, pages[s]) for s in graded}


def _page_path(grades: Path, rel: str) -> Path:
    """Where a page named in ``grades.csv`` is: relative to the grades folder, or to
    the repository or working folder (the first that exists)."""
    for base in (grades, ROOT, Path.cwd()):
        if (base / rel).is_file():
            return base / rel
    return grades / rel


def secret_lines(root: Path = ROOT) -> set[str]:
    """Hidden-test and solution lines of every part of the course."""
    import nbformat

    lines: set[str] = set()
    for assignment in grading.discover(root):
        for chapter in assignment.chapters:
            s = grading.secrets(nbformat.read(chapter.path, as_version=4))
            lines |= s["hidden"] | s["solution"]
    return lines


def check_page(page: Path, student: str, assignment: str, secret: set[str]) -> bytes:
    """The page's bytes, after checking it is the right, safe page."""
    if not page.is_file():
        raise FeedbackError(f"no feedback page for {student}: {page} is missing "
                            "(grade again with make grade)")
    data = page.read_bytes()
    text = grading.visible_text(page)
    if f"Feedback for {student}" not in text:
        raise FeedbackError(f"{page} is not {student}'s feedback page")
    found = grading.leaks(text, secret)
    if found:
        raise FeedbackError(f"refusing to release {page}: it contains hidden-test or "
                            f"solution text ({found[0]!r})")
    return data


def release_feedback(course: Path, assignment: str, grades: Path, exchange: str | None = None,
                     course_id: str | None = None, stage_only: bool = False,
                     root: Path = ROOT) -> list[Released]:
    """Stage (and release) every collected student's feedback page for ``assignment``."""
    from nbgrader.utils import notebook_hash

    course, grades = Path(course).resolve(), Path(grades).resolve()
    submitted = course / "submitted"
    if not submitted.is_dir():
        raise FeedbackError(f"{submitted} does not exist: COURSE must be the nbgrader course "
                            "folder that `nbgrader collect` filled")
    names = {a.name for a in grading.discover(root)}
    if assignment not in names:
        raise FeedbackError(f"no assignment named {assignment!r}; known: "
                            f"{', '.join(sorted(names))}")
    cfg = _config(course)
    if course_id is None:
        course_id = cfg.CourseDirectory.get("course_id") or "why-deep-networks-train"
    if exchange is None:
        exchange = cfg.Exchange.get("root") or NBGRADER_DEFAULT_EXCHANGE
    pages = read_grades(grades, assignment)
    secret = secret_lines(root)

    collected = sorted(p.parent for p in submitted.glob(f"*/{assignment}/timestamp.txt"))
    if not collected:
        raise FeedbackError(f"nobody's {assignment!r} is in {submitted} (run nbgrader collect "
                            f"{assignment} first)")
    outbound = Path(exchange) / course_id / "feedback"
    if not stage_only:
        top = Path(exchange) / course_id
        if not top.is_dir():
            raise FeedbackError(f"{top} does not exist: is {exchange} the exchange the "
                                f"assignment was released to (nbgrader release_assignment)?")
        # 0711 as nbgrader makes it: students reach their file, nobody lists the folder.
        _mkdir(outbound, 0o711, _owner_of(top))
    plan = []
    for folder in collected:
        student = folder.parent.name
        if student not in pages:
            raise FeedbackError(f"{student} handed in {assignment} but has no grades for it in "
                                f"{grades / 'grades.csv'}: grade again")
        secret_file = folder / "submission_secret.txt"
        if not secret_file.is_file():
            raise FeedbackError(f"{secret_file} is missing: collect with nbgrader 0.9 or later")
        notebooks = sorted(p.stem for p in folder.glob("*.ipynb"))
        data = check_page(pages[student], student, assignment, secret)
        plan.append((student, folder, notebooks, data, secret_file.read_text()))

    results = []
    course_owner = _owner_of(course)
    exchange_owner = None if stage_only else _owner_of(outbound)
    for student, folder, notebooks, data, submission_secret in plan:
        target = course / "feedback" / student / assignment
        if target.exists():          # only our staging area: replaced as a whole
            shutil.rmtree(target)
        for part in (course / "feedback", course / "feedback" / student, target):
            _mkdir(part, 0o755, course_owner)
        for name in ("timestamp.txt", "submission_secret.txt"):
            _write(target / name, (folder / name).read_bytes(), 0o644, course_owner)
        staged, exchanged = [], []
        for notebook in notebooks:
            _write(target / f"{notebook}.html", data, 0o644, course_owner)
            staged.append(target / f"{notebook}.html")
            if not stage_only:
                name = notebook_hash(secret=submission_secret, notebook_id=notebook)
                _write(outbound / f"{name}.html", data, 0o644, exchange_owner)
                exchanged.append(outbound / f"{name}.html")
        results.append(Released(student, notebooks, staged, exchanged))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", type=Path, help="the nbgrader course folder (with submitted/)")
    parser.add_argument("--assignment", required=True, help="e.g. getting-started")
    parser.add_argument("--grades", type=Path, default=ROOT / "grading" / "results",
                        help="the folder make grade wrote (grades.csv, feedback/)")
    parser.add_argument("--exchange", default=None,
                        help="nbgrader's exchange root (default: Exchange.root of the course's "
                             "nbgrader configuration)")
    parser.add_argument("--course-id", default=None,
                        help="default: CourseDirectory.course_id of the configuration")
    parser.add_argument("--stage-only", action="store_true",
                        help="only fill COURSE/feedback/ (then run nbgrader release_feedback)")
    args = parser.parse_args(argv)
    results = release_feedback(args.course, args.assignment, args.grades, args.exchange,
                               args.course_id, args.stage_only)
    for r in results:
        where = "staged" if args.stage_only else "released"
        print(f"{r.student}: {where} for {', '.join(r.notebooks) or 'no notebook'}"
              + ("" if r.notebooks else " (nothing to attach feedback to)"))
    if args.stage_only:
        print(f"now run, as the instructor in {args.course}: nbgrader release_feedback "
              f"{args.assignment}")
    else:
        print(f"{len(results)} student(s) can now run: nbgrader fetch_feedback {args.assignment}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
