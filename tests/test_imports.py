"""Every import inside the course's own packages names a module that exists, including the imports
inside functions, which only run on the path that needs them (make test-colab once stopped with a
ModuleNotFoundError after a module moved)."""

from __future__ import annotations

import ast
import importlib.util

import pytest

from course.catalog import ROOT

PACKAGES = ("course", "helpers")


def own_imports() -> list[tuple[str, int, str]]:
    """(file, line, module) for every ``from X import`` and ``import X`` of the course's packages."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            here = path.relative_to(ROOT).with_suffix("").parts[:-1]  # the file's package
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom):
                    if node.level:
                        base = here[: len(here) - node.level + 1]
                        module = ".".join([*base, node.module] if node.module else base)
                    else:
                        module = node.module or ""
                    if module.split(".")[0] in PACKAGES:
                        found.append((str(path.relative_to(ROOT)), node.lineno, module))
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.name.split(".")[0] in PACKAGES:
                            found.append((str(path.relative_to(ROOT)), node.lineno, alias.name))
    return found


@pytest.mark.parametrize("where, line, module", own_imports())
def test_the_module_exists(where, line, module):
    assert importlib.util.find_spec(module) is not None, f"{where}:{line} imports {module}, which does not exist"
