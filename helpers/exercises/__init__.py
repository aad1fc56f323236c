"""Practice after each lesson: exercises with ``check()``, ``hint()`` and ``solution()``.

An exercise names the variable (or function) the student must define. ``check()``
reads it from the notebook and prints one of three things:

* ``Correct!`` and one sentence on why it matters;
* ``Not quite:`` and what is wrong, specific to the usual mistakes;
* ``Not answered yet`` while the ``____`` placeholder is still there.

It never raises: an error inside the student's code becomes a message too. Expected
answers are computed from the tokenizer, data and model the notebook has, so the
checks work with either profile. ``progress()`` of a lesson's set prints how many
are correct and which are still open.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass


class _Blank:
    """The ``____`` placeholder: what an answer cell holds until the student fills it in."""

    def __repr__(self) -> str:
        return "____"


____ = _Blank()


class WrongAnswer(Exception):
    """Raised by a checker with the message the student should read."""


class NotAnswered(Exception):
    """Raised by a checker that finds the placeholder inside an answer (e.g. a function's result)."""


def blank(value) -> bool:
    """True for the placeholder (the student has not answered yet)."""
    return isinstance(value, _Blank)


def needs(namespace: dict, name: str):
    """An object the notebook's earlier cells define; a clear message when it is missing."""
    if name not in namespace:
        raise WrongAnswer(f"`{name}` is not defined yet. Run the notebook's cells from the top first.")
    return namespace[name]


@dataclass(frozen=True)
class Feedback:
    status: str  # "correct", "wrong" or "unanswered"
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class Exercise:
    """One exercise: the name the answer goes under, a checker, a hint and a solution.

    ``checker(answer, namespace)`` returns the sentence on why the answer matters, or
    raises :class:`WrongAnswer` with what is wrong.
    """

    label: str
    answer_name: str
    checker: Callable[[object, dict], str]
    hint_text: str
    solution_code: str

    def evaluate(self, namespace: dict | None = None) -> Feedback:
        """Check the answer in ``namespace`` (the notebook's, by default) without printing."""
        namespace = vars(sys.modules["__main__"]) if namespace is None else namespace
        answer = namespace.get(self.answer_name, ____)
        if blank(answer):
            return self._unanswered()
        try:
            why = self.checker(answer, namespace)
        except NotAnswered:
            return self._unanswered()
        except WrongAnswer as wrong:
            return Feedback("wrong", f"Not quite: {wrong}")
        except Exception as error:  # the student's own code failed while being checked
            return Feedback(
                "wrong",
                f"Not quite: checking `{self.answer_name}` raised {type(error).__name__}: {error}",
            )
        return Feedback("correct", f"Correct! {why}")

    def _unanswered(self) -> Feedback:
        return Feedback(
            "unanswered",
            f"Not answered yet: replace ____ with your answer for `{self.answer_name}`, run that cell, "
            "then run this check again.",
        )

    def check(self, namespace: dict | None = None) -> None:
        print(f"{self.label}: {self.evaluate(namespace)}")

    def hint(self) -> None:
        print(f"Hint for {self.label}: {self.hint_text}")

    def solution(self) -> None:
        print(f"A solution for {self.label}:\n\n{textwrap.dedent(self.solution_code).strip()}")


class ExerciseSet:
    """A lesson's exercises, for ``progress()``."""

    def __init__(self, *exercises: Exercise):
        self.exercises = exercises

    def results(self, namespace: dict | None = None) -> list[tuple[Exercise, Feedback]]:
        return [(exercise, exercise.evaluate(namespace)) for exercise in self.exercises]

    def progress(self, namespace: dict | None = None) -> None:
        """Print e.g. ``3/4 correct`` and the exercises still open."""
        results = self.results(namespace)
        correct = sum(feedback.status == "correct" for _, feedback in results)
        print(f"{correct}/{len(results)} correct")
        for exercise, feedback in results:
            if feedback.status != "correct":
                state = "not answered yet" if feedback.status == "unanswered" else "not correct yet"
                print(f"  still open: {exercise.label} ({exercise.answer_name}): {state}")
