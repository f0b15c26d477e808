"""The grader's pure parts, without running nbgrader: tamper scan, forbidden names,
names, secrets scrub, failure messages, sanitising, input checks."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import grading  # noqa: E402

CHAPTERS = [c for a in grading.discover(ROOT) for c in a.chapters]


def _context(stem: str):
    chapter = next(c for c in CHAPTERS if c.stem == stem)
    nb = nbformat.read(chapter.path, as_version=4)
    return nb, grading.context_of(nb), grading.forbidden_of(nb)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.stem)
def test_reference_solutions_are_not_flagged(chapter):
    nb = nbformat.read(chapter.path, as_version=4)
    aliases, protected = grading.context_of(nb)
    forbidden = grading.forbidden_of(nb)
    for cell in nb.cells:
        meta = grading.nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("solution"):
            wide, local = grading.scan_solution(cell.source, aliases, protected,
                                                forbidden.get(meta["grade_id"], []))
            assert not wide and not local, (meta["grade_id"], wide, local)


# Statements that name a function the student must not use, and a shortcut through it.
FORBIDDEN_SHORTCUTS = {
    "he": ("he-ex3-solution", "def unit_variance_std(f, fan_in, fan_out, mode='fan_in'):\n"
           "    return init.he_std(fan_in)\n"),
    "xavier": ("xavier-ex3-solution", "def glorot_truncated_normal(fan_in, fan_out, rng):\n"
               "    from scipy.stats import truncnorm\n"
               "    return truncnorm.rvs(-2, 2, size=(fan_in, fan_out), random_state=rng)\n"),
    "backprop": ("backprop-ex3-solution", "def tied_backward(X, W, dY):\n"
                 "    return gradcheck.numerical_gradient(lambda X_: 0.0, X), W\n"),
    "beyond": ("beyond-ex3-solution", "def softmax_jacobian(z):\n"
               "    return activations.softmax_jacobian(z)\n"),
    "losses": ("losses-ex3-solution", "def accurate_cross_entropy(z, k):\n"
               "    import lecture_kit.losses as L\n    return float(L.cross_entropy(z, k))\n"),
    "relu_family": ("relu_family-ex3-solution", "def prelu_grad_alpha(x, delta):\n"
                    "    a = activations.get('prelu')\n"
                    "    return float(np.sum(delta * a.grad_alpha(x)))\n"),
}


@pytest.mark.parametrize("stem", sorted(FORBIDDEN_SHORTCUTS))
def test_forbidden_calls_are_declared_and_caught(stem):
    nb, (aliases, protected), forbidden = _context(stem)
    gid, shortcut = FORBIDDEN_SHORTCUTS[stem]
    assert forbidden.get(gid), f"{gid} declares no metadata.lecture_kit.forbidden"
    wide, local = grading.scan_solution(shortcut, aliases, protected, forbidden[gid])
    assert any("forbids" in x for x in local), (wide, local)


ATTACKS = {
    "input transformer": "get_ipython().input_transformers_cleanup.append(lambda l: [])",
    "builtins": "import builtins\nbuiltins.abs = lambda x: 0",
    "__builtins__": "__builtins__['abs'] = lambda x: 0",
    "rebinding a builtin": "abs = lambda x: 0.0",
    "always equal": "class E:\n    def __eq__(self, o):\n        return True",
    "int subclass": "class I(int):\n    pass",
    "ndarray subclass": "class A(np.ndarray):\n    pass",
    "__class__ trick": "x = (1).__class__",
    "numpy attribute": "np.allclose = lambda *a, **k: True",
    "numpy via alias": "import numpy as nnn\nnnn.isclose = lambda *a: True",
    "check": "check.sigmoid_saturation_edge = lambda f: None",
    "lecture_kit": "import lecture_kit\nlecture_kit.check = None",
    "sys.modules": "import sys\nsys.modules['numpy'] = None",
    "setattr": "setattr(np, 'allclose', len)",
    "ctypes": "import ctypes",
    "gc": "import gc\ngc.get_objects()",
    "inspect": "import inspect",
    "frames": "import sys\nf = sys._getframe(1).f_back",
    "exec": "exec('x = 1')",
    "rebinding np": "np = None",
    "dynamic class": "E = type('E', (float,), {})",
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_tampering_is_flagged(name):
    _, (aliases, protected), _ = _context("how_to_use")
    wide, local = grading.scan_solution(ATTACKS[name], aliases, protected, [])
    assert wide or local, name


def test_honest_helpers_are_not_flagged():
    _, (aliases, protected), _ = _context("how_to_use")
    honest = ("import math\nimport numpy as np\nfrom IPython.display import display\n"
              "def f(x):\n    out = np.zeros(3)\n    out[0] = math.sqrt(x)\n    sum_ = 0\n"
              "    for i in range(3):\n        sum_ += i\n    return out\n")
    assert grading.scan_solution(honest, aliases, protected, []) == ([], [])


def test_the_verdict_does_not_depend_on_what_ran_in_the_process(monkeypatch):
    """IPython adds ``display`` to the builtins of the process that runs a shell; an
    interactive session adds ``_``. The scan answers for the student's kernel."""
    import builtins

    _, (aliases, protected), _ = _context("how_to_use")
    cells = ["from IPython.display import display\nfor _ in range(2):\n    pass\n",
             "display = print\n", "def get_ipython():\n    return None\n",
             "from IPython.display import display as show\n"]
    clean = [grading.scan_solution(c, aliases, protected, []) for c in cells]
    for name in ("display", "get_ipython", "_", "__IPYTHON__"):
        monkeypatch.setattr(builtins, name, object(), raising=False)
    assert [grading.scan_solution(c, aliases, protected, []) for c in cells] == clean
    assert [bool(wide) for wide, _ in clean] == [False, True, True, False]
    assert "rebinds display" in clean[1][0][0]


