# Course commands. `make course` runs every notebook, `make test` runs all the tests.
# Both create the virtual environment (.venv) on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The offline profile is the default for headless runs: no Hub needed, and the
# committed outputs come from it. Override with e.g. `make course COURSE_PROFILE=full`.
COURSE_PROFILE ?= offline
export COURSE_PROFILE

.PHONY: install course test lint unit nbval notebooks zh-tw solutions benchmark data site test-site clean

install: $(INSTALLED)

$(INSTALLED): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch on its own first, pinned: on CPU-only machines this is the CPU wheel.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

## Execute every notebook headless into build/notebooks/ and print a summary table.
course: install
	$(BIN)/python scripts/run_notebooks.py

## Lint, unit tests (the exercises' checks and solutions included), then nbval over the notebooks.
test: lint unit nbval

## ruff: lint and formatting of helpers, scripts, benchmarks, tests and the notebooks' code.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: install
	$(BIN)/python -m pytest tests

# Every English notebook, and two quick zh-TW twins run from their own folder (the other
# twins have the very same code and outputs, which tests/test_zh_tw.py checks cell by cell).
NBVAL_ZH_TW := notebooks/zh-TW/01_tokenization.ipynb notebooks/zh-TW/02_training_arguments.ipynb

nbval: install
	$(BIN)/python -m pytest --nbval --nbval-current-env notebooks/[0-9]*.ipynb $(NBVAL_ZH_TW)

## Run the exercise notebooks with every solution filled in: each must end all correct.
solutions: install
	$(BIN)/python scripts/run_notebooks.py --solutions

## Re-execute the notebooks and write their outputs back (before committing them), then rebuild zh-TW.
notebooks: install
	$(BIN)/python scripts/run_notebooks.py --in-place
	$(BIN)/python scripts/build_zh_tw.py

## Build notebooks/zh-TW/ from the English notebooks and translations/zh-TW/ (no execution).
zh-tw: install
	$(BIN)/python scripts/build_zh_tw.py

# The website has its own virtual environment: Sphinx, MyST-NB and the book theme, no torch.
SITE_VENV ?= .venv-site
SITE_BIN := $(SITE_VENV)/bin

$(SITE_VENV)/.installed: requirements-site.txt
	$(PYTHON) -m venv $(SITE_VENV)
	$(SITE_BIN)/pip install --quiet -r requirements-site.txt
	touch $@

$(SITE_VENV)/.installed-test: $(SITE_VENV)/.installed requirements-site-test.txt
	$(SITE_BIN)/pip install --quiet -r requirements-site-test.txt
	touch $@

## Build the website into build/site/ (English) and build/site/zh-TW/ from the committed notebooks.
site: $(SITE_VENV)/.installed
	$(SITE_BIN)/python scripts/build_site.py

## Build the website and check every page in headless Chromium (Debian's chromium package).
## Screenshots of a lesson page go to build/site-screenshots/.
test-site: $(SITE_VENV)/.installed-test
	SITE_TEST_REQUIRE_BROWSER=1 SITE_SCREENSHOTS=build/site-screenshots \
		$(SITE_BIN)/python -m pytest --confcutdir tests/site -p no:cacheprovider tests/site

## Speed, memory and accuracy figures for this machine and profile.
benchmark: install
	$(BIN)/python benchmarks/benchmark.py

## Regenerate the bundled MRPC-style data (deterministic).
data: install
	$(BIN)/python scripts/make_bundled_mrpc.py

clean:
	rm -rf build notebooks/runs runs .pytest_cache
