"""What the class grader (``python -m course grade``) runs inside its kernels, from cells it adds
or rewrites, never from the lessons. Two kinds of kernel use it:

* a **student's kernel** (the course's exercise notebook with the student's answer cells, in a
  sandbox where the machine has one) calls :func:`print_carried` once per exercise: the answer
  as plain data (``Exercise.carry``), printed as one JSON line the grader reads; for an exercise
  with a variant, also what the answer cell gives when it runs again on the variant of its inputs
  chosen for the student (``Exercise.carry_variant``);
* a **course kernel** (the course's own cells only, never a student's code) calls
  :func:`print_verdict` for each carried answer: the lesson's own check judges the data
  (``Exercise.judge``) in the student's language, on the notebook's inputs and on the student's
  variant, which it draws again from the same seed, and the verdict is printed as one JSON line.

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


def print_carried(
    module_name: str, exercise_name: str, namespace: dict, seed: str | None = None, code: str | None = None
) -> None:
    """In a student's kernel: print exercise ``exercise_name``'s answer as data, one JSON line. With a
    ``seed`` and the answer cell's ``code``, an answer of an exercise with a variant also carries,
    under ``"variant"``, what ``code`` gives on the variant for that seed.

    What this prints is only ever read as data: however the student's code changed this
    kernel, the worst it can do is carry a different answer (the course kernel draws the variant
    again itself, so a kernel that drew another one only gets its variant's answer judged wrong).
    """
    from helpers.exercises.carry import dumps

    exercise = getattr(importlib.import_module(module_name), exercise_name)
    carried = exercise.carry(namespace)
    if seed is not None and code is not None and exercise.variant is not None and carried["state"] == "answer":
        carried["variant"] = exercise.carry_variant(code, seed, namespace)
    try:
        text = dumps(carried)
    except ValueError as error:  # too large to carry
        text = dumps({"state": "not_carried", "why": str(error)})
    print(CARRY_MARKER + text)


def print_verdict(
    module_name: str, exercise_name: str, carried_json: str, language: str, namespace: dict, seed: str | None = None
) -> None:
    """In a course kernel: the lesson's own check judges a carried answer, in ``language``, on the
    notebook's inputs and, with a ``seed``, on the student's variant; print ``{"status", "message",
    "notebook_only"}`` as one JSON line (``notebook_only``: right on the notebook's inputs only).
    ``namespace`` is copied, so no verdict changes the next."""
    from helpers.exercises.carry import loads
    from helpers.i18n import set_language

    exercise = getattr(importlib.import_module(module_name), exercise_name)
    set_language(language)
    try:
        feedback = exercise.judge(loads(carried_json), dict(namespace), seed)
    finally:
        set_language("en")
    verdict = {"status": feedback.status, "message": feedback.message, "notebook_only": feedback.notebook_only}
    print(VERDICT_MARKER + json.dumps(verdict))