def test_the_builtins_are_a_fresh_kernels():
    import builtins
    import types

    names = grading.builtin_names()
    assert {"abs", "len", "print", "exit", "display", "get_ipython"} <= names
    assert "_" not in names
    assert {n for n, v in vars(builtins).items()
            if isinstance(v, (type, types.BuiltinFunctionType))} <= names


def test_names_that_are_not_utf8_are_escaped():
    import os

    name = os.fsdecode(b"jos\xe9 \n")
    shown = grading.display_name(name)
    assert shown == "jos\\xe9 \\n"
    shown.encode("utf-8")                                   # never raises
    assert grading.student_id(name, set()) == "jos_xe9__n"


def test_scrub_ignores_spacing_and_unicode_forms():
    secret = {"assert abs(float(saturation_edge(t)) - exact) < 1e-3"}
    sneaky = ("Error: assert\u00a0abs(float(saturation_edge(t))\u2003-\u00a0exact)"
              "\u200b<\uff11e-3")
    assert grading.leaks(sneaky, secret)
    assert grading.scrub(sneaky, secret) == "[details withheld]"
    assert grading.scrub("nothing here", secret) == "nothing here"


def test_course_secrets_cover_every_part():
    lines = grading.course_secrets(ROOT)
    for chapter in CHAPTERS:
        own = grading.secrets(nbformat.read(chapter.path, as_version=4))
        assert own["hidden"] | own["solution"] <= lines, chapter.stem


def test_failure_messages_show_only_short_names_and_public_asserts():
    visible = grading.GradedCell("x-ex1-tests", "tests", 1.0)
    hidden = grading.GradedCell("x-ex1-hidden", "tests", 1.0, hidden=True)
    public = 'y = f(1)\nassert y == 2, "f(1) should be 2"\nassert y > 0\n'
    long_name = "assert\u00a0f(7)\u00a0==\u00a049"
    assert grading.describe_failure(hidden, (long_name, "", []), "", set()) == \
        "hidden tests failed (an error)"
    assert "f(7)" not in grading.describe_failure(visible, (long_name, "f(7) == 49", []),
                                                  public, set())
    text = grading.describe_failure(visible, ("AssertionError", "f(1) should be 2", []),
                                    public, set())
    assert text.endswith("AssertionError: f(1) should be 2")
    # a message the student's code made up is not shown; the public assert line is
    made_up = grading.describe_failure(
        visible, ("AssertionError", "hidden: assert g(3) == 9", ["Cell In[4], line 3"]),
        public, set())
    assert "g(3)" not in made_up and "assert y > 0" in made_up
    assert grading.describe_failure(hidden, ("AssertionError", "secret", []), "", set()) \
        == "hidden tests failed (AssertionError)"


def test_sanitize_removes_active_content_and_caps_output():
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    cell = new_code_cell("x", outputs=[
        new_output("display_data", data={"text/html": "<script>alert(1)</script>",
                                         "application/javascript": "alert(1)"}),
        new_output("display_data", data={"text/plain": "ok", "image/svg+xml": "<svg/>"}),
        new_output("stream", name="stdout", text="y" * 500_000)])
    nb = new_notebook(cells=[cell, new_markdown_cell('<img src=x onerror="alert(1)">hi '
                                                     '<script>alert(2)</script>')])
    grading.sanitize_notebook(nb)
    raw = nbformat.writes(nb)
    for bad in ("<script", "onerror", "text/html", "javascript", "svg"):
        assert bad not in raw
    assert len(raw) < 200_000 and "output cut by the grader" in raw


