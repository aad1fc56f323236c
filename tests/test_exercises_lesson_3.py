"""Lesson 3's checks beyond what every exercise is tested for (tests/test_exercises.py): exercise 3's
answer cell that gives the Trainer a slice of the training data, ``tokenized_datasets["train"][:80]``
(a dict of columns, not a Dataset), stops inside ``trainer.train()`` with a KeyError on a row number,
before any check runs; the check then names the cause and the fix, ``.select(range(80))``, in English
and in Chinese, also when the class grader judges the carried error in a kernel of its own."""

from __future__ import annotations

import pytest

from answers import notebook_shell, run_cell, shared_course
from course.catalog import LESSONS
from helpers.exercises import CarriedError, lesson03
from helpers.exercises.carry import dumps, loads
from helpers.i18n import _, set_language

pytestmark = pytest.mark.slow  # loads a model and starts a training

LESSON = {lesson.number: lesson for lesson in LESSONS}

# Exercise 3's solution with the one change students make: a slice instead of .select.
SELECTED = 'tokenized_datasets["train"].select(range(80))'
SLICED = lesson03.QUICK_RUN.replace(SELECTED, 'tokenized_datasets["train"][:80]')


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return shared_course(tmp_path_factory)


@pytest.fixture
def notebook(course, monkeypatch):
    """An IPython shell with notebook 3's exercise names, whose cells are followed as in a notebook's kernel."""
    with notebook_shell(course.namespace(LESSON[3]), monkeypatch) as shell:
        yield shell


def in_chinese(template: str) -> str:
    set_language("zh-TW")
    try:
        return _(template)
    finally:
        set_language("en")


def test_the_broken_answer_is_the_solution_but_for_the_slice():
    assert SELECTED in lesson03.QUICK_RUN and SLICED != lesson03.QUICK_RUN


def test_training_on_a_slice_names_the_dict_and_select(notebook, course, capsys):
    run_cell(notebook, "quick_run = ____", capsys)
    with course.offline():
        out = run_cell(notebook, SLICED, capsys)
    assert "KeyError" in out  # the traceback the student sees: no advice in it
    assert "select" not in out

    out = run_cell(notebook, "q3.check()", capsys)
    assert out.startswith(
        "Exercise 3: Your answer cell failed: the last cell that sets `quick_run` stopped with KeyError: "
    ), out
    advice = _(lesson03.SLICED_TRAINING_DATA)
    assert advice in out
    assert "is a dict of columns: slicing a Dataset returns columns" in advice and ".select(range(80))" in advice
    assert "(quick_run): its answer cell failed" in run_cell(notebook, "progress()", capsys)

    # The class grader judges the carried error in a kernel that ran only the course's cells: the same
    # verdict, and in Chinese the translation.
    carried = loads(dumps(lesson03.q3.carry(notebook.user_ns)))
    assert carried["state"] == "failed" and carried["error"][0] == "KeyError"
    graders = lesson03.q3.judge(carried, course.namespace(LESSON[3]))
    assert graders.status == "failed" and advice in graders.message
    set_language("zh-TW")
    try:
        chinese = lesson03.q3.judge(carried, course.namespace(LESSON[3]))
    finally:
        set_language("en")
    translated = in_chinese(lesson03.SLICED_TRAINING_DATA)
    assert translated != lesson03.SLICED_TRAINING_DATA
    assert chinese.message.startswith("你的作答儲存格執行失敗：") and translated in chinese.message

    with course.offline():
        run_cell(notebook, lesson03.QUICK_RUN, capsys)  # fixed with .select and run again: checked as usual
    assert run_cell(notebook, "q3.check()", capsys).startswith("Exercise 3: Correct! ")


def test_only_a_key_error_on_a_row_number_is_taken_for_a_slice():
    """A KeyError on a column name, or another error, gets no advice about slicing: the message would mislead."""
    explain = lesson03.explain_quick_run_failure
    advice = _(lesson03.SLICED_TRAINING_DATA)
    assert explain(KeyError(1)) == explain(CarriedError("KeyError", "17")) == advice
    assert explain(KeyError("label")) is None
    assert explain(CarriedError("KeyError", "'input_ids'")) is None
    assert explain(IndexError("1")) is None
    assert explain(CarriedError("ValueError", "1")) is None
