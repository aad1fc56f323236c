"""The tests' pytest plugin (``-p course.testing`` in pyproject.toml): the test tiers, and one training
cache for the whole run.

Tiers, as pytest markers:

* ``slow``: trains a model, or runs a kernel or a second Python (seconds to minutes each): the
  modules that say so with ``pytestmark``;
* ``notebooks``: a cell of a notebook that nbval executes.

``make test-fast`` runs ``-m "not slow"`` (seconds); ``make test`` runs every tier.

With ``COURSE_TRAINING_CACHE=DIR`` (``make test`` sets it), every notebook kernel nbval starts
serves ``Trainer.train()`` from the cache in DIR (``course.training_cache``), and the tests
that train read and write the same cache: a training that the English notebook, its zh-TW twin,
the grader's test and the other test processes share runs once per run.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from .training_cache import CACHE_VARIABLE

STARTUP = """\
# Written by course.testing: notebook kernels of the tests share one training cache.
import os

if os.environ.get("{variable}"):
    import course.training_cache

    course.training_cache.install_in_ipython(os.environ["{variable}"])
"""


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "slow: trains a model, or runs a kernel or a second Python")
    config.addinivalue_line("markers", "notebooks: a notebook cell that nbval executes")
    cache = os.environ.get(CACHE_VARIABLE)
    if cache:
        os.environ[CACHE_VARIABLE] = str(Path(cache).resolve())
        profile = Path(tempfile.mkdtemp(prefix="course-ipython-")) / "profile_default" / "startup"
        profile.mkdir(parents=True)
        (profile / "50-course-training-cache.py").write_text(STARTUP.format(variable=CACHE_VARIABLE))
        os.environ["IPYTHONDIR"] = str(profile.parent.parent)


# The scopes (a test module, a notebook) that take longest under make test, started first so that the
# two test processes end together: pytest-xdist's --dist loadscope hands out whole scopes in the
# collection's order (with --no-loadscope-reorder, which make test passes). Measured on a fresh
# clone, in seconds of one test process: lesson 8 548, the class grader's test 519, lesson 5 168,
# lesson 6 108, lesson 3 87 (docs/development.md). Lesson 3 comes before lesson 8: both fine-tune
# the same way, and lesson 3's run, which saves checkpoints, can stand for lesson 8's, which saves
# none, not the other way round (course/training_cache.py); lessons 4, 6 and 7 restore it too. The
# exercise notebooks and test_exercises.py restore the trainings these fill. tests/test_tiers.py
# checks that every lesson notebook that trains is here.
LONGEST_FIRST = (
    "tests/test_grade_class.py",
    "notebooks/03_trainer_training.ipynb",
    "notebooks/08_beyond_the_defaults.ipynb",
    "notebooks/05_compute_metrics.ipynb",
    "notebooks/06_training_loop_accelerate.ipynb",
    "notebooks/07_use_and_share.ipynb",
    "notebooks/04_predictions_softmax.ipynb",
)


def scope_rank(item) -> int:
    """Where the item's scope comes in :data:`LONGEST_FIRST` (the others after, in their order)."""
    scope = item.nodeid.split("::", 1)[0]
    return LONGEST_FIRST.index(scope) if scope in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(items) -> None:
    items.sort(key=scope_rank)  # stable: a notebook's cells and a module's tests keep their order
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebooks)
            item.add_marker(pytest.mark.slow)


# Seconds per scope (a notebook, a test module), summed from every report; with pytest-xdist the
# workers' reports reach the controlling process, which prints the table at the end.
SCOPE_SECONDS: dict[str, float] = {}
SLOWEST_SHOWN = 20


def pytest_runtest_logreport(report) -> None:
    scope = report.nodeid.split("::", 1)[0]
    SCOPE_SECONDS[scope] = SCOPE_SECONDS.get(scope, 0.0) + report.duration


def slowest_scopes(seconds: dict[str, float], count: int = SLOWEST_SHOWN) -> list[str]:
    """The ``count`` slowest notebooks and test modules, as lines ``  123.4 s  path``."""
    ranked = sorted(seconds.items(), key=lambda item: item[1], reverse=True)[:count]
    return [f"{total:8.1f} s  {scope}" for scope, total in ranked]


def pytest_terminal_summary(terminalreporter) -> None:
    if len(SCOPE_SECONDS) > 1:
        terminalreporter.section(f"the {SLOWEST_SHOWN} slowest notebooks and test modules (seconds of one process)")
        for line in slowest_scopes(SCOPE_SECONDS):
            terminalreporter.write_line(line)
