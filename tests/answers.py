"""What the exercise tests of every lesson share: run a student's answer code in the
lesson's namespace, and ask a check what it says of the reference solution, of the
untouched placeholder and of a typical wrong answer."""

from __future__ import annotations

import textwrap

from helpers.exercises import ____


def run(code: str, namespace: dict) -> dict:
    """Run an answer cell's code in the notebook's namespace, as the student's kernel would."""
    exec(textwrap.dedent(code), namespace)
    return namespace


def assert_wrong_with_message(exercise, code: str, message: str, namespace: dict) -> None:
    """A typical wrong answer is graded wrong, with its own message and no traceback."""
    feedback = exercise.evaluate(run(code, namespace))
    assert feedback.status == "wrong", feedback.message
    assert feedback.message.startswith("Not quite: ")
    assert message in feedback.message, feedback.message
    assert "Traceback" not in feedback.message


def assert_solution_accepted(exercise, namespace: dict, capsys) -> None:
    """The reference solution is graded correct, and check() prints the exercise's label and Correct!."""
    feedback = exercise.evaluate(run(exercise.solution_code, namespace))
    assert feedback.status == "correct", feedback.message
    assert feedback.message.startswith("Correct! ")
    capsys.readouterr()  # what the solution itself printed
    exercise.check(namespace)
    assert capsys.readouterr().out.startswith(f"{exercise.label}: Correct! ")


def assert_placeholder_unanswered(exercise, namespace: dict) -> None:
    """The untouched ____ placeholder, and an answer name never assigned, are both not answered yet."""
    namespace[exercise.answer_name] = ____
    feedback = exercise.evaluate(namespace)
    assert feedback.status == "unanswered"
    assert feedback.message.startswith("Not answered yet: replace ____")
    del namespace[exercise.answer_name]
    assert exercise.evaluate(namespace).status == "unanswered"
