"""The order make test starts its scopes in (course/testing.py LONGEST_FIRST) keeps up with the
course: it names files that exist, and every lesson notebook that trains a model is in it, so the
two test processes still end together when a lesson is added or renamed."""

from __future__ import annotations

import json

from course.catalog import ROOT
from course.grade.plan import training_call
from course.testing import LONGEST_FIRST


def trains(path) -> bool:
    """Whether a notebook's code has a top-level ``<name>.train(...)`` call, with or without
    arguments (lesson 3 resumes from a checkpoint), found as the grader finds training cells."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    return any(training_call(source, with_arguments=True) is not None for source in code)


def test_every_scope_of_longest_first_exists():
    missing = [scope for scope in LONGEST_FIRST if not (ROOT / scope).is_file()]
    assert not missing, f"course/testing.py LONGEST_FIRST names files that are gone: {missing}"


def test_every_lesson_notebook_that_trains_starts_first():
    """The exercise notebooks restore the lesson's training from the run's cache: not listed."""
    lessons = sorted(path for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb") if "_exercises" not in path.name)
    training = [str(path.relative_to(ROOT)) for path in lessons if trains(path)]
    assert len(training) >= 5, training  # lessons 3 to 7
    unlisted = [scope for scope in training if scope not in LONGEST_FIRST]
    assert not unlisted, f"these notebooks train: add them to course/testing.py LONGEST_FIRST: {unlisted}"


def test_the_slowest_scopes_come_first_and_only_the_slowest():
    from course.testing import slowest_scopes

    seconds = {f"tests/test_{n}.py": float(n) for n in range(30)}
    lines = slowest_scopes(seconds, count=3)
    assert lines == ["    29.0 s  tests/test_29.py", "    28.0 s  tests/test_28.py", "    27.0 s  tests/test_27.py"]
