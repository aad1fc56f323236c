"""Running a student's notebook: the course's exercise notebook with the student's answer cells, in a
fresh (sandboxed) kernel, until each answer is carried out as data. And the class, a few
kernels at a time: the runs that time the course's solutions fill the training cache, the students' kernels
run, then each lesson's course kernel judges what its students' kernels carried.

How long an answer cell may take follows what the course's own solution of it takes on this
machine, under the same load: before a lesson's students run, its solutions run once as a
student's would (:func:`time_solutions`), and each answer cell (and the reading of its answer)
may take :data:`SOLUTION_FACTOR` times as long as the solution's, or ``--cell-timeout`` where that
is more. A slower or busier machine makes both slower, so it changes times, never verdicts. A
cell that runs out of time gets a second run of the notebook with twice its limit; a cell that
hangs again, or kills the kernel, decides its exercise (``error``) and the notebook runs again
without it, within the notebook's time limit in all. Nothing a student's kernel prints
is read but the lines of the grader's own carry cells, and those only as data.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..training_cache import TRAINING_MARKER
from . import messages as M
from .in_kernel import CARRY_MARKER
from .kernel import CellStuck, Kernel, Settings, error_of, marked_lines, remaining
from .lessons import Lesson
from .messages import Said, say
from .plan import PlannedCell, every_training_restores, student_plan
from .submissions import SKIPPED_NAMES, Job, one_line
from .synthetic import solution
from .verdicts import judge_lesson, lesson_trains, prepare_lesson


@dataclass
class StudentRun:
    """What a student's kernel gave: each answer as data (JSON text), or the error that decided it."""

    job: Job
    carried: dict[str, str] = field(default_factory=dict)  # exercise -> carried answer (JSON)
    decided: dict[str, tuple[str, Said]] = field(default_factory=dict)  # exercise -> ("error", why)
    notes: list[str] = field(default_factory=list)
    training: list[str] = field(default_factory=list)
    seconds: float = 0.0
    executed: str | None = None  # the executed notebook, for the instructor to read


# An answer cell may take this many times what the course's solution of it took on the same machine.
SOLUTION_FACTOR = 5


@dataclass(frozen=True)
class Limits:
    """How long a lesson's cells may take here, from the course's solutions timed on this machine:
    each answer cell and each reading of an answer (a carry cell), by exercise, and the notebook."""

    answer: dict[str, float] = field(default_factory=dict)
    carry: dict[str, float] = field(default_factory=dict)
    notebook: float = 0.0

    def cell(self, planned: PlannedCell, settings: Settings) -> float:
        """The seconds ``planned`` may take: the exercise's limit, never less than ``--cell-timeout``.
        A carry cell also runs the answer cell once more, on the student's variant of its inputs
        (helpers/exercises/variants.py): it may take the answer cell's limit on top of its own."""
        answer = self.answer.get(planned.exercise, 0.0)
        timed = answer if planned.kind == "answer" else answer + self.carry.get(planned.exercise, 0.0)
        return max(float(settings.cell_timeout), timed)

    def whole(self, settings: Settings) -> float:
        return max(float(settings.notebook_timeout), self.notebook)


@dataclass
class Attempt:
    answer_errors: dict[str, str] = field(default_factory=dict)
    carried: dict[str, str] = field(default_factory=dict)
    carry_errors: dict[str, str] = field(default_factory=dict)
    course_errors: list[str] = field(default_factory=list)
    training: list[str] = field(default_factory=list)
    stuck: int | None = None  # index of the cell that hung or killed the kernel
    stuck_reason: str = ""  # "timeout" or "died"
    stuck_limit: float = 0.0  # the seconds the stuck cell had
    out_of_time: bool = False
    start_failure: str = ""
    seconds: dict[int, float] = field(default_factory=dict)  # plan index -> seconds the cell took


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


def record(attempt: Attempt, planned: PlannedCell, cell, index: int) -> None:
    """Note what a finished cell says: an answer's exception, a carried answer, a course cell's failure."""
    error = error_of(cell)
    if planned.kind == "answer" and error:
        attempt.answer_errors[planned.exercise] = error
    elif planned.kind == "carry":
        lines = marked_lines(cell, CARRY_MARKER)
        if lines:
            attempt.carried[planned.exercise] = lines[-1]
        else:
            attempt.carry_errors[planned.exercise] = error or "nothing was printed"
    elif planned.kind == "course":
        attempt.training += marked_lines(cell, TRAINING_MARKER)
        if error:
            attempt.course_errors.append(f"the course's code cell {index + 1} failed: {error}")


