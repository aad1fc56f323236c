"""``python -m course colab``: every notebook in the twin of each runtime, and the table of results."""

from __future__ import annotations

import argparse
import ast
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from ..catalog import BUILD, EN, HOSTED_RUNTIMES, LESSONS, ROOT, notebook_paths
from ..notebooks import correct_and_total, print_table, run_notebook
from . import __doc__ as colab_doc
from .runtime import TwinError, check_floors, display, parse_runtime
from .twin import Twin, build_twin, check_installed_course, find_python, install_course, write_kernel

# A lesson's summary: a figure that measures speed (varies with the machine) must only be positive;
# any other number must be within TOLERANCE of the committed notebook's (another torch trains a
# little differently); True, False and whole numbers (pairs, steps, epochs) must be equal.
TIMING = re.compile(r"seconds|/s\b|speed-up", re.IGNORECASE)
TOLERANCE = 0.05


# --- the notebooks -----------------------------------------------------------------------------


def committed_summary(notebook: Path) -> dict:
    """The ``summary`` the committed notebook shows in its last cell (its text/plain output)."""
    import nbformat

    cell = nbformat.read(notebook, as_version=4).cells[-1]
    for output in cell.get("outputs", []):
        text = output.get("data", {}).get("text/plain")
        if text:
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                return {}
            return value if isinstance(value, dict) else {}
    return {}


def summary_problems(figures: dict, committed: dict) -> list[str]:
    """What is wrong with a lesson's summary, next to the committed one's: missing or extra keys, a
    timing that is not positive, a number more than TOLERANCE away, a count or True/False that differs."""
    if not figures:
        return ["no summary"]
    problems = []
    missing, extra = sorted(set(committed) - set(figures)), sorted(set(figures) - set(committed))
    if missing:
        problems.append(f"summary lacks {', '.join(map(repr, missing))}")
    if extra:
        problems.append(f"summary has {', '.join(map(repr, extra))}, which the committed notebook does not")
    for key in committed.keys() & figures.keys():
        want, got = committed[key], figures[key]
        number = isinstance(got, int | float) and not isinstance(got, bool)
        if TIMING.search(key):
            if not (number and math.isfinite(got) and got > 0):
                problems.append(f"{key!r} is {got!r}, not a positive number")
        elif isinstance(want, int):  # bool too
            if got != want or isinstance(got, bool) != isinstance(want, bool):
                problems.append(f"{key!r} is {got!r}, the committed notebook's is {want!r}")
        elif isinstance(want, float) and not (number and math.isfinite(got) and abs(got - want) <= TOLERANCE):
            problems.append(f"{key!r} is {got!r}, more than {TOLERANCE} from the committed {want!r}")
    return problems


def run_notebooks(twin: Twin, names: list[str] | None) -> list[tuple[str, str, float, dict, list[str]]]:
    lessons = {lesson.name for lesson in LESSONS}
    notebooks = notebook_paths(EN)
    if names:
        notebooks = [nb for nb in notebooks if any(nb.stem.startswith(name) for name in names)]
    out_dir = BUILD / "colab" / twin.runtime.venv.name.removeprefix(".venv-")
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="course-twin-") as temporary:
        folder = Path(temporary)
        if ROOT in folder.resolve().parents:
            raise TwinError(f"the run folder {folder} lies inside the repository. Fix: point TMPDIR elsewhere.")
        kernels = write_kernel(twin, folder)
        workdir = folder / "run"
        workdir.mkdir()
        check_installed_course(twin, workdir)
        for notebook in notebooks:
            print(f"running {notebook.name} in the {twin.runtime.name} twin ...", flush=True)
            socket_dir = folder / "sockets" / notebook.stem
            socket_dir.mkdir(parents=True)
            solutions = notebook.stem not in lessons
            status, seconds, figures = run_notebook(
                notebook, out_dir / notebook.name, workdir, socket_dir, solutions, kernels=kernels
            )
            problems = []
            if status == "ok" and notebook.stem in lessons:
                problems = summary_problems(figures, committed_summary(notebook))
            elif status == "ok":
                counts = correct_and_total(figures.get("exercises", ""))
                if not counts or counts[1] == 0:
                    problems = [f"no exercise was checked ({figures})"]
            if problems:
                status = "FAILED"
            print(f"  {status} in {seconds:.0f} s", flush=True)  # the table comes at the end of the runtime
            rows.append((notebook.stem, status, seconds, figures, problems))
    return rows


