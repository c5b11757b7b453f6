# Grad School: every target sets up what it needs, and a second run is quick.
#   make test              ruff + the whole test suite, lessons included
#   make book              execute every lesson and build book/_build/html
#   make lab               Jupyter Lab on lessons/
#   make exercise CH=02    create/update workbook/ with chapter 02's exercises stubbed out
#   make check CH=02       run chapter 02's tests against workbook/
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

test: setup $(STAMPS)/torch book/mathjax/es5/tex-chtml.js
	$(VENV)/bin/ruff check .
	$(PY) -m pytest tests lessons --nbmake-timeout=600

book: setup book/mathjax/es5/tex-chtml.js
	$(VENV)/bin/jupyter-book build book --all --warningiserror --keep-going --quiet
	$(PY) tools/check_book_offline.py book/_build/html
	@echo "Open file://$(CURDIR)/book/_build/html/index.html"

lab: setup
	$(VENV)/bin/jupyter lab lessons

# ---- exercises -------------------------------------------------------------------------------

exercise: setup
	@test -n "$(CH)" || { echo "usage: make exercise CH=02"; exit 2; }
	$(PY) tools/workbook.py create $(CH)

check: setup
	@test -n "$(CH)" || { echo "usage: make check CH=02"; exit 2; }
	$(PY) tools/workbook.py check $(CH)

bench: setup $(STAMPS)/torch
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) book/_build book/mathjax workbook .pytest_cache .ruff_cache .hypothesis
