"""From the kernels' work to the class's grades: one row per student and exercise, with its points,
in the student's language; and each student's total."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..catalog import EN
from . import messages as M
from .execute import StudentRun
from .lessons import Lesson
from .messages import Said, say, text_in
from .points import Points
from .submissions import ClassFolder, Job

# notebook_inputs_only: "yes" for an answer right on the notebook's inputs but not on the variant of
# them the grader chose for the student (a typed or hard-coded answer); else empty.
GRADE_COLUMNS = [
    "student",
    "lesson",
    "exercise",
    "status",
    "points",
    "max_points",
    "language",
    "message",
    "notebook_inputs_only",
]
SUMMARY_COLUMNS = ["student", "correct", "exercises", "points", "max_points"]


@dataclass
class NotebookResult:
    job: Job
    rows: dict[str, tuple[str, str | Said]]  # exercise name -> (status, message)
    notes: list[str] = field(default_factory=list)
    training: list[str] = field(default_factory=list)
    seconds: float = 0.0
    executed: str | None = None  # the executed notebook

    @property
    def correct(self) -> int:
        return sum(status == "correct" for status, _message in self.rows.values())


def notebook_results(runs: list[StudentRun], verdicts: dict[str, dict[str, tuple[str, str]]]) -> list[NotebookResult]:
    """Each notebook's grades: an error decided while it ran, else the course kernel's verdict."""
    results = []
    for run in runs:
        judged = verdicts.get(run.job.display, {})
        rows = {}
        for exercise in run.job.lesson.exercises:
            if exercise.name in run.decided:
                rows[exercise.name] = run.decided[exercise.name]
            elif exercise.name in judged:
                rows[exercise.name] = judged[exercise.name]
            else:
                rows[exercise.name] = ("error", say(M.NOT_JUDGED, why="no verdict came back"))
        results.append(NotebookResult(run.job, rows, list(run.notes), list(run.training), run.seconds, run.executed))
    return results


def best_results(results: list[NotebookResult], notes: list[str]) -> dict[tuple[str, str], NotebookResult]:
    """One result per student and lesson: with two notebooks of a lesson, the one with the most correct."""
    chosen: dict[tuple[str, str], list[NotebookResult]] = {}
    for result in sorted(results, key=lambda r: r.job.display):
        chosen.setdefault((result.job.student, result.job.lesson.name), []).append(result)
    best = {}
    for key, candidates in chosen.items():
        best[key] = max(candidates, key=lambda r: r.correct)  # the first on a tie
        if len(candidates) > 1:
            names = ", ".join(r.job.display for r in candidates)
            notes.append(
                f"{key[0]}: {len(candidates)} notebooks of lesson {key[1]} ({names}); grades from the one "
                f"with the most correct, {best[key].job.display}"
            )
    return best


def student_languages(folder: ClassFolder) -> dict[str, str]:
    """Each student's language: that of most of their notebooks (English for a student with none)."""
    counts: dict[str, Counter] = {student: Counter() for student in folder.students}
    for job in folder.jobs:
        counts[job.student][job.language] += 1
    return {student: (count.most_common(1)[0][0] if count else EN.code) for student, count in counts.items()}


def grade_rows(
    folder: ClassFolder, results: list[NotebookResult], lessons: dict[str, Lesson], points: Points
) -> list[dict]:
    """One row per student and exercise of every lesson someone in the class handed in, with the
    points earned (all of an exercise's points when correct, none otherwise) and the message in
    the language of the student's notebook."""
    best = best_results(results, folder.notes)
    languages = student_languages(folder)
    handed_in = {job.lesson.name for job in folder.jobs} | {lesson for _student, lesson in folder.unreadable}
    graded = sorted((lesson for lesson in lessons.values() if lesson.name in handed_in), key=lambda lesson: lesson.name)
    rows = []
    for student in folder.students:
        for lesson in graded:
            result = best.get((student, lesson.name))
            language = result.job.language if result else languages[student]
            for exercise in lesson.exercises:
                if result is not None:
                    status, message = result.rows[exercise.name]
                elif (student, lesson.name) in folder.unreadable:
                    status, message = "error", folder.unreadable[(student, lesson.name)]
                else:
                    status, message = "unanswered", say(M.NOT_HANDED_IN)
                worth = points[(lesson.name, exercise.name)]
                rows.append(
                    {
                        "student": student,
                        "lesson": lesson.name,
                        "exercise": exercise.name,
                        "status": status,
                        "points": worth if status == "correct" else 0.0,
                        "max_points": worth,
                        "language": language,
                        "message": text_in(message, language),
                        "notebook_inputs_only": "yes" if isinstance(message, M.NotebookOnly) else "",
                    }
                )
    return rows


def summary_rows(rows: list[dict], students: list[str]) -> list[dict]:
    """Each student's correct exercises and points, out of all the graded exercises."""
    summary = []
    for student in students:
        mine = [row for row in rows if row["student"] == student]
        summary.append(
            {
                "student": student,
                "correct": sum(row["status"] == "correct" for row in mine),
                "exercises": len(mine),
                "points": sum(row["points"] for row in mine),
                "max_points": sum(row["max_points"] for row in mine),
            }
        )
    return summary
