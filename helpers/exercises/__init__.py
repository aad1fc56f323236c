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

Every message goes through ``helpers.i18n._``: English unless the notebook chose
another language (the zh-TW notebooks do, in their banner cell).
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from ..i18n import _


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
        message = _("`{name}` is not defined yet. Run the notebook's cells from the top first.")
        raise WrongAnswer(message.format(name=name))
    return namespace[name]


# --- answer cells that failed ------------------------------------------------------------------------------

# Name -> the error of the last cell that sets it, while that cell's last run failed.
failed_cells: dict[str, BaseException] = {}


def assigned_names(code: str) -> set[str]:
    """The names a cell's code sets at its top level (assignments, ``def``, ``class``, imports,
    loop targets), not those local to a function it defines. Code that does not parse (the
    student's syntax error) is read line by line for ``name =`` and ``def name``."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        found = re.findall(r"^\s*(?:def\s+|class\s+)?([A-Za-z_]\w*)\s*(?:[-+*/]?=(?!=)|\(|:)", code, re.MULTILINE)
        return set(found)
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            return  # its body is another scope
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def record_cell(code: str, error: BaseException | None) -> None:
    """Remember, for each name the cell sets, whether the cell's last run failed."""
    for name in assigned_names(code):
        if error is None:
            failed_cells.pop(name, None)
        else:
            failed_cells[name] = error


def _after_cell(result) -> None:
    """IPython's ``post_run_cell`` event: the cell's source and its error, if any."""
    info = result.info
    code = getattr(info, "transformed_cell", None) or getattr(info, "raw_cell", None) or ""
    record_cell(code, result.error_before_exec or result.error_in_exec)


def watch_answer_cells(shell=None) -> bool:
    """In IPython (a notebook), follow every cell's run from now on, so that a check can tell a
    failed answer cell from one never run. Called when a lesson's exercises are imported; once
    per shell. Returns whether a shell was found."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None:
        return False
    if _after_cell not in shell.events.callbacks["post_run_cell"]:
        shell.events.register("post_run_cell", _after_cell)
    return True


def describe_error(error: BaseException) -> str:
    """``ValueError: the first line of its message`` (a long message is cut)."""
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else ""
    if len(first) > 200:
        first = first[:197] + "..."
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


@dataclass(frozen=True)
class Feedback:
    status: str  # "correct", "wrong", "unanswered" or "failed"
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class Exercise:
    """One exercise: the name the answer goes under, a checker, a hint and a solution.

    ``checker(answer, namespace)`` returns the sentence on why the answer matters, or
    raises :class:`WrongAnswer` with what is wrong. ``label`` and ``hint_text`` are
    English texts marked with ``N_()``, translated when shown. ``explain_failure``, if
    given, turns the error of a failed answer cell into advice (or None).
    """

    label: str
    answer_name: str
    checker: Callable[[object, dict], str]
    hint_text: str
    solution_code: str
    explain_failure: Callable[[BaseException], str | None] | None = None

    def evaluate(self, namespace: dict | None = None) -> Feedback:
        """Check the answer in ``namespace`` (the notebook's, by default) without printing."""
        namespace = vars(sys.modules["__main__"]) if namespace is None else namespace
        answer = namespace.get(self.answer_name, ____)
        if self.answer_name in failed_cells:
            return self._failed(failed_cells[self.answer_name], blank(answer))
        if blank(answer):
            return self._unanswered()
        try:
            why = self.checker(answer, namespace)
        except NotAnswered:
            return self._unanswered()
        except WrongAnswer as wrong:
            return Feedback("wrong", _("Not quite: {problem}").format(problem=wrong))
        except Exception as error:  # the student's own code failed while being checked
            problem = _("checking `{name}` raised {error}").format(
                name=self.answer_name, error=f"{type(error).__name__}: {error}"
            )
            return Feedback("wrong", _("Not quite: {problem}").format(problem=problem))
        return Feedback("correct", _("Correct! {why}").format(why=why))

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