def test_input_inside_the_working_folder_is_refused(tmp_path):
    course = tmp_path / "grading"
    (course / "submitted" / "alice").mkdir(parents=True)
    with pytest.raises(SystemExit, match="inside the grader's working folder"):
        grading.check_folders(course / "submitted", course / "results", course)
    with pytest.raises(SystemExit, match="inside SUBMISSIONS"):
        grading.check_folders(tmp_path, tmp_path / "out", tmp_path / "out" / "c")
    grading.check_folders(tmp_path / "elsewhere", course / "results", course)   # fine


def test_nbgrader_course_root_and_symlinks(tmp_path):
    import os

    course = tmp_path / "course"
    (course / "submitted" / "bob" / "getting-started").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("")
    (course / "submitted" / "bob" / "getting-started" / "timestamp.txt").write_text("x")
    os.symlink(ROOT / "book" / "how_to_use.ipynb",
               course / "submitted" / "bob" / "getting-started" / "how_to_use.ipynb")
    os.symlink(course / "submitted" / "bob", course / "submitted" / "eve")
    read, students, refused = grading.student_folders(course)
    assert read == course / "submitted"
    assert set(students) == {"bob"} and "symbolic link" in refused["eve"]
    chapters = {c.stem: a.name for a in grading.discover(ROOT) for c in a.chapters}
    handed = grading.find_notebooks(students["bob"], chapters)
    assert handed.copies == {}
    assert any("symbolic link" in n for n in handed.notes)


def test_an_unanswered_written_answer_is_noted_and_a_written_one_is_not():
    chapter = next(c for c in CHAPTERS if any(e.manual for e in c.exercises))
    source = nbformat.read(chapter.path, as_version=4)
    released = nbformat.from_dict(nbformat.reads(nbformat.writes(source), as_version=4))
    answer_ids = [g.grade_id for e in chapter.exercises for g in e.cells if g.kind == "answer"]
    for cell in released.cells:
        if grading.nbgrader_meta(cell).get("grade_id") in answer_ids:
            cell.source = "YOUR ANSWER HERE"
    nb, notes = grading.repair(released, released, chapter.exercises)
    manual = [e for e in chapter.exercises if e.manual]
    assert all("not answered" in notes[e.id] for e in manual)
    answered = copy.deepcopy(released)
    for cell in answered.cells:
        if grading.nbgrader_meta(cell).get("grade_id") in answer_ids:
            cell.source = "Because the variance doubles."
    nb, notes = grading.repair(answered, released, chapter.exercises)
    assert not any("not answered" in notes[e.id] for e in manual)


def test_a_deleted_written_answer_is_not_answered():
    chapter = next(c for c in CHAPTERS if any(e.manual for e in c.exercises))
    source = nbformat.read(chapter.path, as_version=4)
    released = nbformat.from_dict(nbformat.reads(nbformat.writes(source), as_version=4))
    answer_ids = {g.grade_id for e in chapter.exercises for g in e.cells if g.kind == "answer"}
    submitted = copy.deepcopy(released)
    submitted.cells = [c for c in submitted.cells
                       if grading.nbgrader_meta(c).get("grade_id") not in answer_ids]
    nb, notes = grading.repair(submitted, released, chapter.exercises)
    for e in chapter.exercises:
        if e.manual:
            assert any(n.startswith("not answered") for n in notes[e.id]), notes[e.id]


def test_the_gradebook_schema_version_read_in_process_is_alembics_own(monkeypatch):
    """``grading.alembic_head`` (in this process) answers what nbgrader's own
    ``get_alembic_version`` (the ``alembic heads`` command) answers."""
    import os
    import sys
    from pathlib import Path

    import nbgrader.api

    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent),
                                                os.environ.get("PATH", "")]))
    assert grading.alembic_head() == nbgrader.api.get_alembic_version()


def test_grading_never_imports_the_iri_grammars():
    """``tools/quick_imports``: the grader reads and validates notebooks without
    compiling ``rfc3987_syntax``'s grammars, and validation still rejects a broken
    notebook."""
    import subprocess
    import sys

    code = ("import sys; sys.path.insert(0, 'tools'); import grading, nbformat\n"
            "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\n"
            "nbformat.validate(nb)\n"
            "nb.cells[0]['outputs'] = 'not a list'\n"
            "try:\n    nbformat.validate(nb)\nexcept nbformat.ValidationError:\n"
            "    print('refused')\n"
            "print(sys.modules.get('rfc3987_syntax', 'absent'))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=grading.ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["refused", "None"]
