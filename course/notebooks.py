"""Execute the course notebooks headless and print a summary table.

    python -m course run                       # run all into build/notebooks/ (`make course`)
    python -m course run --in-place            # refresh the committed outputs
    python -m course run 03_trainer_training   # just one (name or prefix)
    python -m course run --solutions           # exercise notebooks with every solution filled in
    python -m course run --zh-tw --in-place    # the zh-TW twins (notebooks/zh-TW/), their own outputs

Each notebook runs in a fresh kernel with its working folder set to the build folder
(checkpoints go to build/runs/). The profile is whatever the environment selects;
`make course` and `make notebooks` set COURSE_PROFILE=offline. Each notebook's
``summary`` dictionary (its last cell) supplies the "key figures" column; for an
exercise notebook it is the ``progress()`` line of its last cell.

With ``--solutions`` each exercise notebook's answer cells (tagged ``answer-qN``) are
replaced by the solutions of its exercises, the notebooks go to build/solutions/, and a
notebook whose progress is not "N/N correct" counts as failed.

With ``--zh-tw`` the same runs take the Traditional Chinese twins in notebooks/zh-TW/
(built by `python -m course zh-tw build`), whose messages are Chinese: each twin keeps outputs
of its own, since its banner, checks and progress differ from the English ones.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from .catalog import BUILD, EN, LESSON_IMPORT, ROOT, ZH_TW, answer_tags, notebook_paths
from .kernels import KERNEL_NAME, clean_metadata, kernel_manager_class, local_kernel_config

CELL_TIMEOUT_S = 900
SUMMARY_CODE = "import json as _json; print(_json.dumps(globals().get('summary', {}), default=str))"


def progress_pattern() -> re.Pattern:
    """The first line progress() prints, e.g. ``2/3 correct``, in every language of the course."""
    from helpers.i18n import LANGUAGES, catalog

    lines = []
    for language in LANGUAGES:
        line = re.escape(catalog(language).gettext("{correct}/{total} correct"))
        lines.append(line.replace(r"\{correct\}", r"(\d+)", 1).replace(r"\{total\}", r"(\d+)", 1))
    return re.compile("^(?:" + "|".join(f"(?:{line})" for line in lines) + ")$", re.MULTILINE)


PROGRESS = progress_pattern()


def correct_and_total(text: str) -> tuple[int, int] | None:
    """(correct, total) from a progress line in any of the course's languages."""
    found = PROGRESS.search(text)
    if not found:
        return None
    numbers = [int(group) for group in found.groups() if group is not None]
    return numbers[0], numbers[1]


def read_key_figures(probe) -> dict:
    """Parse what the probe cell printed: the notebook's ``summary`` dict as JSON."""
    text = "".join(out.get("text", "") for out in probe.outputs if out.get("name") == "stdout")
    try:
        return json.loads(text) if text.strip() else {}
    except json.JSONDecodeError:
        return {}


def exercise_module(notebook):
    """The helpers.exercises module an exercise notebook imports its checks from."""
    for cell in notebook.cells:
        found = LESSON_IMPORT.search(cell.source)
        if found:
            return importlib.import_module(found.group(1))
    raise SystemExit("an exercise notebook must import its checks from helpers.exercises.lessonNN")


def fill_in_solutions(notebook) -> None:
    """Replace each answer cell (tag answer-qN) by the solution of exercise qN."""
    module = exercise_module(notebook)
    for cell in notebook.cells:
        for name in answer_tags(cell.metadata.get("tags", [])):
            cell.source = textwrap.dedent(getattr(module, name).solution_code).strip()


def progress_figures(notebook) -> dict:
    """``{"exercises": "3/3 correct"}`` from the output of an exercise notebook's progress() cell."""
    text = "".join(out.get("text", "") for out in notebook.cells[-1].get("outputs", []))
    found = PROGRESS.search(text)
    return {"exercises": found.group(0)} if found else {}


