"""Practice after each lesson: exercises with ``check()``, ``hint()`` and ``solution()``.

An exercise names the variable (or function) the student must define. ``check()``
reads it from the notebook and prints one of four things:

* ``Correct!`` and one sentence on why it matters;
* ``Not quite:`` and what is wrong, specific to the usual mistakes;
* ``Not answered yet`` while the ``____`` placeholder is still there;
* ``Your answer cell failed`` when the last cell that sets the answer stopped with an
  error (in a notebook: see :func:`watch_answer_cells`), since a check of a value the
  cell never set, or set in an earlier run, would mislead.

It never raises: an error inside the student's code becomes a message too. Expected
answers are computed from the tokenizer, data and model the notebook has, so the
checks work with either profile. ``progress()`` of a lesson's set prints how many
are correct and which are still open.

A check has two halves, so that the class grader can judge in a kernel that never runs
a student's code: :meth:`Exercise.carry` turns the answer into plain JSON-ready data
where the answer lives (calling a function answer through the exercise's ``probe``),
and :meth:`Exercise.judge` gives the verdict on that data with the course's own objects.
``check()`` takes exactly that path, the JSON round trip included. An exercise whose answer is
computed from the notebook's inputs also has a :class:`~.variants.Variant` of them: the grader
runs the answer cell again on the variant chosen for the student, and :meth:`Exercise.judge` with
its seed gives *Correct!* only for an answer right on both (``check()`` tries a variant too, where
that is cheap). Each exercise lists
its known :class:`Mistake` s: the code students typically write and the message (a
constant marked with ``N_()``) its checker raises with :func:`wrong`; the tests and the
grader's synthetic class read them. What several lessons share (whole numbers, softmax,
the scikit-learn scores, calling a function answer) is in :mod:`.answers`.

Every message goes through ``helpers.i18n._``: English unless the notebook chose
another language (the zh-TW notebooks do, in their banner cell).
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from ..i18n import _
from .carry import dumps, from_data, loads, to_data
from .cells import answer_cells, assigned_names, failed_cells, record_cell, watch_answer_cells
from .variants import (
    NOT_TRIED,
    NOTEBOOK_SEED,
    NOTHING_CAME_BACK,
    OTHER_WRONG,
    RAISED,
    TYPED,
    Variant,
    code_names,
    python_code,
    quiet,
)

# What the notebooks, the tests and the class grader import from here.
__all__ = [
    "____",
    "CarriedError",
    "Exercise",
    "ExerciseSet",
    "Feedback",
    "Mistake",
    "NotAnswered",
    "Variant",
    "WrongAnswer",
    "assigned_names",
    "blank",
    "describe_error",
    "failed_cells",
    "needs",
    "record_cell",
    "watch_answer_cells",
    "wrong",
]


class _Blank:
    """The ``____`` placeholder: what an answer cell holds until the student fills it in."""

    def __repr__(self) -> str:
        return "____"


____ = _Blank()

# True while an answer cell runs again on a variant: a check that cell calls (q1.check() in the
# answer cell itself) tries no variant of its own, which would run the cell again, and again.
_trying_variant = False


class CarriedError(Exception):
    """The error of a failed answer cell, as it was carried: its type's name and its message."""

    def __init__(self, type_name: str, message: str):
        super().__init__(message)
        self.type_name = type_name


class WrongAnswer(Exception):
    """Raised by a checker with the message the student should read."""


class NotAnswered(Exception):
    """Raised by a checker that finds the placeholder inside an answer (e.g. a function's result)."""


def wrong(template: str, **fields) -> WrongAnswer:
    """The :class:`WrongAnswer` of a message marked with ``N_()``: translated into the notebook's
    language when the check runs, then filled in with ``fields``."""
    text = _(template)
    return WrongAnswer(text.format(**fields) if fields else text)


@dataclass(frozen=True)
class Mistake:
    """An answer students typically give, and the message its check gives it.

    ``code`` is the answer cell as such a student writes it (it runs after the course's cells
    and the earlier exercises' solutions); ``message`` is the template, marked with ``N_()``,
    that the checker raises for it with :func:`wrong`: both name the same module constant, so
    the text is written once. The tests check that every mistake gets its message, and the
    class grader's synthetic students hand these answers in.
    """

    code: str
    message: str


