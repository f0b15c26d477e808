"""Hostile students against ``make grade``, in ONE run beside honest controls.

Every class of attack of the grading-sandbox issue has at least one student here
(killing the parent, a ``setsid`` daemon rewriting grades, sabotaging another
student / ``lecture_kit`` / ``book/`` / the gradebook, an input transformer,
rebinding builtins, objects equal to everything, replacing ``check`` and
``np.allclose``, reading ``book/`` and ``grading/source``, an exception whose type
name is a hidden-test line with non-breaking spaces, a Latin-1 folder name, a
symlink to the book's notebook, a memory bomb, a fork bomb, 100 MB of output, HTML
and JavaScript outputs and a markdown XSS, a call the exercise forbids). The
controls' scores must come out exact, computed here from the points in the
source notebook; the repository and the submissions must be byte-identical
afterwards (only ``grading/`` is written); no process of a sandbox user may
survive; no hidden-test or solution line of any chapter may reach the CSV or
the feedback pages in any spelling (NFKC, any whitespace).

A second, smaller run grades honest students as a non-root user (when this
test runs as root and ``setpriv`` exists) to prove that path grades correctly.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.grading

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
TIMEOUT = 30                   # seconds per cell (the default): nothing here loops forever
NB = "how_to_use"
EX = "how_to_use-ex3"
UID_BASE = 61000

SIG = "def saturation_edge(threshold):\n"
EXACT = ("    import math\n    r = math.sqrt(1 - 4 * threshold)\n"
         "    return 2 * math.log1p(r) - math.log(4 * threshold)\n")
PARTLY = ("    xs = np.arange(0.0, 10.0, 1e-4)\n"
          "    return xs[np.argmax(sigmoid.grad(xs) < threshold)]\n")
WRONG = "    return 1.0\n"


# ---------------------------------------------------------------------------
# Independent oracles: points and secrets read from the source notebooks here
# ---------------------------------------------------------------------------

def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader") or {}


def points(path: Path) -> dict[str, float]:
    """``{"visible": p, "hidden": p}`` of EX from the source notebook's metadata."""
    out = {"visible": 0.0, "hidden": 0.0}
    for cell in nbformat.read(path, as_version=4).cells:
        m = _meta(cell)
        if m.get("grade") and m.get("grade_id", "").startswith(EX + "-"):
            out["hidden" if "BEGIN HIDDEN TESTS" in cell.source else "visible"] += m["points"]
    return out


def canon(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace()
                   and unicodedata.category(ch) not in ("Cf", "Cc", "Zs"))


def course_secret_lines() -> set[str]:
    """Hidden-test and solution lines (12+ characters) of every chapter in book/."""
    lines, public = set(), []
    for path in BOOK.rglob("*.ipynb"):
        if "_build" in path.parts:
            continue
        for cell in nbformat.read(path, as_version=4).cells:
            inside, secret = False, []
            for ln in cell.source.splitlines():
                if "BEGIN HIDDEN TESTS" in ln or "BEGIN SOLUTION" in ln:
                    inside = True
                elif "END HIDDEN TESTS" in ln or "END SOLUTION" in ln:
                    inside = False
                elif inside:
                    secret.append(ln.strip())
            lines.update(ln for ln in secret if len(ln) >= 12 and not ln.startswith("#"))
            public.append("\n".join(ln for ln in cell.source.splitlines()
                                    if ln.strip() not in secret))
    flat = canon("\n".join(public))
    return {ln for ln in lines if canon(ln) not in flat}


def leaked(text: str, lines: set[str]) -> list[str]:
    flat = canon(text)
    return sorted(ln for ln in lines if canon(ln) in flat)


