"""The course's tools, one command: ``python -m course COMMAND`` (or ``course COMMAND``).

Each command is a module of this package; ``python -m course COMMAND --help`` shows its options.
The make targets are one-line aliases of these commands.
"""

from __future__ import annotations

import importlib
import sys

# command -> (module, what it does). Modules load only when their command runs: the website's
# environment, for one, has no torch.
COMMANDS = {
    "run": ("course.notebooks", "execute the notebooks headless (--solutions, --zh-tw, --in-place)"),
    "colab": ("course.colab.cli", "run every notebook in twins of Colab's and Kaggle's runtimes (make test-colab)"),
    "grade": ("course.grade.cli", "grade a class's exercise notebooks: grades, report, feedback"),
    "latest": ("course.latest", "the course on the newest releases: requirements, versions, new deprecation warnings"),
    "site": ("course.site.cli", "build the website (site build) or check it in Chromium (site check)"),
    "zh-tw": ("course.i18n.zh_tw", "build or check the Traditional Chinese notebooks (notebooks/zh-TW/)"),
    "messages": ("course.i18n.messages", "extract, update and compile the message catalogs (helpers/locale)"),
    "data": ("course.data.mrpc", "write the bundled MRPC-style pairs (helpers/data/mrpc/)"),
    "local-copies": ("course.data.local_copies", "copy the full profile's model and data for use without the Hub"),
}


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [f"  {name:<{width}}  {what}" for name, (_, what) in COMMANDS.items()]
    return (
        "usage: python -m course COMMAND [options]\n\n"
        + __doc__.split("\n\n")[0]
        + "\n\ncommands:\n"
        + "\n".join(lines)
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"course: {name!r} is not a command. Fix: use one of: {', '.join(COMMANDS)}.\n", file=sys.stderr)
        print(usage(), file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    return module.main(rest, prog=f"python -m course {name}")


if __name__ == "__main__":
    sys.exit(main())
