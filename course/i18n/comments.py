"""The comments of the code cells, found with Python's tokenizer (never a ``#`` inside a string): the
zh-TW build translates them, and the drift test compares code without them."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .zh_tw import Translation

DIRECTIVE = re.compile(r"#\s*(?:noqa(?::\s*[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*)?|type:|fmt:|pragma\b|ruff:)")


def is_commented_out_code(comment: str) -> bool:
    """``# q1.hint()``: a comment that is a line of Python with a call in it, for the reader to uncomment."""
    try:
        tree = ast.parse(comment.lstrip("#").strip())
    except SyntaxError:
        return False
    return any(isinstance(node, ast.Call) for node in ast.walk(tree))


def comment_tokens(source: str) -> list[tokenize.TokenInfo]:
    """The comments of a code cell, as Python's tokenizer finds them (never a ``#`` inside a string).
    Raises ``tokenize.TokenError`` or ``SyntaxError`` for code the tokenizer cannot read."""
    return [token for token in tokenize.generate_tokens(io.StringIO(source).readline) if token.type == tokenize.COMMENT]


def replace_comments(source: str, replace) -> str:
    """``source`` with each comment, and the code before it on its line, replaced by
    ``replace(code_before, comment)``; the rest of the line (its line break) is kept.
    A comment runs to the end of its line, so each line holds at most one."""
    lines = source.splitlines(keepends=True)
    for token in comment_tokens(source):
        (row, start), (_, end) = token.start, token.end
        line = lines[row - 1]
        lines[row - 1] = replace(line[:start], token.string) + line[end:]
    return "".join(lines)


def without_comments(source: str) -> str:
    """The code of a cell without its comments (and the spaces before them), found with Python's tokenizer:
    two cells whose code differs only in comments give the same text. Code the tokenizer cannot read
    is returned as it is."""
    try:
        return replace_comments(source, lambda code, comment: code.rstrip(" \t"))
    except (tokenize.TokenError, SyntaxError):
        return source


def same_code(one: str, other: str) -> bool:
    """The same code, comments aside (found with tokenize: strings, names and layout all count)."""
    return without_comments(one) == without_comments(other)


def translate_comments(source: str, comments: dict[str, Translation]) -> tuple[str, list[str]]:
    """A code cell with its comments translated from the comments table, and the comments it lacks."""
    missing = []

    def translated(code: str, comment: str) -> str:
        block = comments.get(comment)
        if block is None:
            missing.append(comment)
            return code + comment
        block.used = True
        return code + block.chinese

    return replace_comments(source, translated), missing


def safe_comment_tokens(source: str) -> list[tokenize.TokenInfo]:
    """The comments of a cell, or none when the tokenizer cannot read it (reported elsewhere)."""
    try:
        return comment_tokens(source)
    except (tokenize.TokenError, SyntaxError):
        return []
