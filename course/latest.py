"""The course on the newest releases of its libraries: ``make test-latest`` (``.github/workflows/latest.yml``).

    python -m course.latest requirements       # requirements.txt's names but torch's, one a line, no versions
    python -m course.latest versions           # what this environment got, beside requirements.txt's pins
    python -m course.latest warnings           # run the notebooks here, then compare their warnings
    python -m course.latest warnings --no-run  # compare what an earlier run left in build/latest/notebooks/

``make test-latest`` builds ``.venv-latest`` afresh: torch's newest CPU build, then ``pip install
--upgrade`` of every other name in requirements.txt (newest releases, whatever the pins say), the
course itself; prints ``versions``; runs the tests and nbval as ``make test`` does; then ``warnings``.

``warnings`` executes every English notebook and every zh-TW exercise notebook with the course's runner
(``course.notebooks.run_notebook``) in this environment's Python, offline profile, no training cache,
into build/latest/notebooks/ (zh-TW/ beside). Then it reads each executed notebook's stream outputs
(what the student sees) and fails, naming the notebook, the cell and the warning, for every
deprecation warning (``DeprecationWarning``, ``PendingDeprecationWarning``, ``FutureWarning``, or a
library's own line saying that something is ``deprecated`` or ``will be removed``) that the committed
notebook's outputs do not already show. A warning is compared without the file and line that Python's
warnings put before it: those differ from one environment to another.

Only the standard library is imported at the top: ``requirements`` runs before anything is installed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .catalog import BUILD, EN, ROOT, ZH_TW, notebook_paths

REQUIREMENTS = ROOT / "requirements.txt"
OUT = BUILD / "latest"
# torch is installed first and on its own (its CPU build), so ``pip install --upgrade`` leaves it out.
SEPARATE = {"torch"}
# Libraries the course does not name that the newest releases pull in; printed with the others.
PULLED_IN = ("tokenizers", "safetensors", "kernels", "pyarrow", "jupyter_client")

REQUIREMENT = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:[=<>!~].*)?")
# A line of an output that announces a deprecation. Python's warnings module writes
# ``FILE:LINE: FutureWarning: MESSAGE``; transformers' and other libraries' loggers write a line that
# says what ``is deprecated`` or ``will be removed``.
DEPRECATION = re.compile(
    r"\b(?:Pending)?DeprecationWarning\b|\bFutureWarning\b|\bdeprecated\b|\bwill be removed\b", re.IGNORECASE
)
# ``/x/site-packages/transformers/trainer.py:123: `` before ``FutureWarning: ...``: differs between environments.
WHERE = re.compile(r"^.*?:\d+: (?=\w+:)")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --- requirements.txt and the versions -----------------------------------------------------------


def requirement_names(text: str) -> list[str]:
    """The distributions requirements.txt names, in its order, without versions, torch left out."""
    names = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        found = REQUIREMENT.fullmatch(line)
        if not found:
            raise ValueError(f"requirements.txt: {line!r} is not NAME==VERSION. Fix: write it as pip freeze does.")
        if found.group(1).lower() not in SEPARATE:
            names.append(found.group(1))
    return names


def pins(text: str) -> dict[str, str]:
    """{name: version} of requirements.txt's ``name==version`` lines."""
    found = (re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", raw.split("#", 1)[0].strip()) for raw in text.splitlines())
    return {match.group(1): match.group(2) for match in found if match}


def print_versions() -> None:
    """Each library of requirements.txt (torch first) and those it pulled in: the version here, the pin."""
    from importlib.metadata import PackageNotFoundError, version

    pinned = pins(REQUIREMENTS.read_text(encoding="utf-8"))
    print(f"newest releases (Python {sys.version.split()[0]}), beside requirements.txt's pins:")
    for name in [*pinned, *PULLED_IN]:
        try:
            got = version(name)
        except PackageNotFoundError:
            got = "not installed"
        pin = pinned.get(name)
        note = "" if pin is None else ("  (the pin)" if got.split("+")[0] == pin else f"  (pinned {pin})")
        print(f"  {name:<22} {got}{note}")


# --- the warnings of a notebook --------------------------------------------------------------------


def deprecations(text: str) -> list[str]:
    """The deprecation warnings in an output's text, each once, in order, without the file and line
    before them (nor ANSI colours), whitespace collapsed. The source line Python's warnings module
    prints after its warning (indented) is not a warning of its own."""
    found: list[str] = []
    after_warning = False
    for raw in ANSI.sub("", text).splitlines():
        if after_warning and raw[:1].isspace():
            after_warning = False
            continue
        line = " ".join(WHERE.sub("", raw).split())
        after_warning = WHERE.match(raw) is not None
        if DEPRECATION.search(line) and line not in found:
            found.append(line)
    return found


def cell_deprecations(cell: dict) -> list[str]:
    """The deprecation warnings in a code cell's stream outputs (stdout and stderr)."""
    text = "\n".join(
        "".join(output.get("text", "")) for output in cell.get("outputs", []) if output.get("output_type") == "stream"
    )
    return deprecations(text)


@dataclass(frozen=True)
class NewWarning:
    notebook: str  # notebooks/03_trainer_training.ipynb
    cell: int  # 1 for the first cell
    code: str  # the cell's first line, to find it
    warning: str

    def __str__(self) -> str:
        return f"{self.notebook}, cell {self.cell} ({self.code}): {self.warning}"


def new_warnings(executed: dict, committed: dict, name: str) -> list[NewWarning]:
    """Every deprecation warning that an output of ``executed`` shows and no output of ``committed`` does:
    the notebook ``name`` run on the newest releases, and as the repository holds it."""
    known = {warning for cell in committed.get("cells", []) for warning in cell_deprecations(cell)}
    found = []
    for number, cell in enumerate(executed.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", ""))
        code = next((line.strip() for line in source.splitlines() if line.strip()), "")
        code = code if len(code) <= 60 else code[:57] + "..."
        for warning in cell_deprecations(cell):
            if warning not in known:
                found.append(NewWarning(name, number, code, warning))
    return found


# --- running the notebooks -------------------------------------------------------------------------


def latest_notebooks() -> list[tuple[Path, Path]]:
    """(committed notebook, its executed copy): every English notebook, every zh-TW exercise notebook."""
    english = [(path, OUT / "notebooks" / path.name) for path in notebook_paths(EN)]
    chinese = [
        (path, OUT / "notebooks" / ZH_TW.site / path.name)
        for path in notebook_paths(ZH_TW)
        if path.stem.endswith("_exercises")
    ]
    return english + chinese


def write_kernel(folder: Path) -> Path:
    """A kernel spec of this Python (the newest releases' environment), with the offline profile."""
    from .kernels import KERNEL_NAME, KERNELSPEC

    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    kernel = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": KERNELSPEC["display_name"],
        "language": "python",
        "env": {"COURSE_PROFILE": "offline"},
    }
    (spec / "kernel.json").write_text(json.dumps(kernel, indent=1))
    return spec.parent


def run_notebooks(pairs: list[tuple[Path, Path]]) -> list[str]:
    """Execute each committed notebook into its copy with the course's runner; the names of those that failed."""
    from .notebooks import print_table, run_notebook

    rows, failed = [], []
    workdir = OUT / "work"  # checkpoints go to build/latest/work/runs/
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="course-latest-") as temporary:
        kernels = write_kernel(Path(temporary))
        for source, target in pairs:
            print(f"running {source.relative_to(ROOT)} on the newest releases ...", flush=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            socket_dir = Path(temporary) / "sockets" / f"{source.parent.name}-{source.stem}"
            socket_dir.mkdir(parents=True)
            status, seconds, figures = run_notebook(source, target, workdir, socket_dir, kernels=kernels)
            rows.append((str(source.relative_to(EN.folder).with_suffix("")), status, seconds, figures))
            if status != "ok":
                failed.append(str(source.relative_to(ROOT)))
    print_table(rows)
    return failed


def compare(pairs: list[tuple[Path, Path]]) -> tuple[list[NewWarning], list[str]]:
    """The new deprecation warnings of every executed copy, and the notebooks that have no executed copy."""
    import nbformat

    found, missing = [], []
    for source, target in pairs:
        name = str(source.relative_to(ROOT))
        if not target.is_file():
            missing.append(name)
            continue
        executed = nbformat.read(target, as_version=4)
        committed = nbformat.read(source, as_version=4)
        found.extend(new_warnings(executed, committed, name))
    return found, missing


def check_warnings(run: bool, only: list[str] | None) -> int:
    pairs = latest_notebooks()
    if only:
        pairs = [pair for pair in pairs if any(pair[0].stem.startswith(name) for name in only)]
        if not pairs:
            print(f"course.latest: no notebook starts with {only}. Fix: name one of notebooks/.", file=sys.stderr)
            return 2
    failed = run_notebooks(pairs) if run else []
    found, missing = compare(pairs)
    where = OUT.relative_to(ROOT) if ROOT in OUT.parents else OUT
    for name in failed:
        print(f"{name}: failed to run on the newest releases (its error is above).", file=sys.stderr)
    if missing:
        print(
            f"course.latest: no executed copy of {', '.join(missing)} in {where}/notebooks/. "
            "Fix: run `python -m course.latest warnings` without --no-run.",
            file=sys.stderr,
        )
    for warning in found:
        print(f"new deprecation warning: {warning}", file=sys.stderr)
    if found:
        notebooks = len({warning.notebook for warning in found})
        print(
            f"\n{len(found)} new deprecation warning(s) in {notebooks} notebook(s) on the newest releases: the course "
            "uses something they deprecate. Fix: move that cell to what the warning says to use instead, if the "
            "pinned versions have it too; else note it for the next change of pins.",
            file=sys.stderr,
        )
    if not (found or missing or failed):
        print(f"\nno new deprecation warning in {len(pairs)} notebooks (executed copies: {where}/notebooks/)")
    return 1 if (found or missing or failed) else 0


def main(argv=None, prog=None) -> int:
    parser = argparse.ArgumentParser(
        prog=prog or "python -m course.latest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("requirements", help="requirements.txt's names but torch's, one a line")
    commands.add_parser("versions", help="the versions this environment got, beside the pins")
    check = commands.add_parser("warnings", help="run the notebooks, fail on a new deprecation warning")
    check.add_argument("--no-run", action="store_true", help="compare the executed copies an earlier run left")
    check.add_argument("--only", nargs="+", metavar="NAME", help="only the notebooks whose names start so")
    args = parser.parse_args(argv)
    if args.command == "requirements":
        try:
            print("\n".join(requirement_names(REQUIREMENTS.read_text(encoding="utf-8"))))
        except ValueError as error:
            print(f"course.latest: {error}", file=sys.stderr)
            return 2
        return 0
    if args.command == "versions":
        print_versions()
        return 0
    return check_warnings(run=not args.no_run, only=args.only)


if __name__ == "__main__":
    sys.exit(main())
