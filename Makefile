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

.PHONY: help install book book-force test test-fast lab bench freeze clean

help:
	@echo "make book    build the HTML book into _build/html (creates .venv on first use)"
	@echo "make test    run every check: unit tests, doctests, nbval, strict build, browser"
	@echo "make lab     start JupyterLab on the chapters, with live widgets"
	@echo "make bench   print the speed tables (bench/)"
	@echo "make release student versions of the exercises in release/ (one per part)"
	@echo "make grade SUBMISSIONS=dir   autograde dir/<student>/*.ipynb into grading/results/"
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
test: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest $(PYTEST_ALL) --durations=10

# Unit tests and doctests only (no notebooks, build, browser or grading).
test-fast: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest $(PYTEST_ALL) -m "not build and not browser and not grading and not notebooks"

lab: $(STAMP)
	LECTURE_KIT_EXPLORERS=live $(VENV)/bin/jupyter lab book/

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

freeze: $(STAMP)
	$(PY) -m pip freeze --exclude-editable | grep -vi '^lecture.kit' > /tmp/lk-freeze.txt
	@echo "review /tmp/lk-freeze.txt, then copy it below the header of requirements.txt"

clean:
	rm -rf _build release grading .pytest_cache .hypothesis

# Exercises for instructors (book/instructor.md). `make release` writes
# release/<assignment>/ and release/<assignment>.zip; `make grade SUBMISSIONS=dir`
# (one sub-folder per student) writes $(GRADES)/grades.csv and $(GRADES)/feedback/.
TIMEOUT ?= 30
GRADES ?= grading/results
SUBMISSIONS ?=
JOBS ?=
.PHONY: release grade

release: $(STAMP)
	$(PY) tools/grading.py release

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=<folder with one sub-folder per student> [TIMEOUT=30] [GRADES=grading/results]"; exit 2; }
	$(PY) tools/grading.py grade "$(SUBMISSIONS)" --timeout $(TIMEOUT) --out "$(GRADES)" $(if $(JOBS),--jobs $(JOBS))
