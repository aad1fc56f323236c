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

.PHONY: install course test test-fast lint unit nbval test-floors test-colab test-latest notebooks zh-tw messages solutions grade benchmark data site test-site clean

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
	$(BIN)/python -m course run

## Lint, then every test tier in one run: the unit tests (the grader's and the exercises' included) and
## nbval over the notebooks, two processes at once (pytest-xdist), one thread each, sharing one
## training cache (course/testing.py): what the notebooks, their zh-TW twins and the tests train twice
## trains once. The cache starts empty on every run. The longest notebooks and test modules start
## first (course/testing.py, LONGEST_FIRST), so the two processes end together.
TEST_CACHE ?= build/test-training-cache
TEST_PROCESSES ?= 2

test: lint install
	rm -rf $(TEST_CACHE)
	COURSE_PROFILE=offline OMP_NUM_THREADS=1 COURSE_TRAINING_CACHE=$(TEST_CACHE) $(BIN)/python -m pytest -n $(TEST_PROCESSES) \
		--dist loadscope --no-loadscope-reorder --durations=20 --nbval --nbval-current-env $(NBVAL_NOTEBOOKS) tests

## The fast tier only (seconds): no training, no kernel, no second Python.
test-fast: install
	$(BIN)/python -m pytest -m "not slow" tests

## ruff: lint and formatting of helpers, scripts, benchmarks, tests and the notebooks' code.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: install
	$(BIN)/python -m pytest tests

