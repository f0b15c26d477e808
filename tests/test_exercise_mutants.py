"""Every wrong answer an exercise declares (instructor-only metadata) is told "not yet".

An exercise's solution cell may carry ``metadata.lecture_kit.mutants``: plausible
wrong answers, each with the full source of the student's cell. For each one
this test runs the self-check that the exercise's visible test cell calls and
requires it to fail, unless the mutant is declared ``self_check_blind`` (a
wrong answer that only the hidden tests or the forbidden-call rule catch). The
reference solution must pass the same self-check.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from lecture_kit import check

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import grading  # noqa: E402
SOLUTION_MARKS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$", re.M)
CHECK_CALL = re.compile(r"check\.(\w+)\((\w+)\)")


def _exercises():
    """The coding exercises that declare mutants, found as ``tests/test_exercise_grading.py``
    finds them (``grading.coding_exercises``: ``_toc.yml`` and the nbgrader metadata)."""
    for path, exercise in grading.coding_exercises(ROOT):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            grade_id = grading.nbgrader_meta(cell).get("grade_id") or ""
            if cell.cell_type != "code" or not grading.nbgrader_meta(cell).get("solution") \
                    or not grade_id.startswith(exercise + "-"):
                continue
            meta = grading.exercise_meta(nb, exercise)
            if not meta.get("mutants"):
                continue
            tests = next(c for c in nb.cells[i + 1:]
                         if c.metadata.get("nbgrader", {}).get("grade"))
            name, fn_name = CHECK_CALL.search(tests.source).groups()
            solution = SOLUTION_MARKS.sub("", cell.source)
            yield grade_id, solution, meta["mutants"], name, fn_name


EXERCISES = list(_exercises())


def _function(source, fn_name):
    namespace = {"np": np}
    exec(compile(source, "<answer>", "exec"), namespace)  # noqa: S102 - the book's own code
    return namespace[fn_name]


def test_the_new_exercises_declare_mutants():
    ids = {e[0] for e in EXERCISES}
    assert {"schedules-ex3-solution", "regularization-ex3-solution",
            "approximation-ex3-solution", "normalization-ex3-solution"} <= ids


@pytest.mark.parametrize("grade_id, solution, mutants, name, fn_name", EXERCISES,
                         ids=[e[0] for e in EXERCISES])
def test_reference_passes_and_every_visible_mutant_fails_the_self_check(
        grade_id, solution, mutants, name, fn_name):
    checker = getattr(check, name)
    assert checker(_function(solution, fn_name)).ok, f"{grade_id}: the reference fails"
    assert len(mutants) >= 6, f"{grade_id} declares {len(mutants)} mutants, at least 6 needed"
    for m in mutants:
        assert m["id"] and m["why"], m
        verdict = checker(_function(m["source"], fn_name))
        if m.get("self_check_blind"):
            continue
        assert not verdict.ok, f"{grade_id}: mutant {m['id']!r} passes the self-check"
