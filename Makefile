# Grad School: every target sets up what it needs, and a second run is quick.
#   make test              ruff + the whole test suite, lessons included, on every core
#   make book              execute every lesson and build book/_build/html (progress bars
#                          print one line per loop there: GRADSCHOOL_BOOK=1)
#   make lab               Jupyter Lab on lessons/ (WORKBOOK=1: the lessons run workbook/'s code)
#   make exercise CH=02    create/update workbook/ with chapter 02's exercises stubbed out
#   make check CH=02       run chapter 02's tests against workbook/ (EX=exp: one exercise's
#                          tests; SLOW=1: the slow tests too)
#   make bench             benchmarks against PyTorch and NumPy -> bench/RESULTS.md

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
STAMPS := $(VENV)/.stamps

.PHONY: test book lab exercise check bench clean system setup

# ---- set-up ---------------------------------------------------------------------------------

system:  ## Debian packages: graphviz's `dot` program and the Fashion-MNIST dataset
	@$(PYTHON) tools/system_packages.py

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMPS)/project: pyproject.toml | $(PY)
	$(PIP) install -e '.[dev]'
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/torch: | $(PY)  # test-only oracle: the CPU build from this machine's cache
	$(PIP) install torch==2.13.0
	@mkdir -p $(STAMPS) && touch $@

book/mathjax/es5/tex-chtml.js:  # MathJax served by the book itself, so it works offline
	@command -v npm >/dev/null || { echo "npm is needed once to fetch MathJax: apt-get install npm"; exit 1; }
	rm -rf book/mathjax && mkdir -p book/mathjax
	cd book/mathjax && npm install --silent --no-audit --no-fund --prefix . mathjax@3 >/dev/null
	mv book/mathjax/node_modules/mathjax/es5 book/mathjax/es5 && rm -rf book/mathjax/node_modules book/mathjax/package*.json

setup: system $(STAMPS)/project

# ---- the two main commands ---------------------------------------------------------------

# -n auto: one pytest-xdist worker per core. --dist worksteal: a worker that runs out of tests
# takes some queued for another, since a few (training runs, lessons) take far longer than the
# rest. Every test writes only under its own tmp_path, so any two can run side by side.
# --durations=15: the slowest tests, to keep an eye on.
# One BLAS/OpenMP thread per test process: pytest-xdist already runs one process per core, and
# a second thread each only makes them fight (a CNN step in a lesson: 80 ms alone, 0.5-1 s so).
test: setup $(STAMPS)/torch book/mathjax/es5/tex-chtml.js
	$(VENV)/bin/ruff check .
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	$(PY) -m pytest tests lessons --nbmake-timeout=600 -n auto --dist worksteal --durations=15

# One BLAS thread here too: the lessons' printed numbers were measured so (a different thread
# count changes the rounding of a training run), and it is no slower on 2 cores.
book: setup book/mathjax/es5/tex-chtml.js
	GRADSCHOOL_BOOK=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	$(VENV)/bin/jupyter-book build book --all --warningiserror --keep-going --quiet
	$(PY) tools/check_book_offline.py book/_build/html
	$(PY) tools/check_book_pages.py book/_build/html
	@echo "Open file://$(CURDIR)/book/_build/html/index.html"

# Jupyter refuses to run as root (a container, a cloud machine) unless told --allow-root.
# WORKBOOK=1 puts workbook/ first on the kernels' path, so the lessons import your own code.
lab: setup
	@test -z "$(WORKBOOK)" -o -d workbook || { echo "No workbook yet: run make exercise CH=02 first."; exit 2; }
	$(if $(WORKBOOK),PYTHONPATH=$(CURDIR)/workbook) $(VENV)/bin/jupyter lab lessons $(if $(filter 0,$(shell id -u)),--allow-root)

# ---- exercises -------------------------------------------------------------------------------

exercise: setup
	@test -n "$(CH)" || { echo "usage: make exercise CH=02"; exit 2; }
	@$(PY) tools/workbook.py create $(CH)

# The summary already says what fails; make's own "Error 1" line after it would only be noise,
# so the recipe succeeds. `tools/workbook.py check` itself exits non-zero when a test fails.
check: setup
	@test -n "$(CH)" || { echo "usage: make check CH=02 [EX=name] [SLOW=1]"; exit 2; }
	@$(PY) tools/workbook.py check $(CH) $(if $(EX),--exercise $(EX)) $(if $(SLOW),--slow) || true

bench: setup $(STAMPS)/torch
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) book/_build book/mathjax workbook .pytest_cache .ruff_cache .hypothesis