# make test's nbval: every English notebook, and two quick zh-TW lessons run from their own folder.
# The other twins have the English code but the language line (tests/test_zh_tw.py), so their kernels
# would redo the English ones' work: tests/test_zh_tw.py checks the lesson twins' outputs against the
# English ones, and tests/test_exercises.py each zh-TW exercise notebook's (an output that is not the
# English one, such as its checks and progress() in Chinese, is run again in Chinese and compared).
NBVAL_ZH_TW := notebooks/zh-TW/01_tokenization.ipynb notebooks/zh-TW/02_training_arguments.ipynb
NBVAL_NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb)) $(NBVAL_ZH_TW)
ZH_TW_EXERCISES := $(sort $(wildcard notebooks/zh-TW/*_exercises.ipynb))

## nbval alone: those notebooks and every zh-TW exercise notebook in a kernel of its own.
nbval: install
	$(BIN)/python -m pytest --nbval --nbval-current-env $(NBVAL_NOTEBOOKS) $(ZH_TW_EXERCISES)

## The declared version floors (requirements-floors.txt, the `>=` of pyproject.toml) in their
## own environment: the unit tests of the helpers, the script and training, and notebooks 1 to 3 under nbval.
FLOORS_PYTHON ?= python3.11
FLOORS_VENV ?= .venv-floors
FLOORS_BIN := $(FLOORS_VENV)/bin
FLOORS_TESTS := tests/test_floors.py tests/test_profiles.py tests/test_data.py tests/test_metric.py \
	tests/test_runtime.py tests/test_train_script.py tests/test_finetune.py tests/test_resume.py \
	tests/test_exercises.py
FLOORS_NOTEBOOKS := notebooks/01_tokenization.ipynb notebooks/02_training_arguments.ipynb notebooks/03_trainer_training.ipynb

test-floors: $(FLOORS_VENV)/.installed
	$(FLOORS_BIN)/python -m pytest -p no:cacheprovider $(FLOORS_TESTS)
	$(FLOORS_BIN)/python -m pytest -p no:cacheprovider --nbval --nbval-current-env $(FLOORS_NOTEBOOKS)

$(FLOORS_VENV)/.installed: requirements-floors.txt pyproject.toml
	@command -v $(FLOORS_PYTHON) >/dev/null 2>&1 || { \
		echo "make test-floors: $(FLOORS_PYTHON) not found. Fix: install Python 3.11, or name another with FLOORS_PYTHON=python3.x" >&2; \
		exit 1; }
	rm -rf $(FLOORS_VENV)
	$(FLOORS_PYTHON) -m venv $(FLOORS_VENV)
	# torch on its own first, at its floor (the CPU wheel where PIP_EXTRA_INDEX_URL names the CPU index).
	$(FLOORS_BIN)/pip install --quiet "$$(grep -E '^torch==' requirements-floors.txt)"
	$(FLOORS_BIN)/pip install --quiet -r requirements-floors.txt
	$(FLOORS_BIN)/pip install --quiet --no-deps -e .
	$(FLOORS_BIN)/pip check
	$(FLOORS_BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	$(FLOORS_BIN)/python -c "import importlib.metadata as m; print('floors environment:', ', '.join(f'{p} {m.version(p)}' for p in ('torch', 'transformers', 'datasets', 'evaluate', 'accelerate', 'huggingface_hub', 'tokenizers', 'numpy')))"
	touch $@

## The course in twins of Colab's and Kaggle's runtimes (colab-runtime.txt, kaggle-runtime.txt: their
## Python and library versions): each in .venv-colab / .venv-kaggle, the course pip-installed as the
## set-up cell does, every notebook run (exercises with their solutions) outside the repository, offline.
## COLAB_RUNTIME=file: one runtime file. COLAB_PYTHON / KAGGLE_PYTHON: the interpreters (default:
## pythonX.Y of the file). COLAB_TORCH_INDEX: an index for torch's CPU build (default: PyPI's build).
test-colab: install
	$(BIN)/python -m course colab $(COLAB_RUNTIME)

## The course on the newest releases of its libraries, to learn it is about to break before a student does:
## a fresh .venv-latest (LATEST_PYTHON), torch's newest CPU build (LATEST_TORCH from LATEST_TORCH_INDEX;
## LATEST_TORCH_INDEX= takes it from pip's own indexes), then `pip install --upgrade` of every other name in requirements.txt
## and the course; it prints the versions it got, runs the tests and nbval as `make test` does, then
## executes every notebook and every zh-TW exercise notebook and fails on a deprecation warning that the
## committed notebook does not show (python -m course latest warnings, into build/latest/).
LATEST_PYTHON ?= python3.11
LATEST_VENV ?= .venv-latest
LATEST_BIN := $(LATEST_VENV)/bin
LATEST_TORCH ?= torch
LATEST_TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
LATEST_TEST_CACHE ?= build/latest/test-training-cache

test-latest:
	@command -v $(LATEST_PYTHON) >/dev/null 2>&1 || { \
		echo "make test-latest: $(LATEST_PYTHON) not found. Fix: install Python 3.11, or name another with LATEST_PYTHON=python3.x" >&2; \
		exit 1; }
	rm -rf $(LATEST_VENV) $(LATEST_TEST_CACHE)
	$(LATEST_PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_BIN)/pip install --quiet $(if $(LATEST_TORCH_INDEX),--index-url $(LATEST_TORCH_INDEX)) "$(LATEST_TORCH)"
	names=$$($(LATEST_BIN)/python -m course latest requirements) && $(LATEST_BIN)/pip install --quiet --upgrade $$names
	$(LATEST_BIN)/pip install --quiet --no-deps -e .
	$(LATEST_BIN)/pip check
	$(LATEST_BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	$(LATEST_BIN)/python -m course latest versions
	status=0; \
	COURSE_PROFILE=offline OMP_NUM_THREADS=1 COURSE_TRAINING_CACHE=$(LATEST_TEST_CACHE) $(LATEST_BIN)/python -m pytest \
		-p no:cacheprovider -n $(TEST_PROCESSES) --dist loadscope --no-loadscope-reorder \
		--nbval --nbval-current-env $(NBVAL_NOTEBOOKS) tests || status=1; \
	$(LATEST_BIN)/python -m course latest warnings || status=1; \
	exit $$status

## Run the exercise notebooks with every solution filled in: each must end all correct.
solutions: install
	$(BIN)/python -m course run --solutions

## Re-execute the notebooks and write their outputs back (before committing them), then rebuild
## zh-TW and execute its twins too (their banner, checks and progress are in Chinese).
notebooks: install
	$(BIN)/python -m course run --in-place && $(BIN)/python -m course zh-tw build && $(BIN)/python -m course run --zh-tw --in-place

## Build notebooks/zh-TW/ from the English notebooks and translations/zh-TW/ (no execution:
## a twin keeps the outputs of its unchanged code cells).
zh-tw: install
	$(BIN)/python -m course zh-tw build

## Grade a class: make grade SUBMISSIONS=the-class-folder [OUT=build/grades] [ROSTER=lms-class-list.csv]
## [POINTS=points.toml] (docs/grading.md)
OUT ?= build/grades
ifeq ($(filter grade,$(MAKECMDGOALS)),grade)
ifeq ($(strip $(SUBMISSIONS)),)
$(error make grade needs SUBMISSIONS, the folder with one folder of notebooks per student: make grade SUBMISSIONS=path/to/class [OUT=build/grades])
endif
endif

grade: install
	$(BIN)/python -m course grade "$(SUBMISSIONS)" --out "$(OUT)" $(if $(ROSTER),--roster "$(ROSTER)") $(if $(POINTS),--points "$(POINTS)")

## The message catalogs (helpers/locale): extract _() and N_() from helpers/, update each .po, compile .mo.
messages: install
	$(BIN)/python -m course messages

# The website has its own virtual environment: Sphinx, MyST-NB and the book theme, no torch.
SITE_VENV ?= .venv-site
SITE_BIN := $(SITE_VENV)/bin

$(SITE_VENV)/.installed: requirements-site.txt pyproject.toml
	$(PYTHON) -m venv $(SITE_VENV)
	$(SITE_BIN)/pip install --quiet -r requirements-site.txt
	$(SITE_BIN)/pip install --quiet --no-deps -e .
	touch $@

$(SITE_VENV)/.installed-test: $(SITE_VENV)/.installed requirements-site-test.txt
	$(SITE_BIN)/pip install --quiet -r requirements-site-test.txt
	touch $@

## Build the website into build/site/ (English) and build/site/zh-TW/ from the committed notebooks.
site: $(SITE_VENV)/.installed
	$(SITE_BIN)/python -m course site build

## Build the website and check every page in headless Chromium (Debian's chromium package):
## tests/site/, with screenshots in build/site-screenshots/.
test-site: $(SITE_VENV)/.installed-test
	$(SITE_BIN)/python -m course site check

## Speed, memory and accuracy figures for this machine and profile.
benchmark: install
	$(BIN)/python benchmarks/benchmark.py

## Regenerate the bundled MRPC-style data (deterministic).
data: install
	$(BIN)/python -m course data

clean:
	rm -rf build notebooks/runs notebooks/zh-TW/runs runs .pytest_cache