def run_attempt(
    plan: list[PlannedCell],
    workdir: Path,
    deadline: float,
    settings: Settings,
    limits: Limits | None = None,
    doubled: frozenset[int] = frozenset(),
    also_writable: tuple[str, ...] = (),
):
    """Run the plan's cells one by one in a fresh kernel; stop at a cell that hangs or kills it.
    A cell's limit comes from ``limits`` (twice that for the plan indexes in ``doubled``); with
    no ``limits`` (the course's solutions being timed) every cell may take what is left.
    ``also_writable``: folders the sandbox lets the kernel write (the course's solutions: the cache)."""
    attempt = Attempt()
    notebook = None
    try:
        with Kernel(workdir, settings, also_writable=also_writable) as kernel:
            notebook = kernel.notebook
            for index, planned in enumerate(plan):
                left = remaining(deadline)
                if left < 1:
                    attempt.out_of_time = True
                    break
                own = limits.cell(planned, settings) * (2 if index in doubled else 1) if limits else left
                limit = left if planned.kind == "course" else min(own, left)
                started = time.monotonic()
                try:
                    cell = kernel.run(planned.source, limit)
                except CellStuck as stuck:
                    attempt.stuck, attempt.stuck_reason, attempt.stuck_limit = index, stuck.reason, limit
                    attempt.out_of_time = planned.kind == "course" or limit < own
                    break
                attempt.seconds[index] = time.monotonic() - started
                record(attempt, planned, cell, index)
    except (RuntimeError, TimeoutError, OSError) as error:  # the kernel did not start
        if attempt.stuck is None and not attempt.carried:
            attempt.start_failure = one_line(f"{type(error).__name__}: {error}")
    return attempt, notebook


def stuck_message(planned: PlannedCell, reason: str, seconds: float) -> Said:
    seconds = round(seconds)
    if planned.kind == "answer":
        return say(M.ANSWER_TIMEOUT, seconds=seconds) if reason == "timeout" else say(M.ANSWER_DIED)
    return say(M.READING_TIMEOUT, seconds=seconds) if reason == "timeout" else say(M.READING_DIED)


def copy_work(job: Job, workdir: Path) -> None:
    """The student's files in ``workdir/work``: their folder, or the notebook alone."""
    if job.folder:
        copy_folder(Path(job.path).parent, workdir / "work")
    else:  # a file of a flat download: the notebook alone, not the others' files beside it
        (workdir / "work").mkdir()
        shutil.copyfile(job.path, workdir / "work" / Path(job.path).name)


def solution_answers(lesson: Lesson) -> dict[str, str]:
    """The course's solution of each of the lesson's exercises, as an answer cell's code."""
    module = lesson.module.rsplit(".", 1)[-1]  # "helpers.exercises.lesson01" -> "lesson01"
    return {e.name: solution(module, e.name) for e in lesson.exercises}


def time_solutions(lesson: Lesson, settings: Settings, fills_cache: bool = False) -> tuple[Limits, str | None]:
    """The lesson's limits on this machine: its notebook run once with the course's solutions, in a
    kernel like a student's, each answer and carry cell timed. With ``fills_cache`` that kernel may
    also write the training cache, and trains what it lacks (it runs the course's code alone).
    Returns the limits and a problem (then the limits are ``--cell-timeout`` and
    ``--notebook-timeout`` alone), or None."""
    answers = solution_answers(lesson)
    plan = student_plan(lesson, answers, set(), set(), settings.cache_root, settings.identity, fills_cache=fills_cache)
    writable = (settings.cache_root,) if fills_cache else ()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="grade-timing-") as folder:
        workdir = Path(folder)
        copy_work(Job("", str(lesson.template), "", lesson, {}), workdir)  # the notebook alone
        attempt = run_attempt(plan, workdir, started + settings.notebook_timeout, settings, also_writable=writable)[0]
    if attempt.stuck is not None or attempt.out_of_time or attempt.start_failure:
        why = attempt.start_failure or attempt.stuck_reason or "out of time"
        return Limits(), f"timing the course's solutions: the notebook did not run to its end ({why})"
    answer, carry = {}, {}
    for index, seconds in attempt.seconds.items():
        planned = plan[index]
        if planned.kind in ("answer", "carry"):
            (answer if planned.kind == "answer" else carry)[planned.exercise] = SOLUTION_FACTOR * seconds
    return Limits(answer, carry, SOLUTION_FACTOR * (time.monotonic() - started)), None


