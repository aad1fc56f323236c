"""The version floors: each `>=` that pyproject.toml declares for the libraries the course is
built on is the `==` that requirements-floors.txt installs for `make test-floors`, so the
floors that are declared are the floors that are tested."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent
FLOOR_PACKAGES = ("torch", "transformers", "datasets", "evaluate", "accelerate")


def declared_floors() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floors = {}
    for requirement in project["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9][0-9.]*)", requirement.replace(" ", ""))
        assert match, f"pyproject.toml: {requirement!r} is not of the form name>=version"
        floors[match[1].lower()] = match[2]
    return floors


def pinned_floors() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements-floors.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements-floors.txt: {line!r} is not of the form name==version"
            pins[name.lower()] = version
    return pins


@pytest.mark.parametrize("package", FLOOR_PACKAGES)
def test_the_declared_floor_is_the_tested_version(package):
    floors, pins = declared_floors(), pinned_floors()
    assert package in floors, f"pyproject.toml declares no floor for {package}"
    assert package in pins, f"requirements-floors.txt does not install {package}"
    assert floors[package] == pins[package], (
        f"{package}: pyproject.toml declares >={floors[package]}, but make test-floors tests {pins[package]}"
    )


def test_torch_is_a_floor_and_never_a_pin():
    # A pin (or an upper bound) would make pip replace the CUDA build that Colab and Kaggle ship.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch = [requirement for requirement in project["dependencies"] if requirement.startswith("torch")]
    assert torch == [f"torch>={declared_floors()['torch']}"]
