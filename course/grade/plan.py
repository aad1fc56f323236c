"""What runs: for a student's notebook, the course's exercise notebook with the student's answers in
their slots, then the cells that carry each answer out as data; for a lesson, the course's own
cells, in the kernel whose checks judge that data. Training cells are served by the cache."""

from __future__ import annotations

import ast
from dataclasses import dataclass

import nbformat

from helpers.exercises.cells import assigned_names
from helpers.exercises.variants import variant_seed

from .. import training_cache
from ..training_cache import is_check_only
from .lessons import Lesson
from .submissions import answer_tags, code_cells


@dataclass
class PlannedCell:
    kind: str  # "course" (the template's own code), "answer" (the student's) or "carry" (the grader's)
    source: str
    exercise: str | None = None
    training: bool = False


def training_call(source: str, with_arguments: bool = False) -> ast.Call | None:
    """The top-level ``<name>.train()`` call of a cell (no arguments, unless ``with_arguments``:
    then ``trainer.train(resume_from_checkpoint=...)`` too), if it has one."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for statement in tree.body:
        value = statement.value if isinstance(statement, (ast.Expr, ast.Assign)) else None
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "train"
            and isinstance(value.func.value, ast.Name)
            and (with_arguments or not (value.args or value.keywords))
        ):
            return value
    return None


def replace_span(source: str, node: ast.AST, text: str) -> str:
    """``source`` with the code of ``node`` replaced by ``text`` (ast offsets are UTF-8 bytes)."""
    lines = source.encode("utf-8").splitlines(keepends=True)
    start = sum(len(line) for line in lines[: node.lineno - 1]) + node.col_offset
    end = sum(len(line) for line in lines[: node.end_lineno - 1]) + node.end_col_offset
    data = b"".join(lines)
    return (data[:start] + text.encode("utf-8") + data[end:]).decode("utf-8")


def used_names(source: str) -> set[str] | None:
    """Every name a cell's code mentions; None if it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} | {
        node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    }


def evaluates_nothing(node: ast.AST) -> bool:
    """True when evaluating ``node`` calls no code: no calls, no walrus, no comprehension."""
    return not any(
        isinstance(child, (ast.Call, ast.NamedExpr, ast.Await, ast.Yield, ast.comprehension))
        for child in ast.walk(node)
    )


def affects_training(source: str, training_names: set[str]) -> bool:
    """Whether an answer cell that runs before a training cell may change what it trains.

    Conservative: False only for a cell made of imports, function definitions (no
    decorators, defaults and annotations that call nothing) and assignments of literals,
    binding only names the cells up to the training cell never mention. Those cannot
    touch the model, the data or the random state the training cell starts from
    (it calls set_seed itself). Anything else counts as changing it.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return True
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom, ast.Pass)):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            evaluated = [*statement.args.defaults, *statement.args.kw_defaults, statement.returns]
            evaluated += [arg.annotation for arg in ast.walk(statement.args) if isinstance(arg, ast.arg)]
            if not statement.decorator_list and all(evaluates_nothing(n) for n in evaluated if n is not None):
                continue
            return True
        if isinstance(statement, ast.Assign) and all(isinstance(target, ast.Name) for target in statement.targets):
            try:
                ast.literal_eval(statement.value)
            except ValueError:
                return True
            continue
        return True
    names = assigned_names(source)
    return bool(names & training_names)


def template_cells(lesson: Lesson) -> list[PlannedCell]:
    """The course's exercise notebook as a plan: its code cells, answer slots marked, the
    feedback-only cells (check, hint, progress) left out (the grader asks the checks itself)."""
    notebook = nbformat.read(lesson.template, as_version=4)
    plan = []
    for cell in code_cells(notebook):
        tags = answer_tags(cell)
        if tags:
            plan.append(PlannedCell("answer", cell.source, exercise=tags[0]))
        elif not is_check_only(cell.source):
            plan.append(PlannedCell("course", cell.source, training=training_call(cell.source) is not None))
    return plan


def names_up_to(plan: list[PlannedCell], upto: int) -> set[str]:
    """Every name the course's cells up to cell ``upto`` (a training cell) mention."""
    names: set[str] = set()
    for cell in plan[: upto + 1]:
        if cell.kind == "course":
            names |= used_names(cell.source) or set()
    return names


def training_key(plan: list[PlannedCell], upto: int, identity: str) -> str:
    """The cache's key of the training cell ``upto``: the course's code up to it (the answer cells
    left out), so the same in a student's plan and in the course's own plan of the lesson, whose
    kernel alone writes the cache, and in the tests' run of the notebook."""
    return training_cache.key([cell.source for cell in plan[: upto + 1] if cell.kind == "course"], identity)


