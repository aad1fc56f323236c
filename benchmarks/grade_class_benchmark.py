"""Time the class grader on a synthetic class built from the committed exercise notebooks.

    python benchmarks/grade_class_benchmark.py [--students 30] [--jobs N] [--out build/grade-benchmark]

Writes OUT/submissions (every exercise notebook for each student: half the class with
every solution, the rest blanks, wrong answers, answers that raise and a mix; a fifth
with their own top-level code in the answer before lesson 5's training cell), runs
``python -m course grade`` on it with an empty training cache (in its sandbox, where the machine
has bubblewrap), as an instructor would, and prints the wall time, the statuses, the seconds per
notebook and how many of the students' trainings were restored or ran.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from course.grade.synthetic import build_class

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    """CPU model and core count, and the load when the run starts."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line]
        model = names[0] if names else model
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{model}, {os.cpu_count()} cores, load {load:.2f} at the start"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "grade-benchmark")
    parser.add_argument("--sandbox", choices=["auto", "on", "off"], default="auto")
    args = parser.parse_args(argv)

    submissions, grades = args.out / "submissions", args.out / "grades"
    shutil.rmtree(args.out, ignore_errors=True)
    notebooks = build_class(submissions, args.students)
    print(f"{len(notebooks)} notebooks of {args.students} students in {submissions}; {machine()}", flush=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "course", "grade", str(submissions), "--out", str(grades)] + ["--jobs", str(args.jobs)],
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - started
    (args.out / "grader.log").write_text(done.stderr)
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return done.returncode
    with (grades / "grades.csv").open(newline="", encoding="utf-8") as handle:
        statuses = Counter(row["status"] for row in csv.DictReader(handle))
    # One line per student notebook: "[3/210] ada (05_compute_metrics): ran in 12 s, training restored".
    seconds_by_lesson: dict[str, list[float]] = {}
    trainings: Counter[str] = Counter()
    lines = done.stderr.splitlines()
    for line in lines:
        found = re.search(r"\((\d\d)_[a-z_]+\): ran in (\d+) s(?:, training ([a-z/ ]+))?", line)
        if found:
            seconds_by_lesson.setdefault(found.group(1), []).append(float(found.group(2)))
            trainings.update(found.group(3).split("/") if found.group(3) else [])
    means = ", ".join(f"{lesson}: {sum(v) / len(v):.1f}" for lesson, v in sorted(seconds_by_lesson.items()))
    print(lines[0])
    print(f"graded {len(notebooks)} notebooks in {seconds / 60:.1f} min ({seconds:.0f} s) with --jobs {args.jobs}")
    print(f"seconds per student notebook (wall, {args.jobs} at a time), mean by lesson: {means}")
    print(f"statuses: {dict(statuses)}")
    print(
        f"students' training cells: {dict(trainings)} (restored: the course kernel's training, from the cache; "
        "alone: a student whose answer may change the training trains in their own kernel; "
        "the course kernels' own trainings are not in this count)"
    )
    print(f"log: {args.out / 'grader.log'}; report: {grades / 'report.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
