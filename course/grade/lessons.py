"""The grader's view of the course's lessons: for each lesson with exercises, its exercise
notebook (the template every student notebook is graded against) and its exercises in order."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from ..catalog import EN, LESSONS


@dataclass(frozen=True)
class ExerciseInfo:
    name: str  # "q1": the tag answer-q1 and the check q1.check()
    answer_name: str  # the variable the student defines
    label: str  # "Exercise 1"


@dataclass(frozen=True)
class Lesson:
    module: str  # "helpers.exercises.lesson01"
    name: str  # "01_tokenization": the exercise notebook's name without _exercises
    template: Path  # the course's exercise notebook
    exercises: tuple[ExerciseInfo, ...]


def exercises_of(module_name: str) -> tuple[ExerciseInfo, ...]:
    """The lesson's exercises in order, each with the module attribute it is under (q1, q2...):
    those of its ``exercises`` set, or else every Exercise it defines, by name."""
    from helpers.exercises import Exercise

    module = importlib.import_module(module_name)
    names = {id(value): key for key, value in vars(module).items()}
    exercise_set = getattr(module, "exercises", None)
    if exercise_set is not None and hasattr(exercise_set, "exercises"):
        exercises = list(exercise_set.exercises)
    else:
        exercises = [value for _name, value in sorted(vars(module).items()) if isinstance(value, Exercise)]
    return tuple(ExerciseInfo(names[id(e)], e.answer_name, e.label) for e in exercises if id(e) in names)


def course_lessons(problems: list[str] | None = None) -> dict[str, Lesson]:
    """The catalog's lessons whose exercise notebook exists, by module name. A checks module that
    cannot be imported is left out, with a line in ``problems``."""
    lessons = {}
    for lesson in LESSONS:
        template = lesson.exercise_notebook(EN)
        if not template.is_file():
            continue
        try:
            exercises = exercises_of(lesson.exercise_module)
        except Exception as error:  # a lesson module being written: grade the others
            if problems is not None:
                problems.append(
                    f"{lesson.exercise_module} cannot be imported ({type(error).__name__}: {error}); "
                    "its notebooks are skipped"
                )
            continue
        lessons[lesson.exercise_module] = Lesson(lesson.exercise_module, lesson.name, template, exercises)
    return lessons