# --- the command -------------------------------------------------------------------------------


def report(twin: Twin, rows, run_seconds: float) -> None:
    runtime = twin.runtime
    print(f"\n{runtime.label}: {runtime.source}")
    print(f"  Python {twin.version} ({runtime.name}: {runtime.python})")
    kept = ", ".join(f"{name} {version}" for name, version in twin.kept.items())
    print(f"  pip kept {runtime.name}'s {kept}")
    if twin.changed:
        changed = ", ".join(f"{name} {old} -> {new}" for name, (old, new) in twin.changed.items())
        print(f"  pip upgraded, as {display(runtime.path)} expects: {changed}")
    print(f"  pip added: {', '.join(f'{name} {version}' for name, version in twin.added.items())}")
    built = "reused" if twin.built_seconds is None else f"built in {twin.built_seconds:.0f} s"
    size = f"{twin.size_gb:.1f} GB"
    print(f"  twin {display(runtime.venv)}: {built}, {size}; course installed in {twin.course_seconds:.0f} s")
    print_table([row[:4] for row in rows])
    for name, _, _, _, problems in rows:
        for problem in problems:
            print(f"{name}: {problem}", file=sys.stderr)
    passed = sum(row[1] == "ok" for row in rows)
    print(
        f"\n{runtime.name} twin: {passed}/{len(rows)} notebooks passed in {run_seconds:.0f} s "
        f"(executed notebooks: {display(BUILD / 'colab' / runtime.venv.name.removeprefix('.venv-'))}/)"
    )


def main(argv=None, prog=None) -> int:
    parser = argparse.ArgumentParser(
        prog=prog, description=colab_doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("runtimes", nargs="*", type=Path, help=f"runtime files (default: {', '.join(HOSTED_RUNTIMES)})")
    parser.add_argument(
        "--torch-index",
        default=os.environ.get("COLAB_TORCH_INDEX") or None,
        help="an extra index for torch, e.g. PyTorch's CPU wheels (default: $COLAB_TORCH_INDEX; none: PyPI's build)",
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only the notebooks whose names start so")
    parser.add_argument(
        "--check", action="store_true", help="check the runtime files and the interpreters, build nothing"
    )
    args = parser.parse_args(argv)
    name = prog or "course colab"

    paths = args.runtimes or [ROOT / file for file in HOSTED_RUNTIMES]
    try:
        runtimes = [parse_runtime(path) for path in paths]
        for runtime in runtimes:
            check_floors(runtime)
        interpreters = [find_python(runtime) for runtime in runtimes]
    except TwinError as error:
        print(f"{name}: {error}", file=sys.stderr)
        return 2
    if args.check:
        for runtime, (python, version) in zip(runtimes, interpreters, strict=True):
            print(f"{runtime.label}: ok, Python {version} at {python}")
        return 0

    failed = False
    for runtime, (python, version) in zip(runtimes, interpreters, strict=True):
        try:
            twin = build_twin(runtime, python, version, args.torch_index)
            with tempfile.TemporaryDirectory(prefix="course-source-") as folder:
                install_course(twin, Path(folder))
            started = time.perf_counter()
            rows = run_notebooks(twin, args.only)
        except TwinError as error:
            print(f"{name}: {runtime.name}: {error}", file=sys.stderr)
            failed = True
            continue
        report(twin, rows, time.perf_counter() - started)
        failed = failed or any(row[1] != "ok" for row in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
