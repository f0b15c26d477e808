"""The exercise format of issue 19, checked on every exercise of the book (fast: no kernel).

* every coding exercise declares at least 6 mutants (plausible wrong answers) in
  its instructor-only metadata, each with an id, a reason and a full source, and,
  when it forbids names, at least one mutant that uses them (the shortcut);
* its points are 1 for the visible tests and 2 for the hidden ones, so an
  answer that only the hidden tests catch keeps at most a third;
* every manually graded answer carries a rubric whose points sum to its points.

Offenders are reported all at once. ``tests/test_exercise_grading.py`` grades the
mutants; ``tests/test_exercise_mutants.py`` runs their self-checks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import grading  # noqa: E402

MIN_MUTANTS = 6
ASSIGNMENTS = grading.discover(ROOT)
EXERCISES = grading.coding_exercises(ROOT)
NOTEBOOKS = {c.path: nbformat.read(c.path, as_version=4)
             for a in ASSIGNMENTS for c in a.chapters}


def test_the_coding_exercises_are_found():
    found = {e for _, e in EXERCISES}
    assert {"schedules-ex3", "regularization-ex3", "approximation-ex3",
            "normalization-ex3", "sigmoid-ex3", "how_to_use-ex3"} <= found, found
    # every chapter with an nbgrader solution code cell has its exercise in the list
    for path, nb in NOTEBOOKS.items():
        if any(c.cell_type == "code" and grading.nbgrader_meta(c).get("solution")
               for c in nb.cells):
            assert any(p == path for p, _ in EXERCISES), path


def _mutant_problems(exercise: str, meta: dict, aliases, protected) -> list[str]:
    mutants = meta.get("mutants") or []
    problems = []
    if len(mutants) < MIN_MUTANTS:
        problems.append(f"{exercise}: {len(mutants)} mutant(s), at least {MIN_MUTANTS} needed")
    ids = [m.get("id") for m in mutants]
    if len(set(ids)) != len(ids):
        problems.append(f"{exercise}: duplicate mutant ids {ids}")
    for m in mutants:
        missing = [k for k in ("id", "why", "source") if not str(m.get(k) or "").strip()]
        if missing:
            problems.append(f"{exercise}: mutant {m.get('id')!r} lacks {', '.join(missing)}")
        if not isinstance(m.get("self_check_blind", False), bool):
            problems.append(f"{exercise}: mutant {m.get('id')!r}: self_check_blind is a bool")
    forbidden = [str(f) for f in meta.get("forbidden") or []]
    if forbidden and mutants and not any(
            grading.scan_solution(m.get("source", ""), aliases, protected, forbidden)[1]
            for m in mutants):
        problems.append(f"{exercise}: forbids {forbidden} but no mutant is the shortcut "
                        "that uses them")
    return problems


def test_every_coding_exercise_declares_enough_mutants():
    problems = []
    for path, exercise in EXERCISES:
        nb = NOTEBOOKS[path]
        released = nbformat.from_dict(nb)
        for cell in released.cells:
            if cell.cell_type == "code":
                cell.source = grading.strip_hidden(grading.stub_solutions(cell.source))
        aliases, protected = grading.context_of(released)
        problems += _mutant_problems(exercise, grading.exercise_meta(nb, exercise),
                                     aliases, protected)
    assert not problems, (f"{len(problems)} problem(s) with the mutants of the coding "
                          "exercises (book/authoring.md, \"Instructor-only metadata\"):\n  "
                          + "\n  ".join(problems))


def test_the_mutant_check_can_fail():
    meta = {"forbidden": ["lecture_kit.init"],
            "mutants": [{"id": "a", "why": "w", "source": "x = 1"}] * 2}
    problems = _mutant_problems("x-ex1", meta, {}, set(grading.PROTECTED))
    assert any("2 mutant(s)" in p for p in problems)
    assert any("duplicate" in p for p in problems)
    assert any("no mutant is the shortcut" in p for p in problems)


def test_hidden_tests_carry_two_thirds_of_every_coding_exercise():
    """Contract: visible test cells 1 point in total, hidden test cells 2 (grading reads
    these nbgrader points), so a wrong answer only hidden tests catch keeps <= 1/3."""
    problems = []
    for a in ASSIGNMENTS:
        for e in a.exercises:
            tests = [c for c in e.cells if c.kind == "tests"]
            if not tests:
                continue
            visible = sum(c.points for c in tests if not c.hidden)
            hidden = sum(c.points for c in tests if c.hidden)
            if not (visible == 1 and hidden == 2) or hidden < 2 / 3 * (visible + hidden):
                problems.append(f"{e.id}: visible {visible:g}, hidden {hidden:g} "
                                "(contract: 1 and 2)")
            if e.max_score != visible + hidden:
                problems.append(f"{e.id}: max score {e.max_score:g} is not the tests' points")
    assert not problems, "points of the coding exercises:\n  " + "\n  ".join(problems)


def manual_cells():
    """``[(notebook path, cell)]`` of every manually graded answer (nbgrader grade and
    solution, not autograded) in the chapters of ``_toc.yml``."""
    return [(path, cell) for path, nb in NOTEBOOKS.items() for cell in nb.cells
            if grading.nbgrader_meta(cell).get("grade")
            and grading.nbgrader_meta(cell).get("solution")]


def rubric_problems(cell) -> list[str]:
    meta = grading.nbgrader_meta(cell)
    gid, points = meta.get("grade_id"), float(meta.get("points") or 0)
    rubric = (cell.metadata.get("lecture_kit") or {}).get("rubric")
    if not rubric:
        return [f"{gid}: no metadata.lecture_kit.rubric ({points:g} points to split)"]
    problems = []
    total = 0.0
    for item in rubric:
        if not isinstance(item, dict) or not str(item.get("criterion") or "").strip():
            problems.append(f"{gid}: rubric item without a criterion: {item!r}")
            continue
        p = item.get("points")
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not p > 0:
            problems.append(f"{gid}: rubric item with points {p!r} (a positive number)")
            continue
        total += p
    if not problems and abs(total - points) > 1e-9:
        problems.append(f"{gid}: the rubric's points sum to {total:g}, the cell has {points:g}")
    return problems


def test_every_manually_graded_answer_has_a_rubric_that_sums_to_its_points():
    cells = manual_cells()
    assert len(cells) >= 30, len(cells)
    problems = [p for _, cell in cells for p in rubric_problems(cell)]
    assert not problems, (f"{len(problems)} manually graded answer(s) without a sound rubric "
                          "(metadata.lecture_kit.rubric, book/authoring.md):\n  "
                          + "\n  ".join(problems))


def test_the_rubric_check_can_fail():
    cell = nbformat.v4.new_markdown_cell("x", metadata={"nbgrader": {
        "grade": True, "solution": True, "grade_id": "x-ex1-answer", "points": 3}})
    assert "no metadata.lecture_kit.rubric" in rubric_problems(cell)[0]
    cell.metadata["lecture_kit"] = {"rubric": [{"points": 1, "criterion": "a"},
                                               {"points": 1, "criterion": "b"}]}
    assert "sum to 2" in rubric_problems(cell)[0]
    cell.metadata["lecture_kit"]["rubric"].append({"points": 1, "criterion": " "})
    assert "without a criterion" in rubric_problems(cell)[0]
    cell.metadata["lecture_kit"]["rubric"][-1] = {"points": 1, "criterion": "c"}
    assert rubric_problems(cell) == []
