"""Build the course website: build/site/ in English, build/site/zh-TW/ in Traditional Chinese.

    python -m course site build [--out build/site]      (`make site` installs what it needs)

Nothing is executed: the pages show the committed notebooks with their outputs. The lesson
pages come from notebooks/NN_*.ipynb in file-name order and their twins in notebooks/zh-TW/;
the home, instructors and "What changed since 2023" pages are website/<edition>/*.md, whose
`<!-- site: ... -->` lines are filled from README.md or README.zh-TW.md (the intro, how to
run the course, the profiles, the instructors' sections, the 2023 table) and from the
notebooks (the lessons table, the table of contents); README.zh-TW.md has every section of
README.md (tests/test_zh_tw.py). Each edition is then one Sphinx build (MyST-NB,
the book theme, settings in website/conf.py) of a staging folder, build/site-src/<edition>/.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..catalog import EDITIONS, EN, ZH_TW, Edition, colab_url, github_url, kaggle_url, notebook_names
from ..catalog import ROOT as REPO

WEBSITE = REPO / "website"
# The Colab badge of a notebook's first cell: a remote image, replaced by the launch links.
BADGE = re.compile(r"\[!\[[^\]]*\]\([^)]*colab-badge\.svg\)\]\([^)]*\)")
MARKER = re.compile(r"^<!-- site: ([a-z-]+)(?: ([a-z-]+))? -->$", re.MULTILINE)


class SiteError(Exception):
    """Bad input for the site, said in one line with its fix."""


# The words of the pages the build writes itself, in each edition's language.
WORDS = {
    EN.code: {
        "colab": "Open in Colab",
        "kaggle": "Open in Kaggle",
        "download": "Download the notebook (.ipynb)",
        "colab-short": "Colab",
        "kaggle-short": "Kaggle",
        "number": "#",
        "lesson": "Lesson",
        "learn": "What you learn",
        "cpu": "CPU, offline",
        "open": "Open",
        "not-measured": "not measured",
        "lessons": "Lessons",
        "more": "More",
        "name": "English",
    },
    ZH_TW.code: {
        "colab": "在 Colab 開啟",
        "kaggle": "在 Kaggle 開啟",
        "download": "下載筆記本（.ipynb）",
        "colab-short": "Colab",
        "kaggle-short": "Kaggle",
        "number": "#",
        "lesson": "課程",
        "learn": "你會學到",
        "cpu": "CPU，離線",
        "open": "開啟",
        "not-measured": "尚未量測",
        "lessons": "課程",
        "more": "更多",
        "name": "繁體中文",
    },
}
PAGES = ("index", "instructors", "changes")


# --- the notebooks -------------------------------------------------------------------------


def lesson_names(repo: Path = REPO) -> list[str]:
    """The lesson and exercise notebooks in reading order (file-name order)."""
    folder = repo / "notebooks"
    if not folder.is_dir():
        raise SiteError(f"no notebooks folder in {repo}. Fix: run the build from a clone of the course repository.")
    names = notebook_names()
    for name in names:
        if not (folder / f"{name}.ipynb").is_file():
            raise SiteError(
                f"notebooks/{name}.ipynb is missing. Fix: check out the notebooks (git checkout notebooks)."
            )
    twins = sorted(path.stem for path in (repo / ZH_TW.notebooks).glob("*.ipynb"))
    for name in names:
        if name not in twins:
            raise SiteError(
                f"notebooks/zh-TW/{name}.ipynb is missing: every lesson page needs its zh-TW twin. "
                f"Fix: translate it (translations/zh-TW/{name}.md) and run `make zh-tw`."
            )
    for name in twins:
        if name not in names:
            raise SiteError(
                f"notebooks/zh-TW/{name}.ipynb has no English notebook notebooks/{name}.ipynb. "
                "Fix: delete it or add the English notebook, then run `make zh-tw`."
            )
    return names


def read_notebook(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SiteError(f"{path.relative_to(REPO)} cannot be read as a notebook ({error}). Fix: restore it.") from None


def first_markdown(notebook: dict) -> dict:
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            return cell
    raise SiteError("a notebook has no markdown cell, so no title")


def source(cell: dict) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def notebook_title(notebook: dict) -> str:
    for line in source(first_markdown(notebook)).splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise SiteError("a notebook's first markdown cell has no '# ' title")


def notebook_summary(notebook: dict) -> str:
    """The first paragraph after the title and the badge: what the notebook is about."""
    for paragraph in re.split(r"\n\s*\n", source(first_markdown(notebook))):
        paragraph = paragraph.strip()
        if paragraph and not paragraph.startswith("#") and not BADGE.search(paragraph):
            return " ".join(paragraph.split())
    return ""


def launch_links(edition: Edition, name: str) -> dict[str, str]:
    path = edition.notebook_path(name)
    return {
        "colab": colab_url(path),
        "kaggle": kaggle_url(path),
        "download": f"notebooks/{name}.ipynb",
    }


def launch_bar(edition: Edition, name: str) -> str:
    links = launch_links(edition, name)
    words = WORDS[edition.code]
    return (
        '<p class="launch-links">\n'
        f'<a class="launch-colab" href="{html.escape(links["colab"])}">{words["colab"]}</a>\n'
        f'<a class="launch-kaggle" href="{html.escape(links["kaggle"])}">{words["kaggle"]}</a>\n'
        f'<a class="download-ipynb" href="{links["download"]}" download>{words["download"]}</a>\n'
        "</p>"
    )


def stage_notebook(edition: Edition, name: str, stage: Path) -> dict:
    """The notebook as its page shows it: the launch links in place of the Colab badge."""
    original = REPO / edition.notebook_path(name)
    notebook = read_notebook(original)
    cell = first_markdown(notebook)
    text = source(cell)
    bar = "\n\n" + launch_bar(edition, name) + "\n\n"
    text, found = BADGE.subn(lambda _: bar, text, count=1)
    if not found:  # no badge: the links go right under the title
        title, _, rest = text.partition("\n")
        text = title + bar + rest
    cell["source"] = re.sub(r"\n{3,}", "\n\n", text)
    (stage / f"{name}.ipynb").write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    downloads = stage / "extra" / "notebooks"
    downloads.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(original, downloads / f"{name}.ipynb")
    return notebook


# --- the READMEs -----------------------------------------------------------------------------


def markdown_blocks(text: str) -> list[str]:
    """Paragraphs, tables, lists and whole code fences, in order."""
    blocks: list[str] = []
    current: list[str] = []
    in_fence = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        if not line.strip() and not in_fence:
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


@dataclass
class Section:
    level: int
    heading: str
    own: str  # its text up to the next heading of any level
    whole: str  # its text with its subsections

    def body(self) -> str:
        return self.whole.split("\n", 1)[1].strip() if "\n" in self.whole else ""


def readme_sections(text: str) -> list[Section]:
    lines = text.splitlines()
    starts: list[tuple[int, int, str]] = []
    in_fence = False
    for index, line in enumerate(lines):
        if line.startswith("```"):
            in_fence = not in_fence
        match = re.match(r"(#{1,6}) (.+)", line)
        if match and not in_fence:
            starts.append((index, len(match.group(1)), match.group(2).strip()))
    sections = []
    for position, (index, level, heading) in enumerate(starts):
        next_any = starts[position + 1][0] if position + 1 < len(starts) else len(lines)
        next_same = next((start for start, lvl, _ in starts[position + 1 :] if lvl <= level), len(lines))
        sections.append(
            Section(
                level,
                heading,
                "\n".join(lines[index:next_any]).strip(),
                "\n".join(lines[index:next_same]).strip(),
            )
        )
    return sections


def preamble_parts(text: str) -> dict[str, str]:
    """The README's opening, before its first `##`: intro, how to run it here, the lessons table."""
    head = text.split("\n## ", 1)[0]
    blocks = [block for block in markdown_blocks(head) if not block.startswith("# ")]
    # The first block is the language line (English | 繁體中文).
    blocks = blocks[1:]
    fence = next((i for i, block in enumerate(blocks) if block.startswith("```")), None)
    table = next((i for i, block in enumerate(blocks) if block.startswith("|")), None)
    if fence is None or fence == 0 or table is None or table < fence:
        return {}
    return {
        "intro": "\n\n".join(blocks[: fence - 1]),
        "own-machine": "\n\n".join(blocks[fence - 1 : table]),
        "table": blocks[table],
    }


