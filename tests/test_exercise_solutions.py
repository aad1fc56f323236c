"""With every solution filled in, every exercise notebook ends with every exercise correct
(`make solutions` runs the same)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_exercise_notebook_ends_all_correct_with_the_solutions():
    done = subprocess.run(
        [sys.executable, "scripts/run_notebooks.py", "--solutions"],
        cwd=ROOT,
        env={**os.environ, "COURSE_PROFILE": "offline"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(done.stdout)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if "_exercises " in line]
    assert len(rows) == 7
    for row in rows:
        name, status, _, _, figures = row.split(maxsplit=4)
        correct, total = figures.removeprefix("exercises: ").removesuffix(" correct").split("/")
        assert status == "ok" and correct == total, row
