"""A runtime file (colab-runtime.txt, kaggle-runtime.txt): its format, and the course's floors it must meet."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..catalog import ROOT

PYPROJECT = ROOT / "pyproject.toml"
REQUIREMENTS = ROOT / "requirements.txt"


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