def blank(value) -> bool:
    """True for the placeholder (the student has not answered yet)."""
    return isinstance(value, _Blank)


def needs(namespace: dict, name: str):
    """An object the notebook's earlier cells define; a clear message when it is missing."""
    if name not in namespace:
        message = _("`{name}` is not defined yet. Run the notebook's cells from the top first.")
        raise WrongAnswer(message.format(name=name))
    return namespace[name]


def error_type(error: BaseException) -> str:
    """The name of an error's type; for a :class:`CarriedError`, the type it had where it was raised."""
    return error.type_name if isinstance(error, CarriedError) else type(error).__name__


def describe_error(error: BaseException) -> str:
    """``ValueError: the first line of its message`` (a long message is cut)."""
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else ""
    if len(first) > 200:
        first = first[:197] + "..."
    kind = error_type(error)
    return f"{kind}: {first}" if first else kind


@dataclass(frozen=True)
class Feedback:
    status: str  # "correct", "wrong", "unanswered" or "failed"
    message: str
    # Wrong only on the variant: right on the notebook's inputs, not on those the student never saw.
    notebook_only: bool = False

    def __str__(self) -> str:
        return self.message


@dataclass
class Exercise:
    """One exercise: the name the answer goes under, a checker, a hint and a solution.

    ``checker(answer, namespace)`` returns the sentence on why the answer matters, or
    raises :class:`WrongAnswer` with what is wrong. It judges data only (what :meth:`carry`
    made of the answer) and reads from ``namespace`` only what the course's own cells define.
    ``label`` and ``hint_text`` are English texts marked with ``N_()``, translated when shown.
    ``explain_failure``, if given, turns the error of a failed answer cell into advice (or
    None). ``mistakes`` are the answers students typically give, each with its message.
    ``variant``, for an answer computed from the notebook's inputs: other values of those inputs,
    on which the answer cell must be right too (None for a configuration or a choice).
    """

    label: str
    answer_name: str
    checker: Callable[[object, dict], str]
    hint_text: str
    solution_code: str
    explain_failure: Callable[[BaseException], str | None] | None = None
    # Runs where the answer lives (the student's kernel, when a class is graded): turns the answer
    # into the plain data its checker judges, e.g. calls a function answer on chosen inputs and
    # returns the results. None: the answer itself is the data. It raises NotAnswered or returns
    # data; it writes no message (the checker does, in the student's language).
    probe: Callable[[object, dict], object] | None = None
    mistakes: tuple[Mistake, ...] = ()
    variant: Variant | None = None

    def carry(self, namespace: dict | None = None) -> dict:
        """The answer in ``namespace`` as JSON-ready data, for :meth:`judge`: its state (unanswered,
        failed, raised, answer) and, for an answer, what :attr:`probe` made of it."""
        namespace = vars(sys.modules["__main__"]) if namespace is None else namespace
        answer = namespace.get(self.answer_name, ____)
        if self.answer_name in failed_cells:
            error = failed_cells[self.answer_name]
            return {"state": "failed", "error": [type(error).__name__, str(error)], "never_set": blank(answer)}
        return self._carry_answer(namespace)

    def _carry_answer(self, namespace: dict) -> dict:
        answer = namespace.get(self.answer_name, ____)
        if blank(answer):
            return {"state": "unanswered"}
        try:
            value = self.probe(answer, namespace) if self.probe else answer
            return {"state": "answer", "value": to_data(value)}
        except NotAnswered:
            return {"state": "unanswered"}
        except Exception as error:  # the student's own code failed while being probed
            return {"state": "raised", "error": [type(error).__name__, str(error)]}

    def carry_variant(self, code: str, seed: str, namespace: dict) -> dict:
        """What the answer cell's ``code`` gives on this exercise's variant for ``seed``, as data:
        the code runs again, its output hidden, in a copy of ``namespace`` in which the variant's
        values replace the notebook's, so nothing of the notebook changes. ``not_set`` where the
        variant cannot be drawn from the namespace (a name the notebook's cells define is gone)."""
        try:
            values = self.variant.inputs(seed, namespace)
        except Exception as error:  # the notebook's objects, changed or deleted by the student's cells
            return {"state": "not_set", "error": [error_type(error), str(error)]}
        global _trying_variant
        trial = {**namespace, **values, self.answer_name: ____}
        _trying_variant = True
        try:
            with quiet():
                exec(compile(python_code(code), "<answer cell>", "exec"), trial)
                return self._carry_answer(trial)
        except (Exception, SystemExit) as error:  # the student's code, on inputs it never saw
            return {"state": "failed", "error": [type(error).__name__, str(error)]}
        finally:
            _trying_variant = False

    def judge(self, carried: dict, namespace: dict, seed: str | None = None) -> Feedback:
        """The verdict on what :meth:`carry` made of an answer, by the checker, in ``namespace``:
        the course's objects the checker compares with (in a notebook, the notebook's own). With a
        ``seed``, an exercise with a variant is correct only if ``carried["variant"]`` (what
        :meth:`carry_variant` gave for that seed) is right on the variant too."""
        feedback = self._judge_here(carried, namespace)
        if seed is None or self.variant is None or feedback.status != "correct":
            return feedback
        return self._judge_variant(carried, seed, namespace) or feedback

    def _judge_variant(self, carried: dict, seed: str, namespace: dict) -> Feedback | None:
        """None when the answer carried on the variant is right on it too; else why not, without the
        variant's values. The variant is drawn again here, from ``namespace``: the course's objects."""
        variant = self.variant
        fields = {"here": _(variant.here), "other": _(variant.other), "uses": code_names(variant.uses)}
        tried = carried.get("variant")
        if not isinstance(tried, dict) or tried.get("state") not in ("answer", "unanswered", "failed", "raised"):
            error = tried["error"][0] if isinstance(tried, dict) and "error" in tried else _(NOTHING_CAME_BACK)
            return self._only_here(NOT_TRIED, error=error, **fields)
        if tried["state"] in ("failed", "raised"):
            return self._only_here(RAISED, error=tried["error"][0], **fields)
        values = variant.inputs(seed, namespace)
        if self._judge_here(tried, {**namespace, **values}).status == "correct":
            return None
        if tried["state"] == "answer" and tried.get("value") == carried.get("value"):
            return self._only_here(TYPED, **fields)
        return self._only_here(OTHER_WRONG, **fields)

    def _only_here(self, template: str, **fields) -> Feedback:
        problem = wrong(template, **fields)
        return Feedback("wrong", _("Not quite: {problem}").format(problem=problem), notebook_only=True)

    def _judge_here(self, carried: dict, namespace: dict) -> Feedback:
        """The checker's verdict on carried data, on the inputs in ``namespace``."""
        state = carried.get("state")
        if state == "failed":
            kind, text = carried["error"]
            return self._failed(CarriedError(kind, text), bool(carried.get("never_set")))
        if state == "unanswered":
            return self._unanswered()
        if state == "raised":
            kind, text = carried["error"]
            return self._raised(f"{kind}: {text}")
        try:
            answer = from_data(carried["value"])
            why = self.checker(answer, namespace)
        except NotAnswered:
            return self._unanswered()
        except WrongAnswer as problem:
            return Feedback("wrong", _("Not quite: {problem}").format(problem=problem))
        except Exception as error:  # a CarriedError: the student's code raised while it was probed
            return self._raised(f"{error_type(error)}: {error}")
        return Feedback("correct", _("Correct! {why}").format(why=why))

    def _raised(self, error: str) -> Feedback:
        problem = _("checking `{name}` raised {error}").format(name=self.answer_name, error=error)
        return Feedback("wrong", _("Not quite: {problem}").format(problem=problem))

    def evaluate(self, namespace: dict | None = None, code: str | None = None) -> Feedback:
        """Check the answer in ``namespace`` (the notebook's, by default) without printing: the
        answer is carried as JSON and judged, exactly as the class grader does it between the
        student's kernel and its own. A right answer of an exercise with a cheap variant is tried on
        it too, by running ``code`` again: by default, in the notebook, the last cell that set the
        answer (see :func:`watch_answer_cells`)."""
        if namespace is None:
            namespace = vars(sys.modules["__main__"])
            code = answer_cells.get(self.answer_name) if code is None else code
        carried = round_trip(self.carry(namespace))
        feedback = self.judge(carried, namespace)
        if feedback.status != "correct" or code is None or self.variant is None or not self.variant.cheap:
            return feedback
        if _trying_variant:  # called by the answer cell while it runs on a variant
            return feedback
        try:
            carried["variant"] = round_trip(self.carry_variant(code, NOTEBOOK_SEED, namespace))
            return self.judge(carried, namespace, NOTEBOOK_SEED)
        except Exception as error:  # a check must never raise: the variant is left out, and why is said
            fields = {
                "here": _(self.variant.here),
                "other": _(self.variant.other),
                "uses": code_names(self.variant.uses),
            }
            return self._only_here(NOT_TRIED, error=error_type(error), **fields)

    def _unanswered(self) -> Feedback:
        return Feedback(
            "unanswered",
            _(
                "Not answered yet: replace ____ with your answer for `{name}`, run that cell, "
                "then run this check again."
            ).format(name=self.answer_name),
        )

    def _failed(self, error: BaseException, never_set: bool) -> Feedback:
        if never_set:
            template = _(
                "Your answer cell failed: the last cell that sets `{name}` stopped with {error}, so `{name}` "
                "was never set. Fix that cell, run it again without an error, then run this check again."
            )
        else:
            template = _(
                "Your answer cell failed: the last cell that sets `{name}` stopped with {error}, so `{name}` "
                "still holds the value of an earlier run. Fix that cell, run it again without an error, then "
                "run this check again."
            )
        message = template.format(name=self.answer_name, error=describe_error(error))
        advice = self.explain_failure(error) if self.explain_failure else None
        if advice:
            # Translators: two sentences in a row; a language without spaces between sentences drops it.
            message = _("{message} {advice}").format(message=message, advice=advice)
        return Feedback("failed", message)

    def check(self, namespace: dict | None = None) -> None:
        print(_("{label}: {feedback}").format(label=_(self.label), feedback=self.evaluate(namespace)))

    def hint(self) -> None:
        print(_("Hint for {label}: {hint}").format(label=_(self.label), hint=_(self.hint_text)))

    def solution(self) -> None:
        code = textwrap.dedent(self.solution_code).strip()
        print(_("A solution for {label}:").format(label=_(self.label)) + f"\n\n{code}")