def run_notebook(
    source: Path, target: Path, workdir: Path, socket_dir: Path, solutions: bool = False, kernels: Path | None = None
) -> tuple[str, float, dict]:
    """Execute ``source`` in a fresh kernel working in ``workdir``; save it as ``target``.

    The kernel is this environment's, or with ``kernels`` the spec ``python3`` of that folder of kernel
    specs (another environment's Python). Returns the status, the seconds and the key figures.
    """
    notebook = nbformat.read(source, as_version=4)
    if solutions:
        fill_in_solutions(notebook)
    other_kernel = {} if kernels is None else {"kernel_manager_class": kernel_manager_class(kernels)}
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(workdir)}},
        record_timing=False,
        config=local_kernel_config(socket_dir),
        **other_kernel,
    )
    # An extra last cell prints the summary; it is removed before the notebook is saved.
    probe = nbformat.v4.new_code_cell(SUMMARY_CODE)
    notebook.cells.append(probe)
    started = time.perf_counter()
    status = "ok"
    try:
        client.execute()
    except CellExecutionError as error:
        status = "FAILED"
        print(f"\n{source.name} failed:\n{str(error)[-3000:]}", file=sys.stderr)
    seconds = time.perf_counter() - started
    figures = read_key_figures(notebook.cells.pop()) or progress_figures(notebook)
    if solutions and status == "ok":
        counts = correct_and_total(figures.get("exercises", ""))
        if not counts or counts[0] != counts[1]:
            status = "FAILED"
            print(f"\n{source.name}: with every solution filled in, progress is {figures}", file=sys.stderr)
    clean_metadata(notebook)
    nbformat.write(notebook, target)
    return status, seconds, figures


def print_table(rows) -> None:
    print()
    print(f"{'notebook':<34} {'status':<7} {'seconds':>8}  key figures")
    print("-" * 100)
    for name, status, seconds, figures in rows:
        text = ", ".join(f"{key}: {value}" for key, value in figures.items())
        print(f"{name:<34} {status:<7} {seconds:>8.1f}  {text}")


def main(argv=None, prog=None) -> int:
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help="notebook names or prefixes (default: all)")
    parser.add_argument("--in-place", action="store_true", help="write outputs back into notebooks/")
    parser.add_argument(
        "--solutions", action="store_true", help="run the exercise notebooks with every solution filled in"
    )
    parser.add_argument("--zh-tw", action="store_true", help="run the zh-TW twins in notebooks/zh-TW/ instead")
    args = parser.parse_args(argv)
    if args.in_place and args.solutions:
        parser.error("--solutions writes to build/solutions/; the committed notebooks keep their blanks")

    edition = ZH_TW if args.zh_tw else EN
    source_dir = edition.folder
    notebooks = notebook_paths(edition)
    missing = [path for path in notebooks if not path.is_file()]
    if missing:
        names = ", ".join(str(path.relative_to(ROOT)) for path in missing)
        print(
            f"course run: {names} missing. Fix: restore it (git checkout), or for zh-TW run `make zh-tw`.",
            file=sys.stderr,
        )
        return 2
    if args.solutions:
        notebooks = [nb for nb in notebooks if nb.stem.endswith("_exercises")]
    if args.names:
        notebooks = [nb for nb in notebooks if any(nb.stem.startswith(name) for name in args.names)]
        if not notebooks:
            print(
                f"No notebook matches {args.names}; choose from {source_dir.relative_to(ROOT)}/*.ipynb.",
                file=sys.stderr,
            )
            return 2
    out_dir = source_dir if args.in_place else BUILD / ("solutions" if args.solutions else "notebooks")
    if args.zh_tw and not args.in_place:
        out_dir = out_dir / ZH_TW.site
    out_dir.mkdir(parents=True, exist_ok=True)
    BUILD.mkdir(exist_ok=True)

    rows = []
    with tempfile.TemporaryDirectory(prefix="course-kernels-") as sockets:
        for notebook in notebooks:
            print(f"running {notebook.name} ...", flush=True)
            socket_dir = Path(sockets) / notebook.stem
            socket_dir.mkdir()
            status, seconds, figures = run_notebook(
                notebook, out_dir / notebook.name, BUILD, socket_dir, args.solutions
            )
            rows.append((notebook.stem, status, seconds, figures))
    print_table(rows)
    print(f"\nexecuted notebooks: {out_dir.relative_to(ROOT)}/")
    return 0 if all(row[1] == "ok" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
