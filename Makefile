# crm-lessons: the two commands are `make course` (main job) and `make test` (every test).
# Windows without make: see README.md for the equivalent `python -m ...` commands.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.crm-lessons-installed

.PHONY: help install course slides test test-spark test-browser portability lint dist lab student benchmarks lock clean

help:
	@echo "make course      run every chapter notebook on the bundled data -> build/course/index.html"
	@echo "make slides      write each chapter's lecture slides (reveal.js, offline) -> build/slides/"
	@echo "make test        run every test (unit, doctests, notebooks graded with nbgrader, papermill, checked outputs)"
	@echo "make test-spark  install the spark extra and run the Spark engine tests (needs Java 17)"
	@echo "make test-browser  build the course, then test it, JupyterLab and a report in Chromium (needs chromium, chromium-driver)"
	@echo "make portability re-run the checked notebook outputs and doctests under other BLAS kernels / SIMD levels"
	@echo "make lint        ruff (lint + format check), mypy, deptry (every import a declared dependency)"
	@echo "make dist        build the sdist and wheel into dist/ and check them with twine"
	@echo "make student     students: write the chapters' student versions to student/ and open JupyterLab there"
	@echo "make lab         open JupyterLab on notebooks/, the instructor edition (solutions and hidden tests)"
	@echo "make benchmarks  run the speed benchmarks (bench_peers.py: the ratios against polars, DuckDB, pandas)"
	@echo "make lock        re-resolve constraints.txt (maintainers)"

# Create the virtual environment and install the package with the exact
# versions the tests passed with (constraints.txt).
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,site]"
	@touch $(STAMP)

install: $(STAMP)

course: $(STAMP)
	$(BIN)/python -m crm_lessons course --out build/course

slides: $(STAMP)
	$(BIN)/python -m crm_lessons slides --out build/slides

# One worker per core (pytest-xdist); conftest.py keeps each notebook's runs on one worker.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto

# The checked outputs under other OpenBLAS kernels and NumPy SIMD levels (CI; minutes per setting).
portability: $(STAMP)
	$(BIN)/python tools/check_portability.py

lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m mypy
	$(BIN)/python -m deptry .

dist: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,site,release]"
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .
	$(BIN)/python -m twine check --strict dist/*

# Spark engine tests (marker 'spark', left out of `make test` so that a laptop needs no Java).
# pyspark is a large source package: the first install builds its wheel (about 2 minutes).
test-spark: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,site,spark]"
	SPARK_LOCAL_IP=127.0.0.1 $(BIN)/python -m pytest -m spark tests/test_engines.py

# Browser suite: Debian's chromium + chromium-driver (apt), JupyterLab from the lab extra.
# SITE=folder tests a course site already built (CI: the one the installed wheel built) instead of building one.
SITE ?=
test-browser: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,site,lab]"
	$(if $(SITE),,$(BIN)/python -m crm_lessons course --out build/course)
	CRM_LESSONS_SITE=$(or $(SITE),build/course) $(BIN)/python -m pytest -m browser tests/browser

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,site,lab]"
	@echo "notebooks/ is the instructor edition (solutions, hidden tests); students: make student"
	$(BIN)/python -m crm_lessons.runner.lab notebooks

# A student's working folder outside the tracked notebooks: the student versions (no answers),
# written once; notebooks already there are kept (the student's work), so re-running is safe.
STUDENT_DIR ?= student
student: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,site,lab]"
	$(BIN)/python -m crm_lessons student --out $(STUDENT_DIR)
	$(BIN)/python -m crm_lessons.runner.lab $(STUDENT_DIR)

# The peers that cannot share .venv (lifetimes needs pandas < 3): their own venv, exact versions, made once
# (again when the requirements change).  bench_report.py runs benchmarks/report_peer.py in it, bench_clv.py
# benchmarks/clv_peer.py (lifetimes and pymc-marketing).  Every script runs even when one misses a target;
# about 15 minutes on a quiet machine besides bench_peers.py (benchmarks/README.md).
BENCH_VENV := .venv-bench
BENCH_REQUIREMENTS := benchmarks/requirements-bench-peer.txt

$(BENCH_VENV)/.installed: $(BENCH_REQUIREMENTS)
	rm -rf $(BENCH_VENV)
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r $(BENCH_REQUIREMENTS)
	touch $@

benchmarks: $(STAMP) $(BENCH_VENV)/.installed
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,site,bench]"
	@missed=""; for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || missed="$$missed $$f"; done; \
	if [ -n "$$missed" ]; then echo "targets missed (NOT MET above) in:$$missed"; exit 1; fi

# Re-resolve the lock file from the bounds in pyproject.toml in a throw-away venv.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade "pip>=24"
	.venv-lock/bin/python -m pip install --quiet -e ".[test,site,lab,bench,release]"
	( echo "# Exact versions the test suite passed with; 'make test' installs these. Regenerate: make lock"; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable --all | grep -v -E '^(pip|setuptools|wheel)==' ) > constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf build .pytest_cache