def tree_digest(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """``{relative path: sha256 or link target}`` of every entry under ``folder``."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(os.fsencode(folder), followlinks=False):
        rel_dir = os.path.relpath(dirpath, os.fsencode(folder))
        if any(rel_dir == os.fsencode(s) or rel_dir.startswith(os.fsencode(s) + b"/")
               for s in skip):
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            key = os.fsdecode(os.path.normpath(os.path.join(rel_dir, name)))
            if os.path.islink(full):
                out[key] = "link:" + os.fsdecode(os.readlink(full))
            elif os.path.isfile(full):
                with open(full, "rb") as fh:
                    out[key] = hashlib.sha256(fh.read()).hexdigest()
            else:
                out[key] = "dir"
    return out


def sandbox_processes(uids: set[int]) -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status") as fh:
                    status = fh.read()
            except OSError:
                continue
            uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))
            if uid in uids:
                found.append(f"{entry} uid {uid}")
    return found


# ---------------------------------------------------------------------------
# The class
# ---------------------------------------------------------------------------

def students(repo: Path, subs: Path, out: Path) -> dict[str, dict]:
    """name -> {"body": solution source, "cells": extra cells, "expect": (parts, status),
    "reason": text that must be in the reason}."""
    R = str(repo)
    return {
        # ---- honest controls: exact scores -----------------------------------
        "ctl_correct": dict(body=SIG + EXACT, expect=(("visible", "hidden"), "graded"),
                            reason="all tests passed"),
        "ctl_partly": dict(body=SIG + PARTLY, expect=(("visible",), "graded"),
                           reason="hidden tests failed"),
        "ctl_stub": dict(body=None, expect=((), "graded"), reason="not attempted"),
        "ctl_loose": dict(body=SIG + EXACT, layout="loose",
                          expect=(("visible", "hidden"), "graded"), reason="all tests passed"),
        "ctl_print100mb": dict(body="print('x' * 100_000_000)\n" + SIG + EXACT,
                               expect=(("visible", "hidden"), "graded"),
                               reason="all tests passed"),
        "ctl_xss": dict(body="from IPython.display import HTML, Javascript, display\n"
                        "display(HTML('<script>document.title=\"pwned\"</script><b>x</b>'))\n"
                        "display(Javascript('document.title=\"pwned\"'))\n" + SIG + EXACT,
                        markdown='<img src=x onerror="alert(1)"> <script>alert(2)</script>',
                        expect=(("visible", "hidden"), "graded"), reason="all tests passed"),
        "ctl_stub_beside": dict(body=SIG + EXACT, layout="stub-beside",
                                expect=(("visible", "hidden"), "graded"),
                                reason="all tests passed"),
        "ctl_extra_part": dict(body=SIG + EXACT, layout="extra-part",
                               expect=(("visible", "hidden"), "graded"),
                               reason="all tests passed"),
        "ctl_override": dict(body="import inspect\n" + SIG + EXACT,
                             expect=(("visible", "hidden"), "graded"),
                             reason="reviewed by the instructor"),
        # ---- hostile -----------------------------------------------------------
        "h_kill_parent": dict(body="import os\nfor _p in (os.getppid(), 1, -1):\n"
                              "    try:\n        os.kill(_p, 9)\n    except OSError:\n"
                              "        pass\n" + SIG + WRONG,
                              expect=((), "graded"), reason="visible tests failed"),
        "h_daemon": dict(body=(
            "import os, time\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            "        for _ in range(600):\n"
            "            for _t in (" + repr(str(out / "grades.csv")) + ",):\n"
            "                try:\n"
            "                    with open(_t, 'a') as fh:\n"
            "                        fh.write('h_daemon,x,how_to_use-ex3,3,3,hacked\\n')\n"
            "                except OSError:\n"
            "                    pass\n"
            "            time.sleep(0.2)\n"
            "    os._exit(0)\n" + SIG + WRONG),
            expect=((), "graded"), reason="visible tests failed"),
        "h_sabotage": dict(body=(
            "import os, shutil\n"
            f"_R = {R!r}\n"
            f"_S = {str(subs)!r}\n"
            "for _act in (\n"
            "    lambda: open(_S + '/ctl_correct/getting-started/how_to_use.ipynb', 'w').write('{}'),\n"
            "    lambda: open(_R + '/lecture_kit/check/_core.py', 'a').write('\\nraise SystemExit\\n'),\n"
            "    lambda: open('/opt/course/lecture_kit/check/_core.py', 'a').write('\\n#x\\n'),\n"
            "    lambda: os.remove(_R + '/book/how_to_use.ipynb'),\n"
            "    lambda: open(_R + '/grading/gradebook.db', 'w').write('x'),\n"
            "    lambda: shutil.rmtree(_R + '/grading/results'),\n"
            "):\n"
            "    try:\n        _act()\n    except Exception:\n        pass\n" + SIG + WRONG),
            expect=((), "graded"), reason="visible tests failed"),
        "h_secret_reader": dict(body=(
            SIG + "    found = 0\n"
            f"    for p in ({R!r} + '/book/how_to_use.ipynb', {R!r} + '/book/init/he.ipynb',\n"
            f"              {R!r} + '/grading/source/getting-started/how_to_use.ipynb',\n"
            f"              {R!r} + '/grading/gradebook.db', '/root/.bashrc',\n"
            f"              {str(subs)!r} + '/ctl_correct/getting-started/how_to_use.ipynb'):\n"
            "        try:\n            found += len(open(p, 'rb').read(100)) > 0\n"
            "        except OSError:\n            pass\n"
            "    if not found:\n        return 1.0\n" + EXACT),
            expect=((), "graded"), reason="visible tests failed"),
        "h_transformer": dict(body="get_ipython().input_transformers_cleanup.append("
                              "lambda lines: ['pass\\n'])\n" + SIG + WRONG,
                              expect=((), "needs_review"), reason="get_ipython"),
        "h_builtins": dict(body="import builtins\nbuiltins.abs = lambda x: 0.0\n"
                           + SIG + "    return 20.0 - threshold\n",
                           expect=((), "needs_review"), reason="builtins"),
        "h_always_equal": dict(body=("class Edge(float):\n"
                                     "    def __eq__(self, other):\n        return True\n"
                                     "    def __lt__(self, other):\n        return True\n"
                                     "    __hash__ = float.__hash__\n"
                                     + SIG + "    return Edge(1.0)\n"),
                               expect=((), "needs_review"), reason="special method"),
        "h_replace_check": dict(body=("from lecture_kit import check\n"
                                      "np.allclose = lambda *a, **k: True\n"
                                      "np.isclose = lambda *a, **k: True\n"
                                      "check.sigmoid_saturation_edge = lambda f: None\n"
                                      + SIG + WRONG),
                                expect=((), "needs_review"), reason="assigns to an attribute"),
        "h_linecache": dict(body=(
            "import sys, linecache\n" + SIG +
            "    f = sys._getframe(1)\n"
            "    text = ''.join(linecache.getlines(f.f_code.co_filename))\n"
            "    raise type(text.replace(' ', '\\u00a0')[:3000], (Exception,), {})()\n"),
            expect=((), "needs_review"), reason="needs review"),
        "h_memory": dict(body=(SIG + "    try:\n"
                               "        big = np.empty(6 * 2**30 // 8)\n"
                               "    except MemoryError:\n        return 1.0\n" + EXACT),
                         expect=((), "graded"), reason="visible tests failed"),
        "h_fork_bomb": dict(body=("import os, time\n"
                                  "for _ in range(300):\n"
                                  "    try:\n"
                                  "        if os.fork() == 0:\n"
                                  "            time.sleep(600)\n"
                                  "            os._exit(0)\n"
                                  "    except OSError:\n        break\n" + SIG + WRONG),
                            expect=((), "graded"), reason="visible tests failed"),
        "h_forbidden": dict(body=SIG + "    g = activations.get('sigmoid').grad\n"
                            "    xs = np.arange(0.0, 40.0, 1e-4)\n"
                            "    return xs[np.argmax(g(xs) < threshold)]\n",
                            expect=((), "needs_review"), reason="forbids"),
        "h_symlink": dict(body=None, layout="symlink", expect=((), "graded"),
                          reason="was not submitted"),
        "h_symlink_folder": dict(body=None, layout="symlink-folder",
                                 expect=((), "needs_review"), reason="symbolic link"),
    }


LATIN1 = b"ctl_jos\xe9"            # a folder name from a Windows zip: not UTF-8


def _write_class(repo: Path, subs: Path, out: Path) -> tuple[dict, str]:
    assignment = "getting-started"
    release_nb = nbformat.read(repo / "release" / assignment / f"{NB}.ipynb", as_version=4)
    other = next(p for p in (repo / "release").glob("*/*.ipynb") if p.parent.name != assignment)
    table = students(repo, subs, out)
    for name, spec in table.items():
        nb = copy.deepcopy(release_nb)
        for cell in nb.cells:
            if _meta(cell).get("grade_id") == f"{EX}-solution" and spec["body"] is not None:
                cell.source = spec["body"]
        if spec.get("markdown"):
            nb.cells.append(nbformat.v4.new_markdown_cell(spec["markdown"]))
        layout = spec.get("layout", "nbgrader")
        folder = subs / name / assignment
        if layout == "symlink-folder":
            os.symlink(subs / "ctl_correct", subs / name)
            continue
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("2026-12-06 10:00:00.000000 UTC")
        if layout == "loose":
            shutil.rmtree(subs / name)
            (subs / name).mkdir()
            nbformat.write(nb, subs / name / f"{NB}.ipynb")
        elif layout == "symlink":
            os.symlink(repo / "book" / f"{NB}.ipynb", folder / f"{NB}.ipynb")
        elif layout == "stub-beside":
            (folder / "work").mkdir()
            nbformat.write(nb, folder / "work" / f"{NB}.ipynb")
            time.sleep(0.05)
            shutil.copy(repo / "release" / assignment / f"{NB}.ipynb", folder / f"{NB}.ipynb")
        elif layout == "extra-part":
            nbformat.write(nb, folder / f"{NB}.ipynb")
            shutil.copy(other, subs / name / other.name)
        else:
            nbformat.write(nb, folder / f"{NB}.ipynb")
    # a Latin-1 folder name, honest and correct
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        if _meta(cell).get("grade_id") == f"{EX}-solution":
            cell.source = SIG + EXACT
    latin = os.path.join(os.fsencode(subs), LATIN1)
    os.mkdir(latin)
    with open(os.path.join(latin, f"{NB}.ipynb".encode()), "w") as fh:
        nbformat.write(nb, fh)
    table["ctl_jos\\xe9"] = dict(body=SIG + EXACT, expect=(("visible", "hidden"), "graded"),
                                 reason="all tests passed")
    return table, assignment


def _copy_repo(dest: Path) -> Path:
    ignore = shutil.ignore_patterns(".venv", "_build", ".git", "release", "grading",
                                    ".pytest_cache", ".hypothesis", "__pycache__",
                                    "node_modules", "*.egg-info", ".ipynb_checkpoints",
                                    # a build of the checkout under way
                                    "lecture_kit-[0-9]*", ".lecture_kit-build.lock")
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def _forbid_activations(repo: Path) -> None:
    """In the copy: how_to_use's exercise forbids lecture_kit.activations (metadata)."""
    path = repo / "book" / f"{NB}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if _meta(cell).get("grade_id") == f"{EX}-solution":
            cell.metadata["lecture_kit"] = {"forbidden": ["lecture_kit.activations"]}
    nbformat.write(nb, path)


def _grading_env() -> dict:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the hostile run needs root (the sandbox switches to unprivileged uids); "
                    "as another user see test_non_root_user_grades_honest_students")
    base = tmp_path_factory.mktemp("hostile")
    repo = _copy_repo(base / "repo")
    _forbid_activations(repo)
    result = subprocess.run([sys.executable, "tools/grading.py", "release"], cwd=repo,
                            capture_output=True, text=True, timeout=900, env=_grading_env())
    assert result.returncode == 0, result.stdout + result.stderr
    subs = base / "submissions"
    subs.mkdir()
    out = repo / "grading" / "results"
    table, assignment = _write_class(repo, subs, out)
    (repo / "grading" / "overrides.csv").write_text(
        "student,exercise,score,note\nctl_override,how_to_use-ex3,as graded,"
        "inspect imported but unused\n", encoding="utf-8")
    before_repo = tree_digest(repo, skip=("grading",))
    before_subs = tree_digest(subs)
    start = time.monotonic()
    result = subprocess.run(["make", "-o", ".venv/.installed", f"PY={sys.executable}", "grade",
                             f"SUBMISSIONS={subs}", f"TIMEOUT={TIMEOUT}"],
                            cwd=repo, capture_output=True, timeout=3000, env=_grading_env())
    elapsed = time.monotonic() - start
    csv_bytes = (out / "grades.csv").read_bytes() if (out / "grades.csv").exists() else b""
    time.sleep(8)                         # a surviving daemon would strike now
    return dict(repo=repo, subs=subs, out=out, table=table, assignment=assignment,
                result=result, elapsed=elapsed, csv_bytes=csv_bytes,
                before_repo=before_repo, before_subs=before_subs,
                log=result.stdout.decode(errors="replace") + result.stderr.decode(
                    errors="replace"))


