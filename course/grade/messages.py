"""What the grader itself says to a student, in the student's language: its own error messages and
the words of the feedback page. The checks' verdicts already come in that language (the course
kernel judges in it); these come from the same gettext catalog the notebooks use
(``helpers/locale``), marked with ``N_()`` here and translated when a student's grades are written.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpers.i18n import N_, catalog


@dataclass(frozen=True)
class Said:
    """A message of the grader, kept as its English template and values until its language is known."""

    template: str
    fields: tuple[tuple[str, object], ...] = ()

    def render(self, language: str) -> str:
        return translate(self.template, language).format(**dict(self.fields))


@dataclass(frozen=True)
class NotebookOnly:
    """A check's verdict, already in the student's language, on an answer right on the notebook's
    inputs only: wrong on the variant of them chosen for the student. The report counts them."""

    text: str

    def render(self, language: str) -> str:
        return self.text


def say(template: str, **fields) -> Said:
    return Said(template, tuple(sorted(fields.items())))


def translate(text: str, language: str) -> str:
    return catalog(language).gettext(text)


def text_in(message: str | Said | NotebookOnly, language: str) -> str:
    """A grade's message in ``language``: a check's verdict is already in it, a grader's message is rendered."""
    return message.render(language) if isinstance(message, (Said, NotebookOnly)) else message


# --- the grader's error messages --------------------------------------------------------------------------

ANSWER_RAISED = N_("the answer cell raised {error}")
ANSWER_TIMEOUT = N_(
    "the answer cell did not finish within {seconds} s, in two runs (the limit: five times what the course's "
    "solution takes on the grading machine, at least --cell-timeout; the instructor can raise it)"
)
ANSWER_DIED = N_("the kernel died while running the answer cell (it ended the process or ran out of memory)")
READING_TIMEOUT = N_(
    "reading the answer (calling it on the check's inputs) did not finish within {seconds} s, in two runs (the "
    "limit: five times what the course's solution takes on the grading machine, at least --cell-timeout)"
)
READING_DIED = N_("the kernel died while the answer was read (called on the check's inputs)")
NOT_READ = N_("the answer could not be read: {why}")
NOT_DATA = N_("the answer cannot be carried as data: {why}")
NO_START = N_("the kernel did not start: {why}")
OUT_OF_TIME = N_("the notebook did not finish within {seconds} s")
DIED_BEFORE = N_("the kernel died before the answer was read")
NOT_JUDGED = N_("the grader could not judge the answer: {why}")
CHECK_STUCK = N_(
    "checking the answer did not finish within {seconds} s, in two tries (the instructor can raise the limit "
    "with --cell-timeout)"
)
UNREADABLE = N_("the notebook file {name} cannot be read ({why}); ask for a new download")
NOT_HANDED_IN = N_("No notebook for this lesson was handed in.")
WORKER_FAILED = N_("the grader failed on this notebook: {why}")

# --- the feedback page ------------------------------------------------------------------------------------

STATUS_WORDS = {
    "correct": N_("correct"),
    "wrong": N_("not correct yet"),
    "unanswered": N_("not answered"),
    "error": N_("error"),
}
PAGE = {
    "title": N_("Your exercises: feedback"),
    "intro": N_(
        "Your exercise notebooks, graded by the course's own checks: each answer ran in a fresh copy of the "
        "course's notebook, and the check that judged it is the one your notebook has."
    ),
    "total": N_("Total: {points} of {max_points} points ({correct} of {exercises} exercises correct)."),
    "lesson": N_("Lesson"),
    "exercise": N_("Exercise"),
    "status": N_("Status"),
    "points": N_("Points"),
    "message": N_("What the check said"),
    "again": N_(
        "To see a check again: open your notebook, run its cells from the top (Run all), then run the "
        "exercise's check cell, e.g. q1.check(); q1.hint() gives a hint."
    ),
    "graded": N_("Graded on {date}."),
}
