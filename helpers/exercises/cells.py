"""What happens to the notebook's cells, for the checks: the names a cell's code sets, and
whether the last cell that set a name failed. The class grader reads answer cells with the
same :func:`assigned_names`."""

from __future__ import annotations

import ast
import re

# Name -> the error of the last cell that sets it, while that cell's last run failed.
failed_cells: dict[str, BaseException] = {}
# Name -> the code of the last cell that set it and ran without an error: for a check that judges
# how an answer was computed, not only its value (lesson 7's pair read as one text), and for
# q1.check(), which runs that cell again on a variant of its inputs (helpers/exercises/variants.py).
answer_cells: dict[str, str] = {}


def assigned_names(code: str) -> set[str]:
    """The names a cell's code sets at its top level (assignments, ``def``, ``class``, imports,
    loop targets), not those local to a function it defines. Code that does not parse (the
    student's syntax error) is read line by line for ``name =`` and ``def name``."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        found = re.findall(r"^\s*(?:def\s+|class\s+)?([A-Za-z_]\w*)\s*(?:[-+*/]?=(?!=)|\(|:)", code, re.MULTILINE)
        return set(found)
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            return  # its body is another scope
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def record_cell(code: str, error: BaseException | None) -> None:
    """Remember, for each name the cell sets, whether the cell's last run failed."""
    for name in assigned_names(code):
        if error is None:
            failed_cells.pop(name, None)
            answer_cells[name] = code
        else:
            failed_cells[name] = error


def joins_names(code: str, first: str, second: str) -> bool:
    """Whether the code builds one string out of the names ``first`` and ``second``: ``a + " " + b``,
    an f-string or ``str.format`` with both, or ``" ".join([a, b])``. A pair handed over as two
    texts (``{"text": a, "text_pair": b}``, ``text_pair=b``) is not a join."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False

    def names_in(node: ast.AST) -> set[str]:
        return {child.id for child in ast.walk(node) if isinstance(child, ast.Name)}

    for node in ast.walk(tree):
        joined = (
            (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)))
            or isinstance(node, ast.JoinedStr)
            or (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("join", "format")
                and isinstance(node.func.value, ast.Constant)
            )
        )
        if joined and {first, second} <= names_in(node):
            return True
    return False


def _after_cell(result) -> None:
    """IPython's ``post_run_cell`` event: the cell's source and its error, if any."""
    info = result.info
    code = getattr(info, "transformed_cell", None) or getattr(info, "raw_cell", None) or ""
    record_cell(code, result.error_before_exec or result.error_in_exec)


def watch_answer_cells(shell=None) -> bool:
    """In IPython (a notebook), follow every cell's run from now on, so that a check can tell a
    failed answer cell from one never run. Called when a lesson's exercises are imported; once
    per shell. Returns whether a shell was found."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None:
        return False
    if _after_cell not in shell.events.callbacks["post_run_cell"]:
        shell.events.register("post_run_cell", _after_cell)
    return True