def changes_training(plan: list[PlannedCell], upto: int) -> bool:
    """Whether an answer cell before the training cell ``upto`` may change what it trains
    (see :func:`affects_training`): then that student's kernel trains for itself."""
    names = names_up_to(plan, upto)
    return any(cell.kind == "answer" and affects_training(cell.source, names) for cell in plan[: upto + 1])


def with_training_call(source: str, function: str, *arguments: str) -> str:
    """The cell with its ``<trainer>.train()`` call replaced by
    ``course.training_cache.<function>(<trainer>, *arguments)``."""
    call = training_call(source)
    replacement = f"_course_training.{function}({', '.join([call.func.value.id, *arguments])})"
    return "import course.training_cache as _course_training\n" + replace_span(source, call, replacement)


def with_cache(source: str, cache_folder: str, writable: bool) -> str:
    """A training cell whose ``trainer.train()`` is restored from the cache (and, in a course
    kernel, trained and saved there the first time)."""
    return with_training_call(source, "train_or_restore", repr(cache_folder), f"writable={writable}")


def trained_alone(source: str) -> str:
    """A training cell that trains in the student's own kernel, because an answer before it may
    change the training: nothing is read from or saved to the cache, and the log says so."""
    return with_training_call(source, "train_alone")


KERNEL_IMPORT = "import course.grade.in_kernel as _course_grading"


def carry_source(lesson: Lesson, exercise: str, code: str | None = None, notebook: str = "") -> str:
    """The cell that prints a student's answer to ``exercise`` as data; given the answer cell's
    ``code``, also what it gives on the exercise's variant chosen for ``notebook`` (the student's)."""
    seed = variant_seed(notebook, exercise)
    return (
        f"{KERNEL_IMPORT}\n_course_grading.print_carried("
        f"{lesson.module!r}, {exercise!r}, globals(), seed={seed!r}, code={code!r})"
    )


def verdict_source(lesson: Lesson, exercise: str, carried_json: str, language: str, notebook: str = "") -> str:
    """The cell that has the lesson's check judge a carried answer, in the student's language, on
    the notebook's inputs and on the variant chosen for ``notebook`` (the student's)."""
    seed = variant_seed(notebook, exercise)
    return (
        f"{KERNEL_IMPORT}\n_course_grading.print_verdict("
        f"{lesson.module!r}, {exercise!r}, {carried_json!r}, {language!r}, globals(), seed={seed!r})"
    )


def cache_folder(cache_root: str, key: str) -> str:
    return str(training_cache.entry(cache_root, key))


def student_plan(
    lesson: Lesson,
    answers: dict[str, str],
    skip_answers: set[str],
    skip_carries: set[str],
    cache_root: str | None,
    identity: str,
    notebook: str = "",
    fills_cache: bool = False,
) -> list[PlannedCell]:
    """What runs in a student's kernel: the course's notebook with the student's answers in their
    slots (a skipped answer, one that hung before, leaves its slot out), then one cell per
    exercise that prints the answer as data, and what the answer cell gives on the variant of its
    inputs chosen for ``notebook`` (the student's, as the grader names it: ``student/path``). A
    training cell restores the course kernel's training from the cache, unless an answer before
    it may change it: then it trains alone. With ``fills_cache`` (the course's own solutions,
    never a student's answers) a training the cache lacks is trained and kept there."""
    plan = []
    codes: dict[str, str] = {}  # exercise -> the code of its answer cell
    for cell in template_cells(lesson):
        if cell.kind == "answer":
            if cell.exercise in skip_answers:
                continue
            cell.source = answers.get(cell.exercise, cell.source)
            codes[cell.exercise] = cell.source
        plan.append(cell)
    if cache_root:
        for index, cell in enumerate(plan):
            if not cell.training:
                continue
            if changes_training(plan, index):
                cell.source = trained_alone(cell.source)
            else:
                folder = cache_folder(cache_root, training_key(plan, index, identity))
                cell.source = with_cache(cell.source, folder, writable=fills_cache)
    plan += [
        PlannedCell("carry", carry_source(lesson, e.name, codes.get(e.name), notebook), exercise=e.name)
        for e in lesson.exercises
        if e.name not in skip_carries
    ]
    return plan


def every_training_restores(plan: list[PlannedCell]) -> bool:
    """Whether each training cell of a student's plan restores the course's training (none trains
    alone because an answer before it may change it)."""
    return all(not changes_training(plan, index) for index, cell in enumerate(plan) if cell.training)


def course_plan(lesson: Lesson, cache_root: str | None, identity: str) -> list[PlannedCell]:
    """What runs in the lesson's course kernel: the course's own cells only, no answer cell; its
    training cells train once and fill the cache that the students' kernels read."""
    plan = [cell for cell in template_cells(lesson) if cell.kind == "course"]
    if cache_root:
        for index, cell in enumerate(plan):
            if cell.training:
                folder = cache_folder(cache_root, training_key(plan, index, identity))
                cell.source = with_cache(cell.source, folder, writable=True)
    return plan
