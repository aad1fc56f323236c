"""README.md, README.zh-TW.md and the docs pages (docs/, docs/zh-TW/), as GitHub shows them:
every link to a file of the repository or to a heading resolves, every Colab and Kaggle link
opens a notebook of its edition that exists, the READMEs stay short, and each section lives in
one place. (That each zh-TW text has its English twin's sections is tests/test_zh_tw.py; the
website, which shows these texts too, is checked in a browser by tests/site/.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course.catalog import COLAB_URL, DOCS, EDITIONS, EN, KAGGLE_URL, ZH_TW, Edition, colab_url, kaggle_url

ROOT = Path(__file__).resolve().parent.parent
README_MAX_LINES = 250


def texts() -> list[tuple[Edition, Path]]:
    """Every README and docs page, with its edition."""
    return [
        (edition, ROOT / path)
        for edition in EDITIONS
        for path in [edition.readme, *(edition.doc_path(page) for page in DOCS)]
    ]


def outside_code(markdown: str) -> list[tuple[int, str]]:
    """(line number, line) of the lines outside code fences, code spans blanked."""
    lines, in_fence = [], False
    for number, line in enumerate(markdown.split("\n"), start=1):
        if re.match(r"\s*(```|~~~)", line):
            in_fence = not in_fence
        elif not in_fence:
            lines.append((number, re.sub(r"`[^`]*`", "``", line)))
    return lines


LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)\)")


def links(markdown: str) -> list[tuple[int, str]]:
    """(line number, target) of each inline link and image."""
    return [(number, target) for number, line in outside_code(markdown) for target in LINK.findall(line)]


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings: lower case, punctuation dropped, spaces to hyphens,
    -1, -2... for repeats. A zh-TW heading that names its English twin in a comment gets none:
    GitHub and the website would not agree on it, so link its page instead."""
    found: dict[str, int] = {}
    for _, line in outside_code(markdown):
        heading = re.match(r"#{1,6} (.+)$", line)
        if not heading or "<!--" in heading.group(1):
            continue
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.group(1).strip()).replace("``", "")
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        found[slug] = found.get(slug, -1) + 1
        if found[slug]:
            found[f"{slug}-{found[slug]}"] = 0
    return set(found)


def link_problems(path: Path, markdown: str) -> list[str]:
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    problems = []
    for number, target in links(markdown):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue  # https:, mailto:: off the repository
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        where = f"{shown}, line {number}: link {target}"
        if not destination.is_relative_to(ROOT):
            problems.append(f"{where} leads out of the repository")
        elif not destination.exists():
            problems.append(f"{where} leads to {destination.relative_to(ROOT)}, which does not exist")
        elif anchor and destination.suffix != ".md":
            problems.append(f"{where}: an anchor in {destination.relative_to(ROOT)}, which has no headings")
        elif anchor and anchor not in github_anchors(destination.read_text(encoding="utf-8")):
            problems.append(f"{where}: {destination.relative_to(ROOT)} has no heading with the anchor #{anchor}")
    return problems


LAUNCH = re.compile(
    "(?:" + "|".join(re.escape(url.format(path="")) for url in (COLAB_URL, KAGGLE_URL)) + r")(?P<path>[^)\s]*)"
)


def launch_problems(edition: Edition, path: Path, markdown: str) -> list[str]:
    """Each Colab or Kaggle link opens a notebook of the text's edition that exists, and a table
    row's links (the notebook, Colab, Kaggle) all name the same notebook."""
    problems = []
    for number, line in outside_code(markdown):
        opened = set()
        for match in LAUNCH.finditer(line):
            notebook = match.group("path")
            where = f"{path.relative_to(ROOT)}, line {number}: {match.group(0)}"
            if match.group(0) not in (colab_url(notebook), kaggle_url(notebook)):
                problems.append(f"{where} is not the catalog's link for {notebook}")
            if not re.fullmatch(rf"{re.escape(edition.notebooks)}/[^/]+\.ipynb", notebook):
                problems.append(f"{where} opens a notebook outside {edition.notebooks}/")
            elif not (ROOT / notebook).is_file():
                problems.append(f"{where} opens {notebook}, which does not exist")
            opened.add(notebook)
        listed = {target for _, target in links(line) if target.endswith(".ipynb") and ":" not in target}
        if opened and listed and opened != listed:
            problems.append(f"{path.relative_to(ROOT)}, line {number}: the row lists {listed} but opens {opened}")
    return problems


