"""``python -m course site build`` and ``python -m course site check``: the website, built and checked.

``site check`` runs the browser tests, tests/site/ (pytest): they build the site into a temporary
folder, check every page in headless Chromium and break copies of it to see each check fail.
Options after ``check`` go to pytest (e.g. ``-k search``). Screenshots of a lesson page and a
docs page go to build/site-screenshots/ (SITE_SCREENSHOTS to change).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

from ..catalog import ROOT

ACTIONS = {
    "build": "build the website into build/site/",
    "check": "check the website in headless Chromium (tests/site/)",
}
TESTS = ROOT / "tests" / "site"


def check(argv: list[str], prog: str) -> int:
    if importlib.util.find_spec("pytest") is None or importlib.util.find_spec("playwright") is None:
        print(
            f"{prog}: pytest and Playwright are not installed for {sys.executable}. "
            "Fix: run `make test-site`, which installs requirements-site-test.txt into .venv-site.",
            file=sys.stderr,
        )
        return 1
    if not TESTS.is_dir():
        print(f"{prog}: no {TESTS}. Fix: run it from a clone of the course repository.", file=sys.stderr)
        return 1
    env = dict(os.environ, SITE_TEST_REQUIRE_BROWSER="1")
    env.setdefault("SITE_SCREENSHOTS", "build/site-screenshots")
    # --confcutdir: the browser tests need none of tests/conftest.py (the course's fixtures, torch).
    command = [sys.executable, "-m", "pytest", "--confcutdir", str(TESTS), "-p", "no:cacheprovider", str(TESTS)]
    return subprocess.run(command + argv, cwd=ROOT, env=env).returncode


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    prog = prog or "python -m course site"
    if not argv or argv[0] not in ACTIONS:
        choices = "\n".join(f"  {name:<6} {what}" for name, what in ACTIONS.items())
        wrong = f"{prog}: {argv[0]!r} is not an action.\n" if argv and argv[0] not in ("-h", "--help") else ""
        print(f"{wrong}usage: {prog} ACTION [options]\n\nactions:\n{choices}", file=sys.stderr if wrong else sys.stdout)
        return 2 if wrong or not argv else 0
    if argv[0] == "check":
        return check(argv[1:], f"{prog} check")
    from .build import main as build

    return build(argv[1:], prog=f"{prog} build")
