"""Points: what each exercise is worth, from the course's ``grading.toml`` or ``--points FILE``.

The file gives points by lesson (the notebook's name) and exercise, in a table ``[points.LESSON]``::

    [points.01_tokenization]
    q1 = 1
    q3 = 2

An exercise that is not listed is worth 1 point. A lesson or exercise the course does not have,
or a value that is not a number of 0 or more, is refused with one line naming it and the fix.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

from ..catalog import ROOT
from .lessons import Lesson

COURSE_POINTS = ROOT / "grading.toml"
DEFAULT = 1.0

Points = dict[tuple[str, str], float]  # (lesson name, exercise) -> points


class PointsError(Exception):
    """A points file that cannot be used; the message names the problem and the fix."""


def read_points(path: Path, lessons: dict[str, Lesson]) -> Points:
    """The points of every exercise of ``lessons``, from ``path``."""
    if not path.is_file():
        raise PointsError(f"no points file at {path}. Fix: pass a TOML file with --points, or restore grading.toml.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise PointsError(f"{path.name} is not valid TOML ({error}). Fix: correct that line.") from None
    unknown = sorted(set(data) - {"points"})
    if unknown:
        raise PointsError(f"{path.name}: unknown table {unknown[0]!r}. Fix: put the points under [points.LESSON].")
    given = data.get("points", {})
    if not isinstance(given, dict):
        raise PointsError(f"{path.name}: 'points' must be tables [points.LESSON]. Fix: see grading.toml.")
    by_name = {lesson.name: lesson for lesson in lessons.values()}
    points: Points = {(lesson.name, e.name): DEFAULT for lesson in lessons.values() for e in lesson.exercises}
    for lesson_name, exercises in given.items():
        if lesson_name not in by_name:
            choices = ", ".join(sorted(by_name))
            raise PointsError(
                f"{path.name}: [points.{lesson_name}] is not a lesson of the course. Fix: use one of: {choices}."
            )
        if not isinstance(exercises, dict):
            raise PointsError(f"{path.name}: points.{lesson_name} must be a table. Fix: write [points.{lesson_name}].")
        names = [e.name for e in by_name[lesson_name].exercises]
        for exercise, value in exercises.items():
            where = f"{path.name}: [points.{lesson_name}] {exercise}"
            if exercise not in names:
                raise PointsError(f"{where} is not an exercise of that lesson. Fix: use one of: {', '.join(names)}.")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise PointsError(f"{where} = {value!r} is not a number of points. Fix: give a number, 0 or more.")
            points[(lesson_name, exercise)] = float(value)
    return points


def shown(value: float) -> str:
    """Points as a person writes them: 2, 1.5."""
    return f"{value:g}"
