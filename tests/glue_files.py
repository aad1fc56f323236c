"""GLUE-layout TSV files for the tests that build their own data folder."""

from __future__ import annotations

from pathlib import Path

HEADER = "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String"


def write_tsv(path: Path, lines: list[str], header: str = HEADER, encoding: str = "utf-8") -> Path:
    """Write ``lines`` under a GLUE MRPC header to ``path`` and return the path."""
    path.write_text("\n".join([header, *lines]) + "\n", encoding=encoding)
    return path
