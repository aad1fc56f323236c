"""Running one notebook's plan in a fresh kernel, and a class's notebooks a few at a time."""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from ..catalog import STATUSES
from ..kernels import local_kernel_config
from .in_kernel import CHECK_MARKER, TRAINING_MARKER
from .plan import PlannedCell, build_plan
from .submissions import SKIPPED_NAMES, Job, one_line

KERNEL_START_S = 120


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
        f"Graded by `python -m course grade`: the course's `{job.lesson.template.name}` with the answer cells "
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
