"""The verdicts: a lesson's course kernel, which runs the course's own cells only (never a student's
code, never a student's object), has the lesson's checks judge each answer that the students'
kernels carried out as data, in each student's language.

The same kernel, run once before the students', trains what the training cache lacks: only
course kernels write the cache, so what a student's kernel restores was never touched by a
student's code.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from . import messages as M
from .in_kernel import VERDICT_MARKER
from .kernel import CellStuck, Kernel, Settings, error_of, marked_lines, remaining
from .lessons import Lesson
from .messages import say
from .plan import course_plan, verdict_source

# What a course kernel judges: (notebook display name, language, {exercise: carried answer JSON}).
Item = tuple[str, str, dict[str, str]]


def lesson_trains(lesson: Lesson) -> bool:
    """Whether the lesson's exercise notebook has a training cell (its course kernel fills the cache)."""
    return any(cell.training for cell in course_plan(lesson, None, ""))


def stuck_words(stuck: CellStuck) -> str:
    if stuck.reason == "timeout":
        return f"did not finish within {stuck.limit:.0f} s"
    return "killed the kernel"


class CourseKernel:
    """A kernel that has run the lesson's own cells (no answer cell), ready to judge."""

    def __init__(self, lesson: Lesson, settings: Settings, workdir: Path):
        self.lesson = lesson
        self.settings = settings
        cache = (settings.cache_root,) if settings.cache_root else ()
        self.kernel = Kernel(workdir, settings, also_writable=cache)

    def __enter__(self) -> CourseKernel:
        self.kernel.__enter__()
        try:
            self.failure = self._run_course_cells()
        except BaseException:
            self.kernel.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.kernel.__exit__(*exc)

    def _run_course_cells(self) -> str | None:
        """Run the course's cells; why they failed, or None."""
        deadline = time.monotonic() + self.settings.notebook_timeout
        for index, planned in enumerate(course_plan(self.lesson, self.settings.cache_root, self.settings.identity)):
            try:
                cell = self.kernel.run(planned.source, remaining(deadline))
            except CellStuck as stuck:
                return f"the course's code cell {index + 1} {stuck_words(stuck)}"
            error = error_of(cell)
            if error:
                return f"the course's code cell {index + 1} failed: {error}"
        return None

    def judge(self, exercise: str, carried: str, language: str, notebook: str = "") -> tuple[str, str | M.NotebookOnly]:
        """The check's verdict on one carried answer, on the notebook's inputs and on the variant
        chosen for ``notebook`` (the student's): (status, message). The message of an answer right only
        on the notebook's inputs is kept as a :class:`messages.NotebookOnly`, for the class report."""
        source = verdict_source(self.lesson, exercise, carried, language, notebook)
        cell = self.kernel.run(source, self.settings.cell_timeout)
        lines = marked_lines(cell, VERDICT_MARKER)
        if not lines:
            return "error", say(M.NOT_JUDGED, why=error_of(cell) or "no verdict")
        verdict = json.loads(lines[-1])
        status = verdict["status"] if verdict["status"] in ("correct", "wrong", "unanswered") else "error"
        message = verdict["message"]
        return status, M.NotebookOnly(message) if verdict.get("notebook_only") else message


def prepare_lesson(lesson: Lesson, settings: Settings) -> str | None:
    """Run the lesson's course kernel once, so that its training is in the cache; a problem, or None."""
    with (
        tempfile.TemporaryDirectory(prefix="grade-course-") as folder,
        CourseKernel(lesson, settings, Path(folder)) as kernel,
    ):
        return kernel.failure


def judge_lesson(lesson: Lesson, items: list[Item], settings: Settings):
    """Every carried answer of a lesson's students judged in the lesson's course kernel.

    Returns ``({notebook: {exercise: (status, message)}}, notes)``. A check that hangs is tried once
    more in a fresh course kernel; one that hangs again or kills the kernel gives that answer
    ``error``, and a fresh course kernel judges the rest.
    """
    verdicts: dict[str, dict[str, tuple[str, str]]] = {}
    notes: list[str] = []
    queue = [
        (display, language, exercise, carried)
        for display, language, answers in items
        for exercise, carried in answers.items()
    ]
    tried: set[tuple[str, str]] = set()  # (notebook, exercise) whose check hung once
    while queue:
        with (
            tempfile.TemporaryDirectory(prefix="grade-course-") as folder,
            CourseKernel(lesson, settings, Path(folder)) as kernel,
        ):
            if kernel.failure:
                notes.append(f"{lesson.name}: the course kernel could not judge: {kernel.failure}")
                for display, _language, exercise, _carried in queue:
                    verdicts.setdefault(display, {})[exercise] = ("error", say(M.NOT_JUDGED, why=kernel.failure))
                return verdicts, notes
            while queue:
                display, language, exercise, carried = item = queue.pop(0)
                try:
                    verdict = kernel.judge(exercise, carried, language, display)
                except CellStuck as stuck:
                    if stuck.reason == "timeout" and (display, exercise) not in tried:
                        tried.add((display, exercise))
                        queue.insert(0, item)  # once more, in a fresh course kernel
                        break
                    if stuck.reason == "timeout":
                        message = say(M.CHECK_STUCK, seconds=settings.cell_timeout)
                    else:
                        message = say(M.NOT_JUDGED, why="the check killed the kernel")
                    verdicts.setdefault(display, {})[exercise] = ("error", message)
                    notes.append(f"{display}: checking {exercise} {stuck_words(stuck)}")
                    break  # a fresh course kernel for the rest
                verdicts.setdefault(display, {})[exercise] = verdict
    return verdicts, notes
