"""What the exercise tests share: the course's namespace of each lesson, made by running the
exercise notebook's own cells; a student's namespace on top of it; and whether a feedback message
is the one a mistake's template gives.

The course's namespace is what the class grader's clean kernel holds: the objects the notebook's
course cells define (tokenizer, data, a trained model...), no name a student created. A student's
namespace is a copy of it in which the earlier exercises' solutions and then the answer code ran,
as in a notebook answered from the top.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import string
import textwrap
from pathlib import Path

from course import training_cache
from course.catalog import LESSONS, answer_tags
from course.grade.plan import training_call
from helpers.i18n import _

# A cell that only prints feedback: q1.check(), q1.hint(), q1.solution(), progress(), comments.
FEEDBACK_LINE = re.compile(r"^(#.*|q\d+\.(check|hint|solution)\(\)|progress\(\))?$")


def lesson_module(lesson):
    """``helpers.exercises.lesson04`` for a lesson of the catalog."""
    return importlib.import_module(lesson.exercise_module)


def exercises_of(lesson) -> list:
    return list(lesson_module(lesson).exercises.exercises)


def every_exercise() -> list[tuple]:
    """(lesson, exercise) for every exercise of every lesson of the catalog."""
    return [(lesson, exercise) for lesson in LESSONS for exercise in exercises_of(lesson)]


def every_mistake() -> list[tuple]:
    """(lesson, exercise, mistake) for every known mistake of every exercise."""
    return [(lesson, exercise, mistake) for lesson, exercise in every_exercise() for mistake in exercise.mistakes]


def case_id(value) -> str:
    """Test ids: ``lesson04``, ``most_confident_mistake``, or a mistake's first code line."""
    if hasattr(value, "exercise_module"):
        return value.exercise_module.rsplit(".", 1)[1]
    if hasattr(value, "answer_name"):
        return value.answer_name
    if hasattr(value, "code"):
        return value.code.strip().splitlines()[-1][:60]
    return str(value)


def course_cells(lesson) -> list[str]:
    """The code of the exercise notebook's own cells, in order: no answer cell, no feedback cell."""
    notebook = json.loads(lesson.exercise_notebook().read_text(encoding="utf-8"))
    cells = []
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or answer_tags(cell["metadata"].get("tags", [])):
            continue
        if all(FEEDBACK_LINE.match(line.strip()) for line in source.splitlines()):
            continue
        cells.append(source)
    return cells


def training_cell_index(sources: list[str]) -> int:
    """Where the first cell that trains is among a notebook's code cells: the first with a top-level
    ``<name>.train()`` call, found as the class grader finds it (``course.grade.plan.training_call``)."""
    found = [i for i, source in enumerate(sources) if training_call(source) is not None]
    if not found:
        raise ValueError("no cell of these calls <name>.train() at its top level")
    return found[0]


def trains(lesson) -> bool:
    """Whether the exercise notebook's own cells train a model (a top-level ``<name>.train()``)."""
    return any(training_call(cell) is not None for cell in course_cells(lesson))


def run_cells(sources: list[str], name: str) -> dict:
    """A namespace in which ``sources`` (a notebook's code cells) ran, as in a fresh kernel. Under
    ``make test`` a training among them is served from the run's training cache, under the key
    the notebook's own kernel uses (the same cells, in order), so it trains once for both."""
    from IPython.display import display

    namespace = {"__name__": "__main__", "display": display}  # display(): a notebook's built-in
    cells: list[str] = []
    with training_cache.served_in_process(os.environ.get(training_cache.CACHE_VARIABLE), cells):
        for source in sources:
            cells.append(source)
            exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace


def run_course_cells(lesson) -> dict:
    """A namespace in which the exercise notebook's own cells ran, as in a fresh kernel."""
    return run_cells(course_cells(lesson), lesson.exercise_name)


def run(code: str, namespace: dict) -> dict:
    """Run an answer cell's code in a namespace, as the student's kernel would."""
    exec(textwrap.dedent(code), namespace)
    return namespace


class Course:
    """The course's namespace of each lesson (built once, on first use) and students' namespaces
    on top of it. Everything runs with the offline profile, in a folder of its own."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.namespaces: dict[str, dict] = {}
        self.answered: dict[tuple[str, str], dict] = {}

    @contextlib.contextmanager
    def offline(self):
        """The offline profile and the test's own output folder, as `make notebooks` runs them."""
        saved = {key: os.environ.get(key) for key in ("COURSE_PROFILE", "COURSE_OUTPUT_DIR")}
        cwd = os.getcwd()
        os.environ.update(COURSE_PROFILE="offline", COURSE_OUTPUT_DIR=str(self.folder / "runs"))
        os.chdir(self.folder)
        try:
            yield
        finally:
            os.chdir(cwd)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def namespace(self, lesson) -> dict:
        """A fresh copy of the course's namespace of ``lesson``: what the grader's clean kernel holds."""
        if lesson.name not in self.namespaces:
            with self.offline():
                self.namespaces[lesson.name] = run_course_cells(lesson)
        return dict(self.namespaces[lesson.name])

    def before(self, lesson, exercise) -> dict:
        """A copy of the course's namespace after the solutions of the exercises before ``exercise``."""
        key = (lesson.name, exercise.answer_name)
        if key not in self.answered:
            namespace = self.namespace(lesson)
            exercises = exercises_of(lesson)
            with self.offline():
                for earlier in exercises[: exercises.index(exercise)]:
                    run(earlier.solution_code, namespace)
            self.answered[key] = namespace
        return dict(self.answered[key])

    def student(self, lesson, exercise, code: str | None = None) -> dict:
        """A student's namespace: the course's, the earlier exercises' solutions, then ``code``
        (by default ``exercise``'s own solution)."""
        namespace = self.before(lesson, exercise)
        with self.offline():
            return run(exercise.solution_code if code is None else code, namespace)


def template_pattern(template: str) -> re.Pattern:
    """A message template (``"{answer} is not it"``) as a regular expression its filled-in text matches."""
    parts = []
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(".+?")
    return re.compile("".join(parts), re.DOTALL)


def gives(message: str, template: str) -> bool:
    """Whether ``message`` holds ``template`` in the current language, filled in with any values."""
    text = _(template)
    return text in message or bool(template_pattern(text).search(message))


_courses: dict[str, Course] = {}


def shared_course(tmp_path_factory) -> Course:
    """One :class:`Course` for the whole test session, whichever test module asks first."""
    if "course" not in _courses:
        _courses["course"] = Course(tmp_path_factory.mktemp("course"))
    return _courses["course"]


@contextlib.contextmanager
def notebook_shell(namespace: dict, monkeypatch):
    """An IPython shell with ``namespace``'s names, whose cells are followed as in a notebook's kernel
    (helpers.exercises.watch_answer_cells); the hooks it installs and the failed cells it records are
    undone afterwards."""
    import sys

    from IPython.core.interactiveshell import InteractiveShell

    from helpers.exercises import failed_cells, watch_answer_cells

    # The shell makes its namespace the __main__ module and installs hooks: all restored afterwards.
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    monkeypatch.setattr(sys, "displayhook", sys.displayhook)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    shell = InteractiveShell.instance()
    shell.user_ns.update(namespace)
    failed_cells.clear()
    assert watch_answer_cells(shell)
    try:
        yield shell
    finally:
        failed_cells.clear()
        InteractiveShell.clear_instance()


def run_cell(shell, code: str, capsys) -> str:
    """Run ``code`` in the shell as a notebook cell; what it printed."""
    capsys.readouterr()
    shell.run_cell(textwrap.dedent(code))
    return capsys.readouterr().out