def run_student(job: Job, settings: Settings, limits: Limits | None = None) -> StudentRun:
    """Run one student's notebook until every answer is carried out as data or decided as an error.
    A cell that runs out of time is given a second run of the notebook with twice its limit."""
    limits = limits or Limits()
    started = time.monotonic()
    deadline = started + limits.whole(settings)
    run = StudentRun(job)
    skip_answers: set[str] = set()
    skip_carries: set[str] = set()
    doubled: set[tuple[str, str]] = set()  # (kind, exercise) of the cells given twice their limit
    with tempfile.TemporaryDirectory(prefix="grade-") as folder:
        workdir = Path(folder)
        copy_work(job, workdir)
        while True:
            plan = student_plan(
                job.lesson, job.answers, skip_answers, skip_carries, settings.cache_root, settings.identity, job.display
            )
            twice = frozenset(i for i, cell in enumerate(plan) if (cell.kind, cell.exercise) in doubled)
            attempt, notebook = run_attempt(plan, workdir, deadline, settings, limits, twice)
            run.training += attempt.training
            stuck = plan[attempt.stuck] if attempt.stuck is not None else None
            if stuck is None or stuck.kind == "course" or attempt.out_of_time:
                break
            if attempt.stuck_reason == "timeout" and (stuck.kind, stuck.exercise) not in doubled:
                doubled.add((stuck.kind, stuck.exercise))  # once more, with twice the time, its own
                deadline = max(deadline, time.monotonic() + limits.whole(settings))
                continue
            message = stuck_message(stuck, attempt.stuck_reason, attempt.stuck_limit)
            run.decided[stuck.exercise] = ("error", message)
            skip_carries.add(stuck.exercise)
            if stuck.kind == "answer":
                skip_answers.add(stuck.exercise)
    run.notes += [f"{job.display}: {text}" for text in attempt.course_errors]
    if stuck is not None and stuck.kind == "course" and attempt.stuck_reason == "died":
        run.notes.append(f"{job.display}: the kernel died in the course's code cell {attempt.stuck + 1}")
    if attempt.start_failure:
        run.notes.append(f"{job.display}: the kernel did not start: {attempt.start_failure}")
    for exercise in job.lesson.exercises:
        name = exercise.name
        if name in run.decided:
            continue
        if name in attempt.answer_errors:
            run.decided[name] = ("error", say(M.ANSWER_RAISED, error=attempt.answer_errors[name]))
        elif name in attempt.carried:
            not_carried = carried_problem(attempt.carried[name])
            if not_carried:
                run.decided[name] = ("error", not_carried)
            else:
                run.carried[name] = attempt.carried[name]
        else:
            run.decided[name] = ("error", why_not_carried(name, attempt, limits.whole(settings)))
    run.seconds = time.monotonic() - started
    if notebook is not None:
        run.executed = save_executed(job, plan, notebook, settings)
    return run


def carried_problem(text: str) -> Said | None:
    """Why a carry cell's line is no answer to judge (not JSON, or too large to carry), or None."""
    try:
        carried = json.loads(text)
    except ValueError:
        return say(M.NOT_READ, why="its data was cut or garbled")
    if not isinstance(carried, dict) or "state" not in carried:
        return say(M.NOT_READ, why="its data was not an answer")
    if carried["state"] == "not_carried":
        return say(M.NOT_DATA, why=str(carried.get("why", "")))
    return None


def why_not_carried(name: str, attempt: Attempt, notebook_seconds: float) -> Said:
    """Why an answer never came out of the student's kernel."""
    if name in attempt.carry_errors:
        return say(M.NOT_READ, why=attempt.carry_errors[name])
    if attempt.start_failure:
        return say(M.NO_START, why=attempt.start_failure)
    if attempt.out_of_time:
        return say(M.OUT_OF_TIME, seconds=round(notebook_seconds))
    return say(M.DIED_BEFORE)


def save_executed(job: Job, plan: list[PlannedCell], notebook, settings: Settings) -> str:
    """Keep what ran, with its outputs (without the grader's carry cells), for the instructor to read."""
    cells = [cell for planned, cell in zip(plan, notebook.cells, strict=False) if planned.kind != "carry"]
    notebook.cells = cells
    target = Path(settings.executed_dir) / job.display
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    return str(target)


def failed_worker(job: Job, error: BaseException) -> StudentRun:
    why = one_line(f"{type(error).__name__}: {error}")
    run = StudentRun(job, decided={e.name: ("error", say(M.WORKER_FAILED, why=why)) for e in job.lesson.exercises})
    run.notes.append(f"{job.display}: the grader's worker failed: {why}")
    return run