@pytest.mark.parametrize(("edition", "path"), texts(), ids=[str(path.relative_to(ROOT)) for _, path in texts()])
def test_every_link_to_a_file_or_heading_resolves(edition, path):
    markdown = path.read_text(encoding="utf-8")
    problems = link_problems(path, markdown) + launch_problems(edition, path, markdown)
    assert not problems, "\n".join(problems)


def test_the_readmes_are_short():
    for edition in EDITIONS:
        lines = (ROOT / edition.readme).read_text(encoding="utf-8").count("\n")
        assert lines <= README_MAX_LINES, f"{edition.readme} has {lines} lines: move a section to {edition.docs}/"


def test_the_readme_keeps_the_two_commands_and_every_lesson():
    for edition in EDITIONS:
        text = (ROOT / edition.readme).read_text(encoding="utf-8")
        assert "make course" in text and "make test " in text
        table = [line for line in text.split("\n") if line.startswith("|") and ".ipynb" in line]
        assert len(table) == len(list((ROOT / edition.notebooks).glob("[0-9]*.ipynb"))), "a row per notebook"
        assert all("colab-badge.svg" in row and "open-in-kaggle.svg" in row for row in table)


@pytest.mark.parametrize("edition", EDITIONS, ids=lambda edition: edition.code)
def test_each_section_lives_in_one_place(edition):
    seen: dict[str, str] = {}
    for path in [edition.readme, *(edition.doc_path(page) for page in DOCS)]:
        markdown = (ROOT / path).read_text(encoding="utf-8")
        for _, line in outside_code(markdown):
            heading = re.match(r"#{1,6} (.+)$", line)
            if heading:
                name = heading.group(1).strip()
                assert name not in seen, f"the section {name!r} is in {seen.get(name)} and in {path}"
                seen[name] = path


# --- the checks fail on broken input ----------------------------------------------------------------


def test_a_broken_link_or_anchor_is_reported():
    page = ROOT / EN.doc_path("grading")
    broken = "[a](benchmark.md#no-such-heading) [b](no-such-page.md)\n[c](#safety-the-sandbox) [d](../../outside.md)"
    assert link_problems(page, broken) == [
        "docs/grading.md, line 1: link benchmark.md#no-such-heading: docs/benchmark.md has no heading with "
        "the anchor #no-such-heading",
        "docs/grading.md, line 1: link no-such-page.md leads to docs/no-such-page.md, which does not exist",
        "docs/grading.md, line 2: link ../../outside.md leads out of the repository",
    ]
    # In a code block, a link is only text.
    assert link_problems(page, "```text\n[a](missing.md)\n```") == []


def test_a_launch_link_to_the_wrong_notebook_is_reported():
    readme = ROOT / ZH_TW.readme
    row = (
        "| [01_tokenization](notebooks/zh-TW/01_tokenization.ipynb) | "
        f"[x]({colab_url('notebooks/01_tokenization.ipynb')}) "
        f"[y]({kaggle_url('notebooks/zh-TW/02_training_arguments.ipynb')}) |"
    )
    problems = launch_problems(ZH_TW, readme, row)
    assert problems[0].endswith("opens a notebook outside notebooks/zh-TW/")
    assert "the row lists {'notebooks/zh-TW/01_tokenization.ipynb'} but opens" in problems[1]


def test_a_heading_in_two_places_or_a_zh_tw_anchor_is_caught():
    assert github_anchors("# The results\n## Safety: grading runs your students' code as you\n## The results") == {
        "the-results",
        "safety-grading-runs-your-students-code-as-you",
        "the-results-1",
    }
    assert github_anchors("## 結果 <!-- The results -->") == set()
