"""Build the course website: build/site/ in English, build/site/zh-TW/ in Traditional Chinese.

    python -m course site build [--out build/site]      (`make site` installs what it needs)

The site is Sphinx's configuration (website/conf.py: MyST-NB, the book theme) and a small
extension (course/site/extension.py); nothing is executed. Each edition is one Sphinx build of
a source folder that mirrors the repository, build/site-src/<edition>/src: the edition's
README, docs/ pages and notebooks at their paths, and its home page website/<edition>/index.md,
which includes the README between two markers. So every link among README, docs pages and
notebooks works on the site as on GitHub. This module checks the input first (one line, with
its fix, for a missing notebook, docs page or marker), stages the files and runs both builds
side by side.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ..catalog import DOCS, EDITIONS, EN, ZH_TW, Edition, notebook_names
from ..catalog import ROOT as REPO

WEBSITE = REPO / "website"
# ```{include} /README.md  with its options (:start-after: <!-- start: home page -->)
INCLUDE = re.compile(r"^```\{include\}\s+(\S+)\n((?::[\w-]+:.*\n)*)", re.MULTILINE)
MARKER_OPTIONS = ("start-after", "end-before")
# What Sphinx says about a page: "docs/grading.md:12: WARNING: ... [myst.xref_missing]".
SPHINX_PROBLEM = re.compile(r"^(?:(?P<where>[^\s:]+(?::\d+)?):? )?(?:WARNING|ERROR|CRITICAL): (?P<message>.+)$", re.M)


class SiteError(Exception):
    """Bad input for the site, said in one line with its fix."""


# --- the input --------------------------------------------------------------------------------


def lesson_names(repo: Path = REPO) -> list[str]:
    """The lesson and exercise notebooks in reading order (the catalog's), each with its zh-TW twin."""
    folder = repo / EN.notebooks
    if not folder.is_dir():
        raise SiteError(f"no notebooks folder in {repo}. Fix: run the build from a clone of the course repository.")
    names = notebook_names()
    for name in names:
        if not (repo / EN.notebook_path(name)).is_file():
            raise SiteError(
                f"{EN.notebook_path(name)} is missing. Fix: check out the notebooks (git checkout notebooks)."
            )
    twins = sorted(path.stem for path in (repo / ZH_TW.notebooks).glob("*.ipynb"))
    for name in names:
        if name not in twins:
            raise SiteError(
                f"{ZH_TW.notebook_path(name)} is missing: every lesson page needs its zh-TW twin. "
                f"Fix: translate it (translations/zh-TW/{name}.md) and run `make zh-tw`."
            )
    for name in twins:
        if name not in names:
            raise SiteError(
                f"{ZH_TW.notebook_path(name)} has no English notebook {EN.notebook_path(name)}. "
                "Fix: delete it or add the English notebook, then run `make zh-tw`."
            )
    for path in [edition.notebook_path(name) for edition in EDITIONS for name in names]:
        try:
            json.loads((repo / path).read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise SiteError(
                f"{path} cannot be read as a notebook ({type(error).__name__}: {error}). "
                f"Fix: restore it (git checkout -- {path})."
            ) from None
    return names


def check_docs(repo: Path = REPO) -> None:
    """Every docs page of the catalog in both editions, and no page the catalog does not list."""
    for edition in EDITIONS:
        for page in DOCS:
            if not (repo / edition.doc_path(page)).is_file():
                twin = f" (the twin of {EN.doc_path(page)})" if edition != EN else ""
                raise SiteError(
                    f"{edition.doc_path(page)} is missing{twin}. Fix: write it, with the same sections as "
                    f"{EN.doc_path(page)}, or take '{page}' out of DOCS in course/catalog.py."
                )
        for path in sorted((repo / edition.docs).glob("*.md")):
            if path.stem not in DOCS:
                raise SiteError(
                    f"{edition.docs}/{path.name} is not in DOCS in course/catalog.py, so no page of the site. "
                    "Fix: add it to DOCS (its place in the contents) or delete it."
                )


def check_includes(edition: Edition, repo: Path = REPO) -> None:
    """The files the edition's home page includes, and the markers it includes them between."""
    page = repo / "website" / edition.code / "index.md"
    shown = page.relative_to(repo)
    if not page.is_file():
        raise SiteError(f"{shown} is missing: the {edition.code} edition's home page. Fix: git checkout -- {shown}")
    text = page.read_text(encoding="utf-8")
    for match in INCLUDE.finditer(text):
        included = match.group(1).lstrip("/")
        if not (repo / included).is_file():
            raise SiteError(f"{shown} includes {included}, which is missing. Fix: git checkout -- {included}")
        content = (repo / included).read_text(encoding="utf-8")
        for option, marker in re.findall(r"^:([\w-]+):\s*(.*)$", match.group(2), flags=re.MULTILINE):
            if option in MARKER_OPTIONS and marker.strip() not in content:
                raise SiteError(
                    f"{included} lacks the line {marker.strip()}, where {shown} starts or ends what it shows "
                    f"({option}). Fix: put the line back in {included}, or change {shown}."
                )


def stage(edition: Edition, src: Path, repo: Path = REPO) -> None:
    """The edition's source folder: its home page, and copies of its README, docs pages and
    notebooks at their paths in the repository (copies, not links: Sphinx resolves a link to
    its target, which would put the page outside the folder)."""
    src.mkdir(parents=True)
    shutil.copyfile(repo / "website" / edition.code / "index.md", src / "index.md")
    files = [edition.readme, *(edition.doc_path(page) for page in DOCS)]
    files += [edition.notebook_path(name) for name in notebook_names()]
    for path in files:
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(repo / path, src / path)


# --- the build --------------------------------------------------------------------------------


def run_sphinx(edition: Edition, work: Path) -> subprocess.Popen:
    """Sphinx on work/src into work/html (MyST-NB keeps its copies in work/jupyter_execute).
    Its messages are read back as text, so they come without colour even where FORCE_COLOR is set."""
    env = dict(os.environ, SITE_EDITION=edition.code, PYTHONWARNINGS="ignore")
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-E", "--no-color"]
    command += ["-c", str(WEBSITE), "-d", str(work / "doctrees"), str(work / "src"), str(work / "html")]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def sphinx_problem(output: str, edition: Edition) -> SiteError:
    """Sphinx's first complaint about a page, as one line with its fix (the others are printed)."""
    found = list(SPHINX_PROBLEM.finditer(output))
    if not found:
        print(output, file=sys.stderr)
        return SiteError(f"Sphinx stopped on the {edition.code} edition: see its messages above.")
    for match in found[1:]:
        print(f"make site: {match.group(0)}", file=sys.stderr)
    where, message = found[0].group("where") or f"the {edition.code} edition", found[0].group("message")
    page = where.split(":")[0]
    fix = f"correct it in {page}" if "." in page else "correct the page it names"
    return SiteError(f"{where}: {message.strip()}. Fix: {fix}; the site's build stops on any warning.")


def build(out: Path, stage_root: Path, repo: Path = REPO) -> dict[str, int]:
    if importlib.util.find_spec("myst_nb") is None or importlib.util.find_spec("sphinx_book_theme") is None:
        raise SiteError(
            f"Sphinx, MyST-NB and the book theme are not installed for {sys.executable}. "
            "Fix: run `make site`, which installs requirements-site.txt into .venv-site."
        )
    names = lesson_names(repo)
    check_docs(repo)
    for edition in EDITIONS:
        check_includes(edition, repo)
    for folder in (out, stage_root):
        if folder.exists():
            shutil.rmtree(folder)
    for edition in EDITIONS:
        stage(edition, stage_root / edition.code / "src", repo)
    # The two editions are independent builds: run them side by side.
    runs = {edition: run_sphinx(edition, stage_root / edition.code) for edition in EDITIONS}
    problems = []
    for edition, process in runs.items():
        output, _ = process.communicate()
        if process.returncode != 0:
            # The source folder mirrors the repository: its paths are the repository's.
            problems.append(
                sphinx_problem(output.replace(str(stage_root / edition.code / "src") + os.sep, ""), edition)
            )
    if problems:
        raise problems[0]
    # The English edition is the site; the zh-TW edition is its zh-TW/ folder.
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(stage_root / EN.code / "html", out)
    shutil.move(stage_root / ZH_TW.code / "html", out / ZH_TW.site)
    (out / ".nojekyll").write_text("")
    return {edition.code: 1 + len(names) + len(DOCS) for edition in EDITIONS}


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=REPO / "build" / "site", help="the site's folder (default build/site)"
    )
    parser.add_argument(
        "--stage",
        type=Path,
        default=REPO / "build" / "site-src",
        help="the source folders Sphinx reads (default build/site-src)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        pages = build(args.out.resolve(), args.stage.resolve())
    except SiteError as error:
        print(f"make site: {error}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{count} {code}" for code, count in pages.items())
    print(f"Site built in {time.perf_counter() - started:.1f} s: {counts} pages. Open {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
