"""From the notebooks' results to the class's grades: one row per student and exercise."""

from __future__ import annotations

from .execute import NotebookResult
from .lessons import Lesson
from .submissions import ClassFolder

NOT_HANDED_IN = "No notebook for this lesson was handed in."


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


def grade_rows(folder: ClassFolder, results: list[NotebookResult], lessons: dict[str, Lesson]) -> list[dict]:
    """One row per student and exercise of every lesson someone in the class handed in."""
    best = best_results(results, folder.notes)
    handed_in = {job.lesson.name for job in folder.jobs} | {name for _, name in folder.unreadable}
    graded = sorted((lesson for lesson in lessons.values() if lesson.name in handed_in), key=lambda lesson: lesson.name)
    rows = []
    for student in folder.students:
        for lesson in graded:
            result = best.get((student, lesson.name))
            for exercise in lesson.exercises:
                if result is not None:
                    status, message = result.rows[exercise.name]
                elif (student, lesson.name) in folder.unreadable:
                    status, message = "error", folder.unreadable[(student, lesson.name)]
                else:
                    status, message = "unanswered", NOT_HANDED_IN
                rows.append(
                    {
                        "student": student,
                        "lesson": lesson.name,
                        "exercise": exercise.name,
                        "status": status,
                        "message": message,
                    }
                )
    return rows
