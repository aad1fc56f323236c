"""Grade a class's exercise notebooks: grades.csv, summary.csv and a class report.

    python -m course grade SUBMISSIONS --out OUT [--jobs N] [--cell-timeout S] [--notebook-timeout S]

SUBMISSIONS holds one folder per student with that student's exercise notebooks, as
downloaded from Colab, Kaggle or Jupyter (File > Download .ipynb), under any name and
at any depth. The stages, one module each: ``submissions`` (find the class, read the
answers), ``plan`` (what runs), ``execute`` (the kernels), ``results`` (the grades) and
``report`` (the files an instructor reads).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .execute import Settings, run_jobs
from .lessons import course_lessons
from .plan import course_identity
from .report import write_outputs
from .results import grade_rows
from .submissions import discover


class UsageError(Exception):
    """A problem with the command line; the message names the fix."""


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


def parse_args(argv, prog=None):
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
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


def main(argv=None, prog=None) -> int:
    args = parse_args(argv, prog)
    try:
        check_folders(args.submissions, args.out, args.cache)
    except UsageError as error:
        print(f"course grade: {error}", file=sys.stderr)
        return 2

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
        print("course grade: interrupted; no grades written", file=sys.stderr)
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
