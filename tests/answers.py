"""What the exercise tests of every lesson share: run a student's answer code in the
lesson's namespace, and ask a check what it says of a typical wrong answer."""

from __future__ import annotations

import textwrap


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