def table_cells(row: str) -> list[str]:
    """A Markdown table row's cells; a `|` inside backticks does not split."""
    cells, current, in_code = [], "", False
    for char in row.strip().strip("|"):
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code:
            cells.append(current.strip())
            current = ""
        else:
            current += char
    cells.append(current.strip())
    return cells


def readme_lesson_rows(table: str, edition: Edition) -> dict[str, tuple[str, str]]:
    """What each notebook teaches and its CPU time, from the README's lessons table."""
    rows = {}
    for line in table.splitlines():
        cells = table_cells(line)
        if len(cells) < 5:
            continue
        match = re.search(rf"\]\({re.escape(edition.notebooks)}/([^/)]+)\.ipynb\)", cells[1])
        if match:
            rows[match.group(1)] = (cells[3], cells[4])
    return rows


def readme_part(text: str, name: str) -> str | None:
    """One part of a README, found by what it holds, so that it is found in both languages."""
    if name in ("intro", "own-machine", "table"):
        return preamble_parts(text).get(name)
    sections = readme_sections(text)

    def first(test) -> Section | None:
        return next((section for section in sections if test(section)), None)

    if name == "profiles":
        found = first(lambda s: s.level == 2 and "| `offline` |" in s.own)
        return found.whole if found else None
    if name == "instructors":
        found = first(lambda s: s.level == 2 and "Colab" in s.heading and "Kaggle" in s.heading)
        return found.own if found else None
    if name == "multi-gpu":
        found = first(lambda s: s.level >= 2 and "torchrun" in s.own)
        return found.whole if found else None
    if name == "grading":
        found = first(lambda s: s.level == 2 and "course grade" in s.own)
        return found.whole if found else None
    if name == "changes":
        found = first(lambda s: s.level == 2 and "2023" in s.heading)
        return found.body() if found else None
    if name == "exercises-instructors":
        return next((block for block in markdown_blocks(text) if "`helpers/exercises/lessonNN.py`" in block), None)
    raise SiteError(f"the site has no README part called {name!r}")