def prepare_and_time(lesson: Lesson, settings: Settings) -> tuple[Limits, list[str]]:
    """Before a lesson's students: the training cache filled (where the lesson trains and there is a
    cache) and its solutions timed. The kernel that times the solutions trains what the cache lacks
    where each training cell of theirs restores the course's training (the solutions before it
    cannot change it); otherwise the lesson's course kernel fills the cache first. The limits and
    any problems."""
    problems = []
    fills_cache = False
    if settings.cache_root and lesson_trains(lesson):
        answers = solution_answers(lesson)
        plan = student_plan(lesson, answers, set(), set(), settings.cache_root, settings.identity)
        fills_cache = every_training_restores(plan)
        problem = None if fills_cache else prepare_lesson(lesson, settings)
        if problem:
            problems.append(f"preparing the training cache: {problem}")
    limits, problem = time_solutions(lesson, settings, fills_cache)
    if problem:
        problems.append(f"{problem}; each answer cell gets --cell-timeout ({settings.cell_timeout} s)")
    return limits, problems


def grade_class(
    jobs: list[Job], settings: Settings, workers: int, progress: Callable[[str], None]
) -> tuple[list[StudentRun], dict[str, dict[str, tuple[str, str]]], list[str]]:
    """Every student notebook run and judged, ``workers`` kernels at a time.

    For each lesson: its solutions are timed (the limits of its answer cells) in a kernel that also
    trains what the cache lacks (only the course's own code writes it), then its students' kernels
    run (reading the cache), then its course kernel judges what they carried. Lessons overlap,
    so the workers stay busy. Returns the runs, the verdicts by notebook (its display name) and
    exercise, and the notes of the course kernels.
    """
    by_lesson: dict[str, list[Job]] = {}
    for job in jobs:
        by_lesson.setdefault(job.lesson.module, []).append(job)
    lessons: dict[str, Lesson] = {module: lesson_jobs[0].lesson for module, lesson_jobs in by_lesson.items()}
    runs: dict[str, list[StudentRun]] = {module: [] for module in by_lesson}
    verdicts: dict[str, dict[str, tuple[str, str]]] = {}
    notes: list[str] = []
    done_students = 0
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: dict[concurrent.futures.Future, tuple[str, str, Job | None]] = {}

        def start_students(module: str, limits: Limits) -> None:
            for job in by_lesson[module]:
                pending[pool.submit(run_student, job, settings, limits)] = ("student", module, job)

        for module, lesson in lessons.items():
            pending[pool.submit(prepare_and_time, lesson, settings)] = ("prepare", module, None)
        while pending:
            finished = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED).done
            for future in finished:
                kind, module, job = pending.pop(future)
                try:
                    result = future.result()
                except Exception as error:  # a worker process died
                    result = error
                if kind == "prepare":
                    if isinstance(result, BaseException):
                        result = (Limits(), [f"the grader's course kernel failed: {one_line(str(result))}"])
                    limits, problems = result
                    notes += [f"{lessons[module].name}: {problem}" for problem in problems]
                    start_students(module, limits)
                elif kind == "student":
                    run = failed_worker(job, result) if isinstance(result, BaseException) else result
                    runs[module].append(run)
                    done_students += 1
                    progress(student_line(done_students, len(jobs), run))
                    if len(runs[module]) == len(by_lesson[module]):
                        items = [(r.job.display, r.job.language, r.carried) for r in runs[module] if r.carried]
                        pending[pool.submit(judge_lesson, lessons[module], items, settings)] = ("judge", module, None)
                else:
                    if isinstance(result, BaseException):
                        message = f"the grader's course kernel failed: {one_line(f'{type(result).__name__}: {result}')}"
                        result = ({}, [f"{lessons[module].name}: {message}"])
                    lesson_verdicts, lesson_notes = result
                    verdicts.update(lesson_verdicts)
                    notes += lesson_notes
                    progress(f"judged {lessons[module].name}: {len(runs[module])} notebooks")
    return [run for module_runs in runs.values() for run in module_runs], verdicts, notes


def student_line(done: int, total: int, run: StudentRun) -> str:
    training = f", training {'/'.join(run.training)}" if run.training else ""
    errors = f", {len(run.decided)} error" if run.decided else ""
    return f"[{done}/{total}] {run.job.display} ({run.job.lesson.name}): ran in {run.seconds:.0f} s{training}{errors}"