def round_trip(carried: dict) -> dict:
    """Carried data as the class grader receives it: through JSON text (an answer too large to carry
    becomes the error it raised)."""
    try:
        text = dumps(carried)
    except ValueError as error:
        text = dumps({"state": "raised", "error": [type(error).__name__, str(error)]})
    return loads(text)


class ExerciseSet:
    """A lesson's exercises, for ``progress()``."""

    def __init__(self, *exercises: Exercise):
        self.exercises = exercises
        watch_answer_cells()

    def results(self, namespace: dict | None = None) -> list[tuple[Exercise, Feedback]]:
        return [(exercise, exercise.evaluate(namespace)) for exercise in self.exercises]

    def progress(self, namespace: dict | None = None) -> None:
        """Print e.g. ``3/4 correct`` and the exercises still open."""
        results = self.results(namespace)
        correct = sum(feedback.status == "correct" for _exercise, feedback in results)
        print(_("{correct}/{total} correct").format(correct=correct, total=len(results)))
        states = {
            "unanswered": _("not answered yet"),
            "wrong": _("not correct yet"),
            "failed": _("its answer cell failed"),
        }
        for exercise, feedback in results:
            if feedback.status != "correct":
                print(
                    _("  still open: {label} ({name}): {state}").format(
                        label=_(exercise.label), name=exercise.answer_name, state=states[feedback.status]
                    )
                )
