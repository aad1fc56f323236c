"""What the class grader (``python -m course grade``) runs inside its kernels, from cells it adds
or rewrites, never from the lessons. Two kinds of kernel use it:

* a **student's kernel** (the course's exercise notebook with the student's answer cells, in a
  sandbox where the machine has one) calls :func:`print_carried` once per exercise: the answer
  as plain data (``Exercise.carry``), printed as one JSON line the grader reads;
* a **course kernel** (the course's own cells only, never a student's code) calls
  :func:`print_verdict` for each carried answer: the lesson's own check judges the data
  (``Exercise.judge``) in the student's language, and the verdict is printed as one JSON line.

In both, ``course.training_cache.train_or_restore`` stands in for a course cell's
``trainer.train()``: a course kernel trains once and writes the cache; a student's kernel only
reads it (its sandbox has it read-only), so no student code ever writes what another kernel loads.
"""

from __future__ import annotations

import importlib
import json

CARRY_MARKER = "course-grader-answer:"
VERDICT_MARKER = "course-grader-verdict:"


# --- answers and verdicts ----------------------------------------------------------------------


def print_carried(module_name: str, exercise_name: str, namespace: dict) -> None:
    """In a student's kernel: print exercise ``exercise_name``'s answer as data, one JSON line.

    What this prints is only ever read as data: however the student's code changed this
    kernel, the worst it can do is carry a different answer.
    """
    from helpers.exercises.carry import dumps

    exercise = getattr(importlib.import_module(module_name), exercise_name)
    try:
        text = dumps(exercise.carry(namespace))
    except ValueError as error:  # too large to carry
        text = dumps({"state": "not_carried", "why": str(error)})
    print(CARRY_MARKER + text)


def print_verdict(module_name: str, exercise_name: str, carried_json: str, language: str, namespace: dict) -> None:
    """In a course kernel: the lesson's own check judges a carried answer, in ``language``; print
    ``{"status", "message"}`` as one JSON line. ``namespace`` is copied, so no verdict changes the next."""
    from helpers.exercises.carry import loads
    from helpers.i18n import set_language

    exercise = getattr(importlib.import_module(module_name), exercise_name)
    set_language(language)
    try:
        feedback = exercise.judge(loads(carried_json), dict(namespace))
    finally:
        set_language("en")
    print(VERDICT_MARKER + json.dumps({"status": feedback.status, "message": feedback.message}))
