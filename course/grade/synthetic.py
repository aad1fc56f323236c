"""Student notebooks made from the course's exercise notebooks, for the grader's test and benchmark.

``student_notebook()`` fills a committed exercise notebook's answer cells with the code
you give (a solution, one of the exercise's known mistakes, code that raises or loops),
can delete answer cells, drop the cells' tags (as some tools do) and write saved outputs
that claim *Correct!*. ``build_class()`` writes a whole class of such students with a seeded mix
of solutions, blanks, wrong answers and errors, under the file names students' downloads
get ("Copy of ...", "(1)", LMS prefixes).
"""

from __future__ import annotations

import importlib
import random
import textwrap
from pathlib import Path

import nbformat

from ..catalog import EN, LESSON_IMPORT, LESSONS, answer_tags, edition
from .lessons import exercises_of

# Answers that raise: the grader reports the exception as an error.
RAISES = ["answer = value_never_defined", "import a_module_nobody_installed"]


def lesson_module(template: Path) -> str:
    """``lesson01`` for a notebook that imports its checks from helpers.exercises.lesson01."""
    found = LESSON_IMPORT.search(template.read_text(encoding="utf-8"))
    return found.group(1).removeprefix("helpers.exercises.")


def exercise_names(module: str) -> list[str]:
    """``["q1", "q2", "q3"]``: the names a lesson's exercises are under, in order."""
    return [exercise.name for exercise in exercises_of(f"helpers.exercises.{module}")]


def wrong_answers(module: str, exercise: str) -> list[str]:
    """The answers students typically get wrong, as the exercise's own known mistakes list them
    (each gets a specific message of its check); for an exercise without any, a string."""
    found = getattr(importlib.import_module(f"helpers.exercises.{module}"), exercise)
    return [textwrap.dedent(mistake.code).strip() for mistake in found.mistakes] or [f"{found.answer_name} = 'not it'"]


def solution(module: str, exercise: str) -> str:
    """The reference solution of ``exercise`` (e.g. "q1") of ``module`` (e.g. "lesson01")."""
    code = getattr(importlib.import_module(f"helpers.exercises.{module}"), exercise).solution_code
    return textwrap.dedent(code).strip()


def template_path(stem: str, code: str = "en") -> Path:
    """The committed exercise notebook ``stem`` ("01_tokenization"), English (``en``) or ``zh-TW``."""
    return edition(code or EN.code).folder / f"{stem}_exercises.ipynb"


def exercise_stems() -> list[str]:
    return [lesson.name for lesson in LESSONS]


def student_notebook(
    template: Path,
    answers: dict[str, str] | None = None,
    delete: set[str] = frozenset(),
    strip_tags: bool = False,
    claim_correct: bool = False,
):
    """A student's copy of ``template``: answer cells filled from ``answers`` (exercise name
    -> code), deleted for the names in ``delete``; optionally without tags, and with saved
    outputs that say every check passed."""
    notebook = nbformat.read(template, as_version=4)
    answers = answers or {}
    kept = []
    for cell in notebook.cells:
        tags = answer_tags(cell.metadata.get("tags", []))
        if tags and tags[0] in delete:
            continue
        if tags and tags[0] in answers:
            cell.source = answers[tags[0]]
        if strip_tags:
            cell.metadata.pop("tags", None)
        if claim_correct and cell.cell_type == "code":
            claim(cell)
        kept.append(cell)
    notebook.cells = kept
    return notebook


def claim(cell) -> None:
    """Saved outputs that say the check passed (what a tampered or stale notebook shows)."""
    source = cell.source.strip()
    if source.endswith(".check()") and source.startswith("q"):
        number = source[1 : source.index(".")]
        text = f"Exercise {number}: Correct! Well done.\n"
    elif source == "progress()":
        text = "3/3 correct\n"
    else:
        return
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]


def write(notebook, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


FILE_NAMES = [
    "{stem}_exercises.ipynb",
    "Copy of {stem}_exercises.ipynb",
    "{stem}_exercises (1).ipynb",
    "{student}_{number}_assignsubmission_file_{stem}_exercises.ipynb",
]


def mixed_answer(rng: random.Random, module: str, exercise: str) -> str | None:
    """A solution, a blank (None), a wrong answer or one that raises, at random."""
    kind = rng.choices(["solution", "blank", "wrong", "raises"], weights=[5, 2, 4, 1])[0]
    if kind == "solution":
        return solution(module, exercise)
    if kind == "wrong":
        return rng.choice(wrong_answers(module, exercise))
    if kind == "raises":
        return rng.choice(RAISES)
    return None


def student_answers(index: int, module: str, exercises: list[str], rng: random.Random) -> dict[str, str]:
    """Student ``index``'s answers to one lesson: half the class solves all, one in ten leaves
    all blank, two in ten answer all wrong, the rest a mix. One in five writes exercise 1 of
    lesson 5 with a call of their own at the top level (code the training cell's cache
    cannot treat as neutral)."""
    kind = ["solutions"] * 5 + ["blank"] + ["wrong"] * 2 + ["mixed"] * 2
    kind = kind[index % 10]
    answers = {}
    for exercise in exercises:
        if kind == "solutions":
            answer = solution(module, exercise)
        elif kind == "wrong":
            wrong = wrong_answers(module, exercise)
            answer = wrong[index % len(wrong)]
        elif kind == "mixed":
            answer = mixed_answer(rng, module, exercise)
        else:
            answer = None
        if answer is not None:
            answers[exercise] = answer
    if module == "lesson05" and index % 5 == 3 and "q1" in answers:
        answers["q1"] += f"\n\nprint('student {index} tries it:', compute_metrics_prf((np.eye(2), np.array([0, 1]))))"
    return answers


def build_class(folder: Path, students: int = 30, seed: int = 0) -> list[Path]:
    """Write ``students`` student folders with every exercise notebook each; return the notebooks."""
    rng = random.Random(seed)
    written = []
    for index in range(students):
        student = f"student{index:02d}"
        for number, stem in enumerate(exercise_stems()):
            code = "zh-TW" if index % 4 == 1 else "en"
            template = template_path(stem, code)
            module = lesson_module(template)
            answers = student_answers(index, module, exercise_names(module), rng)
            notebook = student_notebook(template, answers)
            name = FILE_NAMES[(index + number) % len(FILE_NAMES)].format(stem=stem, student=student, number=index)
            written.append(write(notebook, folder / student / name))
    return written
