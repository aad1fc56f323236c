"""``python -m course site build`` and ``python -m course site check``: the website, built and checked."""

from __future__ import annotations

import sys

ACTIONS = {"build": "build the website into build/site/", "check": "check a built website in headless Chromium"}


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    prog = prog or "python -m course site"
    if not argv or argv[0] not in ACTIONS:
        choices = "\n".join(f"  {name:<6} {what}" for name, what in ACTIONS.items())
        wrong = f"{prog}: {argv[0]!r} is not an action.\n" if argv and argv[0] not in ("-h", "--help") else ""
        print(f"{wrong}usage: {prog} ACTION [options]\n\nactions:\n{choices}", file=sys.stderr if wrong else sys.stdout)
        return 2 if wrong or not argv else 0
    if argv[0] == "build":
        from .build import main as action
    else:
        from .check import main as action
    return action(argv[1:], prog=f"{prog} {argv[0]}")
