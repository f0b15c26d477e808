# Two commands on a fresh machine: `make book` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The chapters multiply small matrices: BLAS threads only add overhead (measured 2x).
export OPENBLAS_NUM_THREADS ?= 1
# One pytest session on every core (pytest-xdist). Tests that need the executed
# chapters, the built book or the browser share one worker (xdist group "book",
# see tests/conftest.py); the others spread over the remaining workers.
TEST_WORKERS ?= auto
PYTEST_ALL := tests lecture_kit --doctest-modules \
              -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

.PHONY: help install book book-force test test-fast lab bench freeze clean chromium dist hub-tools format

help:
	@echo "make book    build the HTML book into _build/html (creates .venv on first use)"
	@echo "make test    run every check: unit tests, doctests, nbval, strict build, browser"
	@echo "make lab     start JupyterLab on the chapters, with live widgets"
	@echo "make dist    build the lecture_kit wheel and sdist into dist/"
	@echo "make bench   print the speed tables (bench/)"
	@echo "make format  format the notebooks' code cells to the page's code column (ruff, book/ruff.toml)"
	@echo "make release student versions of the exercises in release/ (one per part)"
	@echo "make grade SUBMISSIONS=dir   autograde dir/<student>/*.ipynb into grading/results/"
	@echo "make feedback COURSE=dir ASSIGNMENT=name   send the feedback pages through nbgrader's exchange"
	@echo "make report  class report and LMS gradebooks again from grading/results/grades.csv"
	@echo "make clean   remove build outputs (keeps .venv)"

# The environment is (re)installed only when the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

install: $(STAMP)

book: $(STAMP)
	$(PY) tools/build_book.py

book-force: $(STAMP)
	$(PY) tools/build_book.py --force

# Everything, in one pytest session (one summary line): unit tests, doctests,
# every chapter executed ONCE (in parallel) for both nbval's checks and the
# strict full build, the planted-failure checks, grading end to end and the
# browser tests against the built HTML. Ends with the ten slowest tests and the
# seconds per stage.
test: chromium hub-tools $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest $(PYTEST_ALL) --durations=10

# Unit tests and doctests only (no notebooks, build, browser or grading).
test-fast: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest $(PYTEST_ALL) -m "not build and not browser and not grading and not notebooks and not hub and not kit and not lab and not mutants"

# The JupyterHub test (tests/test_jupyterhub.py, marker `hub`) needs, as root, Node's
# npm (the hub's proxy) and Debian's python3-venv (the students' environment).
hub-tools:
	@if [ "$$(id -u)" = 0 ] && { ! command -v npm >/dev/null || ! command -v useradd >/dev/null \
	    || ! /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null; }; then \
	  echo "== apt-get install nodejs npm python3-venv passwd (for the JupyterHub test)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    nodejs npm python3-venv passwd >/dev/null; fi

# The browser tests need a Chromium. tools/chromium.py (standard library only, so
# it runs before .venv exists) finds one ($$CHROMIUM, chromium or Chrome on PATH,
# Playwright's own browsers); if there is none it installs Debian's chromium and
# chromium-driver when we are root, and otherwise stops with the command to run.
chromium:
	@$(PYTHON) tools/chromium.py --ensure

# JupyterLab on the chapters, rendering MyST (jupyterlab-myst: solutions stay in
# collapsed drop-downs). tools/jupyter/ turns nbgrader's lab and server extensions
# off here: grading is `make release` / `make grade`. As root JupyterLab needs
# --allow-root. LAB_DIR and LAB_ARGS (e.g. --port=9999 --no-browser) are for tests.
LAB_DIR ?= book
LAB_ARGS ?=
lab: $(STAMP)
	LECTURE_KIT_EXPLORERS=live JUPYTER_CONFIG_PATH="$(CURDIR)/tools/jupyter" \
	  $(VENV)/bin/jupyter lab "$(LAB_DIR)" $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# The package as users install it: dist/lecture_kit-<version>-py3-none-any.whl and
# dist/lecture_kit-<version>.tar.gz, built offline with the pinned setuptools.
dist: $(STAMP)
	rm -rf dist
	$(PY) -m build --no-isolation --outdir dist .

# The notebooks' code cells formatted to the width of the page's code column
# (book/ruff.toml; tests/test_code_width.py): ruff, then long strings split.
format: $(STAMP)
	$(PY) tools/format_notebooks.py

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

freeze: $(STAMP)
	$(PY) -m pip freeze --all --exclude-editable | grep -vi '^lecture.kit\|^pip==' > /tmp/lk-freeze.txt
	@echo "review /tmp/lk-freeze.txt, then copy it below the header of requirements.txt"

clean:
	rm -rf _build release grading .pytest_cache .hypothesis

# Exercises for instructors (book/instructor.md). `make release` writes
# release/<assignment>/ and release/<assignment>.zip; `make grade SUBMISSIONS=dir`
# (one sub-folder per student, or nbgrader's submitted/ folder; never modified)
# writes $(GRADES)/grades.csv, $(GRADES)/feedback/ and $(GRADES)/grading.log; each
# student's kernels run in the sandbox of tools/sandbox.py (book/instructor.md).
TIMEOUT ?= 30
GRADES ?= grading/results
SUBMISSIONS ?=
JOBS ?=
ASSIGNMENT ?=
SANDBOX ?=
OVERRIDES ?=
MEMORY ?=
COURSE ?=
EXCHANGE ?=
.PHONY: release grade feedback report

release: $(STAMP)
	$(PY) tools/grading.py release

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { $(PY) tools/grade_report.py --grade-usage; exit 2; }
	$(PY) tools/grading.py grade "$(SUBMISSIONS)" --timeout $(TIMEOUT) --out "$(GRADES)" $(if $(JOBS),--jobs $(JOBS)) \
	  $(if $(ASSIGNMENT),--assignment "$(ASSIGNMENT)") $(if $(SANDBOX),--sandbox $(SANDBOX)) \
	  $(if $(OVERRIDES),--overrides "$(OVERRIDES)") $(if $(MEMORY),--memory $(MEMORY))

# On JupyterHub (book/instructor.md, "Teaching a class on JupyterHub"): after
# `nbgrader collect` and `make grade SUBMISSIONS=$(COURSE)/submitted`, put each
# student's feedback page where `nbgrader fetch_feedback` finds it.
feedback: $(STAMP)
	@test -n "$(COURSE)" -a -n "$(ASSIGNMENT)" || { echo "usage: make feedback COURSE=<nbgrader course folder> ASSIGNMENT=<name> [GRADES=grading/results] [EXCHANGE=<nbgrader exchange root>]"; exit 2; }
	$(PY) tools/hub_feedback.py "$(COURSE)" --assignment "$(ASSIGNMENT)" --grades "$(GRADES)" $(if $(EXCHANGE),--exchange "$(EXCHANGE)")

# The class report and the gradebooks again, from $(GRADES)/grades.csv (e.g. with
# ROSTER=the gradebook exported from Canvas or Moodle, to fill in their student ids).
ROSTER ?=
report: $(STAMP)
	$(PY) tools/grade_report.py --results "$(GRADES)" $(if $(ROSTER),--roster "$(ROSTER)")
