"""make feedback (tools/hub_feedback.py) without a hub: the pages land where nbgrader's
own ``fetch_feedback`` finds them, and a page that is wrong or unsafe is refused.

The end-to-end version, with real users and a real hub, is tests/test_jupyterhub.py.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import hub_feedback  # noqa: E402

ASSIGNMENT, NOTEBOOK, COURSE_ID = "getting-started", "how_to_use", "why-deep-networks-train"
STAMP = "2026-12-06 15:00:00.000000 UTC"


def _page(student: str, extra: str = "") -> str:
    return (f"<!DOCTYPE html><html><body><h1>Feedback for {student}</h1>"
            f"<h2>Getting started: 1 / 3 points</h2><p>{extra}</p></body></html>\n")


def _class(tmp_path: Path, students=("alice", "bob"), pages=None):
    """A collected course folder, grades, an exchange with the released course."""
    course, grades, exchange = tmp_path / "course", tmp_path / "grades", tmp_path / "exchange"
    nb = nbformat.v4.new_notebook()
    for i, student in enumerate(students):
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
        (folder / "timestamp.txt").write_text(STAMP)
        (folder / "submission_secret.txt").write_text(f"secret-of-{student}-{i}" * 8)
    (grades / "feedback").mkdir(parents=True)
    with open(grades / "grades.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "assignment", "exercise", "score", "max_score", "reason"])
        for student in students:
            w.writerow([student, ASSIGNMENT, "how_to_use-ex3", "1", "3", "hidden tests failed"])
    for student in students:
        text = (pages or {}).get(student, _page(student))
        (grades / "feedback" / f"{student}.html").write_text(text)
    (exchange / COURSE_ID).mkdir(parents=True)
    return course, grades, exchange


def test_pages_are_released_under_nbgraders_secret_hash(tmp_path):
    course, grades, exchange = _class(tmp_path)
    done = hub_feedback.release_feedback(course, ASSIGNMENT, grades, str(exchange), COURSE_ID)
    assert sorted(r.student for r in done) == ["alice", "bob"]
    outbound = exchange / COURSE_ID / "feedback"
    assert os.stat(outbound).st_mode & 0o777 == 0o711
    for student in ("alice", "bob"):
        secret = (course / "submitted" / student / ASSIGNMENT / "submission_secret.txt").read_text()
        # nbgrader 0.9: md5(secret + notebook id), computed here independently.
        name = hashlib.md5((secret + NOTEBOOK).encode()).hexdigest() + ".html"
        page = (grades / "feedback" / f"{student}.html").read_bytes()
        assert (outbound / name).read_bytes() == page
        assert os.stat(outbound / name).st_mode & 0o777 == 0o644
        staged = course / "feedback" / student / ASSIGNMENT
        assert (staged / f"{NOTEBOOK}.html").read_bytes() == page
        assert (staged / "timestamp.txt").read_text() == STAMP
    assert len(list(outbound.iterdir())) == 2


def test_nbgraders_fetch_feedback_finds_each_students_own_page(tmp_path):
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default.fetch_feedback import ExchangeFetchFeedback
    from traitlets.config import Config

    course, grades, exchange = _class(tmp_path)
    hub_feedback.release_feedback(course, ASSIGNMENT, grades, str(exchange), COURSE_ID)
    for student in ("alice", "bob"):
        # What `nbgrader submit` left in the student's cache.
        cache = tmp_path / f"cache-{student}"
        sub = cache / COURSE_ID / f"{student}+{ASSIGNMENT}+{STAMP}"
        sub.mkdir(parents=True)
        collected = course / "submitted" / student / ASSIGNMENT
        for name in (f"{NOTEBOOK}.ipynb", "submission_secret.txt", "timestamp.txt"):
            (sub / name).write_bytes((collected / name).read_bytes())
        home = tmp_path / f"home-{student}"
        home.mkdir()
        cfg = Config()
        cfg.CourseDirectory.course_id = COURSE_ID
        cfg.CourseDirectory.assignment_id = ASSIGNMENT
        cfg.CourseDirectory.student_id = student
        cfg.Exchange.root = str(exchange)
        cfg.Exchange.cache = str(cache)
        cfg.Exchange.assignment_dir = str(home)
        fetch = ExchangeFetchFeedback(coursedir=CourseDirectory(config=cfg),
                                      authenticator=Authenticator(config=cfg), config=cfg)
        fetch.start()
        got = sorted(p.relative_to(home) for p in home.rglob("*.html"))
        assert got == [Path(ASSIGNMENT, "feedback", STAMP, f"{NOTEBOOK}.html")]
        assert (home / got[0]).read_text() == _page(student)


def _hidden_line() -> str:
    nb = nbformat.read(ROOT / "book" / f"{NOTEBOOK}.ipynb", as_version=4)
    for cell in nb.cells:
        if "### BEGIN HIDDEN TESTS" in cell.source:
            lines = cell.source.split("### BEGIN HIDDEN TESTS")[1].splitlines()
            return next(ln.strip() for ln in lines if len(ln.strip()) > 20)
    raise AssertionError("how_to_use has no hidden test")


def test_a_page_with_hidden_test_text_is_refused_and_nothing_is_released(tmp_path):
    leaky = _page("bob", _hidden_line())
    course, grades, exchange = _class(tmp_path, pages={"bob": leaky})
    with pytest.raises(SystemExit, match="hidden-test or solution text"):
        hub_feedback.release_feedback(course, ASSIGNMENT, grades, str(exchange), COURSE_ID)
    assert not (exchange / COURSE_ID / "feedback").exists() \
        or list((exchange / COURSE_ID / "feedback").iterdir()) == []
    assert not (course / "feedback").exists()


def test_someone_elses_page_is_refused(tmp_path):
    course, grades, exchange = _class(tmp_path, pages={"bob": _page("alice")})
    with pytest.raises(SystemExit, match="not bob's feedback page"):
        hub_feedback.release_feedback(course, ASSIGNMENT, grades, str(exchange), COURSE_ID)


def test_a_collected_student_without_grades_is_an_error(tmp_path):
    course, grades, exchange = _class(tmp_path)
    rows = (grades / "grades.csv").read_text().splitlines()
    (grades / "grades.csv").write_text("\n".join(r for r in rows if not r.startswith("bob")))
    with pytest.raises(SystemExit, match="bob handed in getting-started but has no grades"):
        hub_feedback.release_feedback(course, ASSIGNMENT, grades, str(exchange), COURSE_ID)


def test_an_exchange_without_the_released_course_is_an_error(tmp_path):
    course, grades, exchange = _class(tmp_path)
    with pytest.raises(SystemExit, match="does not exist"):
        hub_feedback.release_feedback(course, ASSIGNMENT, grades, str(tmp_path / "nowhere"),
                                      COURSE_ID)


def test_the_exchange_and_course_id_come_from_nbgraders_configuration(tmp_path, monkeypatch):
    course, grades, exchange = _class(tmp_path)
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n")
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(etc))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "no-user-config"))
    hub_feedback.main([str(course), "--assignment", ASSIGNMENT, "--grades", str(grades)])
    assert len(list((exchange / COURSE_ID / "feedback").iterdir())) == 2
