"""Grade a class's exercise notebooks: grades, a class report, a feedback page per student, LMS files.

    python -m course grade SUBMISSIONS --out OUT [--sandbox auto|on|off] [--points FILE]
                           [--roster FILE] [--assignment NAME] [--jobs N] [--cell-timeout S] ...

SUBMISSIONS holds one folder per student with that student's exercise notebooks, as downloaded
from Colab, Kaggle or Jupyter (File > Download .ipynb), under any name and at any depth (or
Canvas's flat download, grouped by student). The stages, one module each: ``submissions``
(find the class, read the answers), ``plan`` (what runs), ``execute`` (the students' kernels,
in a sandbox where the machine has one), ``verdicts`` (the course kernels that judge the
answers as data), ``results`` (grades and points), ``report`` (what the instructor reads and
hands back) and ``lms`` (the grade-import file).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ..training_cache import identity
from .execute import grade_class
from .kernel import Settings
from .lessons import course_lessons
from .lms import RosterError, match, read_roster, write_import
from .points import COURSE_POINTS, PointsError, read_points
from .report import annotate_executed, write_outputs
from .results import grade_rows, notebook_results, student_languages, summary_rows
from .sandbox import MODES, SandboxError, choose
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
    parser.add_argument("--out", type=Path, required=True, help="where the grades, report and feedback go")
    parser.add_argument(
        "--sandbox",
        choices=MODES,
        default="auto",
        help="run students' kernels in bubblewrap: auto (where installed, the default), on (required), off",
    )
    parser.add_argument("--points", type=Path, help=f"points per exercise (default: {COURSE_POINTS.name})")
    parser.add_argument(
        "--roster", type=Path, help="the class list as Canvas or Moodle exports it: writes its import file"
    )
    parser.add_argument(
        "--assignment",
        default="Trainer course exercises",
        help="Canvas: the roster's assignment column to grade (scaled to its points possible), or a new one's name",
    )
    parser.add_argument(
        "--replace-comments", action="store_true", help="Moodle: replace feedback comments already on the worksheet"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="kernels at a time (default: cores)")
    parser.add_argument(
        "--cell-timeout",
        type=int,
        default=60,
        help="seconds one answer cell or check may take at least (default 60); a cell may also take "
        "five times what the course's solution of it takes on this machine, when that is more",
    )
    parser.add_argument(
        "--notebook-timeout",
        type=int,
        default=900,
        help="seconds for one notebook in all, at least (default 900; or five times the solutions' run)",
    )
    parser.add_argument("--cache", type=Path, help="trained models to reuse (default: OUT/.training-cache)")
    parser.add_argument("--no-cache", action="store_true", help="train every time, reuse nothing")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.cell_timeout < 1 or args.notebook_timeout < 1:
        parser.error("--jobs, --cell-timeout and --notebook-timeout must be at least 1")
    return args


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv=None, prog=None) -> int:
    args = parse_args(argv, prog)
    started = time.monotonic()
    cache = None if args.no_cache else (args.cache or args.out / ".training-cache").resolve()
    problems: list[str] = []
    lessons = course_lessons(problems=problems)
    try:
        check_folders(args.submissions, args.out, args.cache)
        sandbox = choose(args.sandbox, hidden=[args.submissions, args.out], readable=[cache] if cache else [])
        points = read_points(args.points or COURSE_POINTS, lessons)
        roster = read_roster(args.roster, args.assignment) if args.roster else None
    except (UsageError, SandboxError, PointsError, RosterError) as error:
        print(f"course grade: {error}", file=sys.stderr)
        return 2
    say(f"sandbox: {sandbox.why}")
    folder = discover(args.submissions, lessons)
    folder.notes[:0] = problems
    for note in folder.notes:
        say(f"note: {note}")
    threads = max(1, (os.cpu_count() or 1) // args.jobs)
    settings = Settings(
        args.cell_timeout,
        args.notebook_timeout,
        str(cache) if cache else None,
        identity(threads),
        threads,
        str((args.out / "executed").resolve()),
        sandbox,
    )
    say(f"grading {len(folder.jobs)} notebooks of {len(folder.students)} students, {args.jobs} kernels at a time")
    try:
        runs, verdicts, kernel_notes = (
            grade_class(folder.jobs, settings, args.jobs, say) if folder.jobs else ([], {}, [])
        )
    except KeyboardInterrupt:
        say("course grade: interrupted; no grades written")
        return 130
    results = notebook_results(runs, verdicts)
    notes_before = len(folder.notes)
    rows = grade_rows(folder, results, lessons, points)
    summary = summary_rows(rows, folder.students)
    notes = folder.notes + kernel_notes + [note for result in results for note in result.notes]
    for note in folder.notes[notes_before:] + kernel_notes:
        say(f"note: {note}")
    lms_file = None
    if roster is not None:
        match(roster, folder.students)
        totals = {row["student"]: row for row in summary}
        written = write_import(args.out, roster, totals, args.assignment, args.replace_comments)
        lms_file = written.path.name
        for line in written.lines:
            say(line)
        for note in roster.notes:
            say(f"note: {note}")
        notes += [*written.lines, *roster.notes]
        for name in roster.folders:
            say(f"note: roster: the folder {name!r} is not on {roster.file}; it is not in {lms_file}")
        for name in roster.entries:
            say(f"note: roster: {name} on {roster.file} has no folder; no grade written for them")
    annotate_executed(results, rows)
    write_outputs(
        args.out,
        rows,
        summary,
        student_languages(folder),
        lessons,
        notes,
        time.monotonic() - started,
        sandbox.why,
        roster,
        lms_file,
    )
    minutes = (time.monotonic() - started) / 60
    written = ", ".join(["summary.csv", "report.html", "feedback/", *([lms_file] if lms_file else [])])
    say(f"graded in {minutes:.1f} min: {args.out / 'grades.csv'}, {written}")
    return 0
