"""Every declared wrong answer of every coding exercise loses points when graded.

For each autograded coding exercise of the book (``grading.coding_exercises``:
the parts of ``_toc.yml`` and the nbgrader metadata), the reference solution and
every mutant of ``metadata.lecture_kit.mutants`` are graded as ``make grade``
grades a student's cell (``grading.grade_variants``: the chapter's code before
the exercise, the answer, the visible and hidden test cells restored, nbgrader's
scoring rule per test cell, the tamper scan with the exercise's ``forbidden``
names). The reference must get every point; every mutant must lose some.

One kernel per exercise: the chapter's code before the exercise runs once, then
each answer runs with the test cells in a fresh copy of that namespace.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import grading  # noqa: E402

pytestmark = pytest.mark.mutants

EXERCISES = grading.coding_exercises(ROOT)
TIMEOUT = grading.DEFAULT_TIMEOUT          # seconds per cell, as ``make grade``


def _answers(path: Path, exercise: str) -> dict[str, str]:
    nb = nbformat.read(path, as_version=4)
    solution = next(c for c in nb.cells if grading.nbgrader_meta(c).get("solution")
                    and c.cell_type == "code"
                    and grading.nbgrader_meta(c)["grade_id"].startswith(exercise + "-"))
    answers = {"(reference solution)": solution.source}
    for m in grading.exercise_meta(nb, exercise).get("mutants") or []:
        answers[str(m["id"])] = m["source"]
    return answers


@pytest.mark.parametrize("path, exercise", EXERCISES, ids=[e for _, e in EXERCISES])
def test_reference_gets_every_point_and_every_mutant_loses_some(path, exercise):
    answers = _answers(path, exercise)
    start = time.monotonic()
    grades = grading.grade_variants(path, exercise, answers, timeout=TIMEOUT)
    seconds = time.monotonic() - start
    print(f"{exercise}: {len(answers) - 1} mutant(s) graded in {seconds:.1f} s")
    ref = grades.pop("(reference solution)")
    assert ref.full, (f"{exercise}: the reference solution gets {ref.score:g} / "
                      f"{ref.max_score:g}: {'; '.join(ref.reasons)}")
    survivors = [f"  {name}: {g.score:g} / {g.max_score:g}" for name, g in grades.items()
                 if g.score >= g.max_score]
    assert not survivors, (f"{exercise}: mutants that keep every point when graded "
                           "(visible + hidden tests, forbidden names):\n" + "\n".join(survivors))


def test_answers_are_graded_as_the_grader_grades_them():
    """The grading machinery itself: an answer equal to the reference keeps every point;
    a wrong one, one that hangs, one that kills its kernel and one using a forbidden
    name lose them; the next answer is graded in a fresh namespace."""
    path = ROOT / "book" / "optim" / "schedules.ipynb"
    exercise = "schedules-ex3"
    answers = _answers(path, exercise)
    reference = answers["(reference solution)"]
    variants = {
        "same": reference,
        "pollute": reference + "\nleaked_global = 1\n",
        "wrong": reference.replace("min(1.0, max_norm / norm)", "max_norm / norm"),
        "hangs": "import time\n\ndef clip_by_global_norm(grads, max_norm):\n"
                 "    time.sleep(3600)\n",
        "dies": "def clip_by_global_norm(grads, max_norm):\n    import os\n    os._exit(1)\n",
        "shortcut": "from lecture_kit.clipping import clip_by_global_norm\n",
        # full marks only when pollute's global is gone (a fresh namespace)
        "fresh": reference + "\ntry:\n    leaked_global\n    clip_by_global_norm = None\n"
                             "except NameError:\n    pass\n",
    }
    grades = grading.grade_variants(path, exercise, variants, timeout=20)
    assert grades["same"].full, grades["same"]
    for name in ("wrong", "hangs", "dies", "shortcut"):
        assert grades[name].score < grades[name].max_score, (name, grades[name])
    assert grades["shortcut"].flags and grades["shortcut"].score == 0
    assert grades["hangs"].score == 0 and "did not finish" in grades["hangs"].reasons[0]
    assert grades["dies"].score == 0 and "kernel died" in grades["dies"].reasons[0]
    assert grades["pollute"].full and grades["fresh"].full, grades["fresh"]