def rewrite_links(markdown: str, edition: Edition) -> str:
    """README links made to work on the site: notebooks to their pages, other files to GitHub."""

    def link(match: re.Match) -> str:
        image, text, target = match.group(1), match.group(2), match.group(3)
        if image:  # a remote badge or picture would not load offline: keep its words
            return text
        if re.match(r"[a-z]+:", target):
            return match.group(0)
        if target.startswith("#"):  # a part of the README that the page may not hold: the README's own
            return f"[{text}]({github_url(edition.readme)}{target})"
        notebook = re.fullmatch(r"notebooks/(?:zh-TW/)?([^/]+\.ipynb)", target)
        if notebook:
            return f"[{text}]({notebook.group(1)})"
        return f"[{text}]({github_url(target)})"

    return re.sub(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)", link, markdown)


# --- the pages --------------------------------------------------------------------------------


def lessons_table(edition: Edition, names: list[str], notebooks: dict[str, dict], readme: str) -> str:
    words = WORDS[edition.code]
    rows = readme_lesson_rows(readme_part(readme, "table") or "", edition)
    lines = [
        f"| {words['number']} | {words['lesson']} | {words['learn']} | {words['cpu']} | {words['open']} |",
        "|---|---|---|---|---|",
    ]
    seen: set[str] = set()
    for name in names:
        number = name[:2]
        shown = str(int(number)) if number not in seen else ""
        seen.add(number)
        title = notebook_title(notebooks[name]).replace("|", "\\|")
        learn, cpu = rows.get(name, (notebook_summary(notebooks[name]).replace("|", "\\|"), words["not-measured"]))
        links = launch_links(edition, name)
        open_links = " · ".join(
            [
                f'<a class="launch-colab" href="{html.escape(links["colab"])}">{words["colab-short"]}</a>',
                f'<a class="launch-kaggle" href="{html.escape(links["kaggle"])}">{words["kaggle-short"]}</a>',
                f'<a class="download-ipynb" href="{links["download"]}" download>.ipynb</a>',
            ]
        )
        lines.append(f"| {shown} | [{title}]({name}.ipynb) | {rewrite_links(learn, edition)} | {cpu} | {open_links} |")
    return "\n".join(lines)


def toctree(edition: Edition, names: list[str]) -> str:
    lessons = "\n".join(names)
    return (
        f"```{{toctree}}\n:hidden:\n:caption: {WORDS[edition.code]['lessons']}\n\n{lessons}\n```\n\n"
        f"```{{toctree}}\n:hidden:\n:caption: {WORDS[edition.code]['more']}\n\ninstructors\nchanges\n```"
    )