def _rows(run) -> list[dict]:
    text = (run["out"] / "grades.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_make_grade_succeeds_and_says_what_happened(hostile_run):
    assert hostile_run["result"].returncode == 0, hostile_run["log"]
    log = hostile_run["log"]
    assert re.search(r"\d+ graded, \d+ need review, 0 could not be graded", log), log
    # the workers were forks of the warm zygote (tools/forkserver.py), not the fallback
    assert "start as fresh processes" not in log, log


def test_every_score_is_exact(hostile_run):
    pts = points(BOOK / f"{NB}.ipynb")
    rows = {r["student"]: r for r in _rows(hostile_run) if r["exercise"] == EX}
    problems = []
    for name, spec in hostile_run["table"].items():
        parts, status = spec["expect"]
        row = rows.get(name)
        if row is None:
            problems.append(f"{name}: no row")
            continue
        expected = sum(pts[p] for p in parts)
        if float(row["score"] or 0) != expected:
            problems.append(f"{name}: score {row['score']} != {expected} ({row['reason']})")
        if row["status"] != status:
            problems.append(f"{name}: status {row['status']} != {status} ({row['reason']})")
        if spec["reason"] not in row["reason"]:
            problems.append(f"{name}: reason {row['reason']!r} lacks {spec['reason']!r}")
        if "all tests passed" in row["reason"] and expected != pts["visible"] + pts["hidden"]:
            problems.append(f"{name}: says all tests passed with {row['score']}")
        if row["feedback"] and not (hostile_run["out"] / row["feedback"]).is_file():
            problems.append(f"{name}: no feedback page {row['feedback']}")
    assert not problems, "\n".join(problems) + "\n" + hostile_run["log"][-3000:]


def test_only_the_graded_assignment_has_rows(hostile_run):
    rows = _rows(hostile_run)
    assert {r["assignment"] for r in rows} == {hostile_run["assignment"]}
    assert {r["student"] for r in rows} == set(hostile_run["table"])
    page = (hostile_run["out"] / "feedback" / "ctl_extra_part.html").read_text()
    assert "not graded in this run" in html.unescape(page)


def test_nothing_outside_the_grading_folder_changed(hostile_run):
    after = tree_digest(hostile_run["repo"], skip=("grading",))
    changed = {k for k in set(after) | set(hostile_run["before_repo"])
               if after.get(k) != hostile_run["before_repo"].get(k)}
    assert not changed, sorted(changed)
    assert tree_digest(hostile_run["subs"]) == hostile_run["before_subs"]
    temporary = re.search(r"temporary folder (\S+)", hostile_run["log"])
    assert temporary, hostile_run["log"][:2000]
    assert not Path(temporary.group(1)).exists()


def test_no_student_process_survives_and_results_stay_put(hostile_run):
    used = re.search(r"\(uids ([\d, ]+)\)", hostile_run["log"])
    assert used, hostile_run["log"][:2000]
    uids = {int(u) for u in used.group(1).split(",")}
    assert uids and all(u >= UID_BASE for u in uids)
    assert not sandbox_processes(uids)
    assert (hostile_run["out"] / "grades.csv").read_bytes() == hostile_run["csv_bytes"]
    assert b"hacked" not in hostile_run["csv_bytes"]


def test_no_secret_of_any_chapter_reaches_the_csv_or_feedback(hostile_run):
    lines = course_secret_lines()
    assert lines
    texts = {"grades.csv": (hostile_run["out"] / "grades.csv").read_text(encoding="utf-8")}
    for page in (hostile_run["out"] / "feedback").glob("*.html"):
        texts[page.name] = html.unescape(page.read_text(encoding="utf-8"))
    for name, text in texts.items():
        assert not leaked(text, lines), (name, leaked(text, lines))
        assert "Traceback" not in text


def test_instructor_copies_are_safe_and_small(hostile_run):
    course = hostile_run["repo"] / "grading"
    for folder in ("autograded", "submitted"):
        for path in (course / folder).rglob("*.ipynb"):
            assert path.stat().st_size < 2_000_000, path
            nb = nbformat.read(path, as_version=4)
            # what a viewer renders: outputs, markdown and raw cells (code is shown as text)
            rendered = json.dumps([c.get("outputs", []) for c in nb.cells]) + "\n".join(
                c.source for c in nb.cells if c.cell_type != "code")
            for bad in ("<script", "onerror", "text/html", "application/javascript"):
                assert bad not in rendered, (path, bad)
    xss = nbformat.read(course / "autograded" / "ctl_xss" / hostile_run["assignment"]
                        / f"{NB}.ipynb", as_version=4)
    shown = [o for c in xss.cells for o in c.get("outputs", [])
             if o.get("output_type") == "display_data"]
    assert shown and all(set(o["data"]) <= {"text/plain", "image/png"} for o in shown)


def test_refusals_are_explained(hostile_run):
    fb = hostile_run["out"] / "feedback"
    assert "symbolic link" in html.unescape((fb / "h_symlink.html").read_text())
    assert "unchanged stub" in html.unescape((fb / "ctl_stub_beside.html").read_text())


def test_progress_log_has_one_line_per_student(hostile_run):
    log = (hostile_run["out"] / "grading.log").read_text(encoding="utf-8")
    lines = [ln for ln in log.splitlines() if ln and not ln.startswith("#")]
    graded_students = {n for n, s in hostile_run["table"].items()
                       if s.get("layout") not in ("symlink", "symlink-folder")}
    assert len(lines) == len(graded_students), log
    assert "could not be graded" in log.splitlines()[-1]
    # quiet when stderr is not a terminal: no progress bar in the captured output
    assert "notebook set/s" not in hostile_run["log"] and "\r" not in hostile_run["log"]


def test_an_input_inside_the_output_folder_is_refused(hostile_run):
    inside = hostile_run["repo"] / "grading" / "submitted"
    result = subprocess.run([sys.executable, "tools/grading.py", "grade", str(inside)],
                            cwd=hostile_run["repo"], capture_output=True, text=True,
                            timeout=300, env=_grading_env())
    assert result.returncode != 0
    assert "inside the grader's" in result.stderr + result.stdout
    assert inside.is_dir()


# ---------------------------------------------------------------------------
# The same grader as a user without privileges
# ---------------------------------------------------------------------------

@pytest.fixture
def shared_tmp():
    """A folder another user can reach (pytest's own tmp root is private to root)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="lk-nonroot-", dir="/tmp"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_non_root_user_grades_honest_students(shared_tmp):
    """Honest students graded by an unprivileged uid on a copy (namespaces if the kernel
    allows them to users, otherwise limits only): exact scores, nothing left behind."""
    if os.geteuid() != 0 or not shutil.which("setpriv") or not shutil.which("unshare"):
        pytest.skip("needs root to create the throwaway user context (setpriv, unshare)")
    tmp_path = shared_tmp
    uid = 61990
    repo = _copy_repo(tmp_path / "repo")
    result = subprocess.run([sys.executable, "tools/grading.py", "release"], cwd=repo,
                            capture_output=True, text=True, timeout=900, env=_grading_env())
    assert result.returncode == 0, result.stderr
    subs = tmp_path / "subs"
    release_nb = nbformat.read(repo / "release" / "getting-started" / f"{NB}.ipynb",
                               as_version=4)
    bodies = {"n_correct": SIG + EXACT, "n_partly": SIG + PARTLY, "n_stub": None,
              "n_daemon": ("import os, time\nif os.fork() == 0:\n    os.setsid()\n"
                           "    if os.fork() == 0:\n        time.sleep(300)\n"
                           "    os._exit(0)\n" + SIG + EXACT)}
    for name, body in bodies.items():
        nb = copy.deepcopy(release_nb)
        for cell in nb.cells:
            if _meta(cell).get("grade_id") == f"{EX}-solution" and body is not None:
                cell.source = body
        (subs / name).mkdir(parents=True)
        nbformat.write(nb, subs / name / f"{NB}.ipynb")
    home = tmp_path / "home"
    home.mkdir()
    subprocess.run(["chown", "-R", f"{uid}:{uid}", str(tmp_path)], check=True)
    # The course's Python may live under /root (mode 0700): show the user only that
    # installation, in a private mount namespace, as root would on a shared machine.
    py_home = Path(os.path.realpath(sys.base_prefix))
    venv = Path(sys.prefix)
    script = (
        "set -e\n"
        f"keep=$(mktemp -d)\n"
        f"mount --bind {py_home} $keep\n"
        "mount -t tmpfs -o mode=0755 tmpfs /root\n"
        f"mkdir -p {py_home}\n"
        f"mount --bind $keep {py_home}\n"
        f"cd {repo}\n"
        f"exec setpriv --reuid {uid} --regid {uid} --clear-groups --reset-env "
        f"env HOME={home} PATH={venv}/bin:/usr/bin:/bin "
        f"{venv}/bin/python tools/grading.py grade {subs} --timeout {TIMEOUT} --jobs 2\n")
    if str(py_home).startswith("/root/") is False:
        script = script.replace("mount -t tmpfs -o mode=0755 tmpfs /root\n", "")
    result = subprocess.run(["unshare", "-m", "--propagation", "private", "bash", "-c", script],
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
    mode = re.search(r"in the '(\w+)' sandbox", result.stderr)
    assert mode, result.stderr
    print(f"non-root sandbox mode: {mode.group(1)}")
    pts = points(BOOK / f"{NB}.ipynb")
    rows = {r["student"]: r for r in csv.DictReader(
        (repo / "grading" / "results" / "grades.csv").read_text().splitlines())}
    full = pts["visible"] + pts["hidden"]
    assert float(rows["n_correct"]["score"]) == full, rows["n_correct"]
    assert float(rows["n_partly"]["score"]) == pts["visible"], rows["n_partly"]
    assert float(rows["n_stub"]["score"]) == 0
    assert float(rows["n_daemon"]["score"]) == full, rows["n_daemon"]
    time.sleep(1)
    leftovers = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status") as fh:
                    status = fh.read()
            except OSError:
                continue
            if re.search(rf"^Uid:\s+{uid}\s", status, re.M):
                leftovers.append(entry)
    for pid in leftovers:
        os.kill(int(pid), 9)
    assert not leftovers, "processes of the grading user survived"
