"""Student release kits: what goes into ``release/<part>.zip`` besides the notebooks.

``tools/grading.py release`` (``make release``) calls :func:`build_wheel` once and
:func:`add_kit` for every assignment, so that each zip is complete on its own:

* the student notebooks (written by nbgrader),
* ``lecture_kit-<version>-py3-none-any.whl``, the course's package,
* ``constraints.txt``, the exact versions the course was built and tested with
  (a copy of ``requirements.txt``; pip only uses the lines of packages it installs),
* ``README.md`` with the commands to set up an environment and start JupyterLab.

Nothing but the public packages on PyPI is needed besides the zip. The install
commands are the fenced ``bash`` block of the README; ``tests/test_release_kit.py``
runs exactly that block.

:func:`label_hidden_tests` gives the hidden-test cells of a chapter a one-line
comment before nbgrader strips the tests, so that the student sees what the
empty-looking cell is for (``prepare_course`` in ``tools/grading.py`` calls it
on the copy of each chapter it hands to nbgrader).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
HIDDEN_COMMENT = "# Hidden tests run here at grading time: keep this cell, do not edit it."
EXTRAS = "all"                     # plots + widgets + data (digits): every chapter's imports
STUDENT_PACKAGES = ("jupyterlab", "jupyterlab-myst")   # besides the wheel; pinned by constraints

STUDENT_README = """\
# {caption}: exercises

The notebooks of the part "{caption}" of the course *Why deep networks train*,
with everything needed to run them: the course's package `lecture_kit` as a
wheel (`{wheel}`) and `constraints.txt`, the exact versions of every package
the course was tested with.

## Set up (once)

You need Python 3.10 or newer. In a terminal, in this folder:

```bash
python3 -m venv .venv
. .venv/bin/activate
pip install -c constraints.txt "./{wheel}[{extras}]" {packages}
jupyter lab
```

On Windows use `py -m venv .venv` and `.venv\\Scripts\\activate` for the first two
lines. pip downloads the public packages (NumPy, SymPy, matplotlib, ipywidgets,
scikit-learn, JupyterLab and jupyterlab-myst) from PyPI; the course's own code is
the wheel in this folder. The install took {install_time} in a fresh
environment on a two-core machine with a warm pip cache (longer the first
time, while pip downloads about 150 MB).

Later sessions: `. .venv/bin/activate` and `jupyter lab`, in this folder.

## Work

Open the notebooks in JupyterLab and run them from the top.

* Replace each `raise NotImplementedError()` with your code, and each
  "YOUR ANSWER HERE" with your answer. Until you do, the test cell after a
  function stops with `NotImplementedError`: that is expected.
* The cell after each function runs visible tests and a self-check that says
  whether your answer is correct. Do not edit or delete test cells: the
  original tests are restored and run at grading time, and hidden tests run
  as well, in the cells marked "Hidden tests run here at grading time".
* Each cell gets a time limit when graded; an endless loop costs the points of
  the tests it blocks.
* Hand back the notebooks with their file names unchanged.
"""

# Measured by tests/test_release_kit.py's set-up (README block, fresh venv, warm cache).
INSTALL_TIME = "2 to 4 minutes"


def label_hidden_tests(nb) -> int:
    """Put :data:`HIDDEN_COMMENT` on top of every hidden-test cell that has no line of its own
    before ``### BEGIN HIDDEN TESTS``; return how many cells were labelled."""
    n = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or BEGIN_HIDDEN not in cell.source:
            continue
        before = cell.source.split(BEGIN_HIDDEN, 1)[0]
        if not before.strip():
            cell.source = HIDDEN_COMMENT + "\n" + cell.source.lstrip("\n")
            n += 1
    return n


BUILD_LOCK = ".lecture_kit-build.lock"


@contextlib.contextmanager
def build_lock(root: Path):
    """One build of the checkout ``root`` at a time (``root/.lecture_kit-build.lock``).

    setuptools stages the sdist in ``root/lecture_kit-<version>/`` and rewrites
    ``root/lecture_kit.egg-info``: two builds of one checkout at once (two test
    workers, ``make release`` beside a test run) delete each other's files. Where
    there is no ``fcntl`` (Windows) builds are not serialised.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(Path(root) / BUILD_LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_wheel(root: Path = ROOT, outdir: Path | None = None) -> Path:
    """Build the ``lecture_kit`` wheel of ``root``; return its path.

    ``python -m build --no-isolation``, as ``make dist``: the pinned setuptools of
    the course environment builds it offline, from an sdist in a temporary folder
    (so nothing but ``lecture_kit.egg-info`` and the lock of :func:`build_lock` are
    written into the checkout), one build of a checkout at a time.
    """
    outdir = Path(outdir or tempfile.mkdtemp(prefix="lecture-kit-wheel-"))
    outdir.mkdir(parents=True, exist_ok=True)
    for old in [*outdir.glob("lecture_kit-*.whl"), *outdir.glob("lecture_kit-*.tar.gz")]:
        old.unlink()
    with build_lock(root):
        result = subprocess.run([sys.executable, "-m", "build", "--no-isolation",
                                 "--outdir", str(outdir), str(root)],
                                capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"building the lecture_kit wheel failed:\n{result.stdout}\n"
                           f"{result.stderr}")
    for sdist in outdir.glob("lecture_kit-*.tar.gz"):
        sdist.unlink()
    wheels = sorted(outdir.glob("lecture_kit-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one lecture_kit wheel in {outdir}, found {wheels}")
    return wheels[0]


def readme(caption: str, wheel_name: str) -> str:
    return STUDENT_README.format(caption=caption, wheel=wheel_name, extras=EXTRAS,
                                 packages=" ".join(STUDENT_PACKAGES),
                                 install_time=INSTALL_TIME)


def constraints(root: Path = ROOT) -> str:
    """``requirements.txt`` (the course's freeze) as a pip constraints file."""
    text = (root / "requirements.txt").read_text(encoding="utf-8")
    return ("# The versions the course was built and tested with (pip -c constraints.txt).\n"
            + "".join(ln + "\n" for ln in text.splitlines()
                      if ln.strip() and not ln.lstrip().startswith("#")))


def install_commands(readme_text: str) -> list[str]:
    """The lines of the README's first fenced ``bash`` block (the set-up commands)."""
    lines, inside = [], False
    for line in readme_text.splitlines():
        if line.strip() == "```bash" and not lines:
            inside = True
        elif inside and line.strip() == "```":
            break
        elif inside:
            lines.append(line)
    return lines


def add_kit(folder: Path, caption: str, wheel: Path, root: Path = ROOT) -> None:
    """Write the wheel, ``constraints.txt`` and ``README.md`` into a release folder."""
    shutil.copy2(wheel, folder / wheel.name)
    (folder / "constraints.txt").write_text(constraints(root), encoding="utf-8")
    (folder / "README.md").write_text(readme(caption, wheel.name), encoding="utf-8")