def fill_page(
    edition: Edition, page: str, names: list[str], notebooks: dict[str, dict], readme: str, notes: list[str]
) -> str:
    template_path = WEBSITE / edition.code / f"{page}.md"
    template = template_path.read_text(encoding="utf-8")

    def part(name: str) -> str:
        found = readme_part(readme, name)
        if found is not None:
            return rewrite_links(found, edition)
        raise SiteError(
            f"{edition.readme} has no '{name}' part, which {template_path.relative_to(REPO)} shows. "
            f"Fix: restore that part of {edition.readme}, or drop the line from the page."
        )

    def fill(match: re.Match) -> str:
        kind, name = match.group(1), match.group(2)
        if kind == "lessons":
            return lessons_table(edition, names, notebooks, readme)
        if kind == "toctree":
            return toctree(edition, names)
        if kind in ("readme-intro", "readme-own-machine"):
            return part(kind.removeprefix("readme-"))
        if kind in ("readme-section", "readme-body", "readme-paragraph") and name:
            return part(name)
        raise SiteError(f"{template_path.relative_to(REPO)}: unknown line <!-- site: {kind} {name or ''} -->")

    return MARKER.sub(fill, template)


def stage_edition(edition: Edition, names: list[str], stage: Path, notes: list[str]) -> None:
    stage.mkdir(parents=True)
    notebooks = {name: stage_notebook(edition, name, stage) for name in names}
    readme_path = REPO / edition.readme
    if not readme_path.is_file():
        raise SiteError(f"{edition.readme} is missing. Fix: check it out again (git checkout -- {edition.readme}).")
    # README.zh-TW.md names each heading's English twin in a comment (`## 基準測試 <!-- Benchmark -->`):
    # not part of the heading on a page.
    readme = re.sub(r"^(#{1,6} .*?)\s*<!--.*?-->\s*$", r"\1", readme_path.read_text(encoding="utf-8"), flags=re.M)
    for page in PAGES:
        text = fill_page(edition, page, names, notebooks, readme, notes)
        (stage / f"{page}.md").write_text(text, encoding="utf-8")


def run_sphinx(edition: Edition, work: Path) -> subprocess.Popen:
    """Sphinx on work/src into work/html (MyST-NB keeps its copies in work/jupyter_execute)."""
    env = dict(os.environ, SITE_EDITION=edition.code, SITE_STAGE=str(work / "src"), PYTHONWARNINGS="ignore")
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-E"]
    command += ["-c", str(WEBSITE), "-d", str(work / "doctrees"), str(work / "src"), str(work / "html")]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def build(out: Path, stage_root: Path) -> dict[str, int]:
    if importlib.util.find_spec("myst_nb") is None or importlib.util.find_spec("sphinx_book_theme") is None:
        raise SiteError(
            f"Sphinx, MyST-NB and the book theme are not installed for {sys.executable}. "
            "Fix: run `make site`, which installs requirements-site.txt into .venv-site."
        )
    names = lesson_names()
    notes: list[str] = []
    for folder in (out, stage_root):
        if folder.exists():
            shutil.rmtree(folder)
    for edition in EDITIONS:
        stage_edition(edition, names, stage_root / edition.code / "src", notes)
    for note in notes:
        print(f"note: {note}")
    # The two editions are independent builds: run them side by side.
    runs = {edition: run_sphinx(edition, stage_root / edition.code) for edition in EDITIONS}
    failed = []
    for edition, process in runs.items():
        output, _ = process.communicate()
        if process.returncode != 0:
            print(output, file=sys.stderr)
            failed.append(edition.code)
    if failed:
        raise SiteError(
            f"Sphinx stopped on the {' and '.join(failed)} edition (its warnings are errors): see its messages above."
        )
    # The English edition is the site; the zh-TW edition is its zh-TW/ folder.
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(stage_root / EN.code / "html", out)
    shutil.move(stage_root / ZH_TW.code / "html", out / ZH_TW.site)
    (out / ".nojekyll").write_text("")
    return {edition.code: len(names) + len(PAGES) for edition in EDITIONS}


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=REPO / "build" / "site", help="the site's folder (default build/site)"
    )
    parser.add_argument(
        "--stage",
        type=Path,
        default=REPO / "build" / "site-src",
        help="the pages before Sphinx (default build/site-src)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        pages = build(args.out.resolve(), args.stage.resolve())
    except SiteError as error:
        print(f"make site: {error}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{count} {code}" for code, count in pages.items())
    print(f"Site built in {time.perf_counter() - started:.0f} s: {counts} pages. Open {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
