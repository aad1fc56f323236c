"""How long a student's answer cell may take follows the machine it is graded on, never a constant
tuned elsewhere: the course's solutions are timed in a kernel like a student's, an answer cell may
take five times its solution's time (``--cell-timeout`` at least), and a cell that runs out of time
gets a second run with twice its limit before it is called ``error``. Each test runs lesson 2's
exercise notebook (no training) in real kernels, without the sandbox, with a one- or two-second
``--cell-timeout``, so that the solution's time, not that floor, sets the limit."""

from __future__ import annotations

import pytest

from course.grade import synthetic as sc
from course.grade.execute import SOLUTION_FACTOR, Limits, run_student, time_solutions
from course.grade.kernel import Settings
from course.grade.lessons import course_lessons
from course.grade.messages import ANSWER_TIMEOUT
from course.grade.plan import PlannedCell
from course.grade.sandbox import choose
from course.grade.submissions import Job

pytestmark = pytest.mark.slow  # real kernels: seconds each

LESSON = course_lessons()["helpers.exercises.lesson02"]
SOLUTIONS = {name: sc.solution("lesson02", name) for name in ("q1", "q2", "q3")}
LOOP_FOREVER = "while True:\n    pass"


def settings(tmp_path, cell_timeout: int) -> Settings:
    return Settings(cell_timeout, 300, None, "", 1, str(tmp_path / "executed"), choose("off"))


def student(answers: dict[str, str]) -> Job:
    return Job("kim", str(LESSON.template), "kim/02.ipynb", LESSON, answers)


def test_a_cells_limit_is_its_own_timed_limit_or_the_floor():
    limits = Limits(answer={"q3": 40.0}, carry={"q3": 2.5}, notebook=600.0)
    floor = Settings(10, 900, None, "", 1, "", choose("off"))
    assert limits.cell(PlannedCell("answer", "", "q3"), floor) == 40.0
    assert limits.cell(PlannedCell("carry", "", "q3"), floor) == 42.5  # it runs the answer cell again too
    assert limits.cell(PlannedCell("answer", "", "q1"), floor) == 10.0  # not timed: the floor
    assert limits.whole(floor) == 900.0


def test_the_solutions_are_timed_in_a_kernel_like_a_students(tmp_path):
    limits, problem = time_solutions(LESSON, settings(tmp_path, 1))
    assert problem is None
    assert sorted(limits.answer) == sorted(limits.carry) == ["q1", "q2", "q3"]
    assert all(seconds > 0 for seconds in [*limits.answer.values(), *limits.carry.values()])
    assert limits.notebook > max(limits.answer.values())  # the whole run, times the same factor


def test_an_answer_as_slow_as_its_solution_is_not_cut_off_by_the_floor(tmp_path):
    """The solution of q2 takes 3 s on this machine (say): a student's answer that takes as long
    is read, although --cell-timeout is 1 s. Before the limits followed the solutions, it was
    ``error: the answer cell did not finish within 1 s``."""
    slow = {**SOLUTIONS, "q2": "import time\n\ntime.sleep(3)\n" + SOLUTIONS["q2"]}
    timed = Limits(answer={"q2": SOLUTION_FACTOR * 3.0})
    run = run_student(student(slow), settings(tmp_path, 1), timed)
    assert run.decided == {}
    assert sorted(run.carried) == ["q1", "q2", "q3"]


def test_a_cell_out_of_time_once_gets_a_second_run_with_twice_the_time(tmp_path):
    """A busy moment (here: a cell that waits the first time only) does not decide a grade."""
    busy_once = (
        "import pathlib\nimport time\n\n"
        "if not pathlib.Path('waited').exists():\n"
        "    pathlib.Path('waited').touch()\n"
        "    time.sleep(60)\n" + SOLUTIONS["q1"]
    )
    run = run_student(student({**SOLUTIONS, "q1": busy_once}), settings(tmp_path, 2))
    assert run.decided == {}
    assert "q1" in run.carried


def test_a_cell_that_never_ends_is_an_error_after_two_runs_and_says_its_limit(tmp_path):
    run = run_student(student({**SOLUTIONS, "q3": LOOP_FOREVER}), settings(tmp_path, 2))
    status, message = run.decided["q3"]
    assert status == "error"
    assert message.template == ANSWER_TIMEOUT
    assert dict(message.fields)["seconds"] == 4  # twice the limit of 2 s
    assert "in two runs" in message.render("en") and "--cell-timeout" in message.render("en")
    assert sorted(run.carried) == ["q1", "q2"]  # the notebook ran again without it


def test_the_messages_name_the_factor_the_grader_uses():
    assert SOLUTION_FACTOR == 5 and "five times" in ANSWER_TIMEOUT
