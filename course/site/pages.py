"""The website's pages and links, without Sphinx (the unit tests import this in .venv).

Each edition's source folder mirrors the repository (course/site/build.py), so a page's name
is its file's path without the suffix: ``docs/grading``, ``notebooks/zh-TW/01_tokenization``.
The home page, ``index``, shows the edition's README. A link of a README or docs page thus
leads on the site where it leads on GitHub; what is no page of this edition is found here:
the README (the home page), a page of the other edition, or another file of the repository.
"""

from __future__ import annotations

import posixpath
import re

from ..catalog import DOCS, EDITIONS, ROOT, Edition, github_url, notebook_names

HOME = "index"

# The words of the site that are not in a page, in each edition's language.
WORDS = {
    "en": {"lessons": "Lessons", "more": "More", "kaggle": "Launch on Kaggle", "switch": "Read this page in English"},
    "zh-TW": {"lessons": "課程", "more": "更多", "kaggle": "在 Kaggle 開啟", "switch": "閱讀這一頁的繁體中文版"},
}

# `## 基準測試 <!-- Benchmark -->`: a zh-TW heading names its English twin for the tests; not shown.
HEADING_COMMENT = re.compile(r"^(#{1,6} .*?)[ \t]*<!--.*?-->[ \t]*$", re.MULTILINE)


def other(edition: Edition) -> Edition:
    return next(candidate for candidate in EDITIONS if candidate != edition)


def of_language(sphinx_language: str) -> Edition:
    """The edition whose Sphinx `language` this is."""
    return next(edition for edition in EDITIONS if edition.sphinx_language == sphinx_language)


def lesson_pages(edition: Edition) -> list[str]:
    return [f"{edition.notebooks}/{name}" for name in notebook_names()]


def doc_pages(edition: Edition) -> list[str]:
    return [f"{edition.docs}/{page}" for page in DOCS]


def page_names(edition: Edition) -> list[str]:
    """Every page of an edition, in the order of its contents: home, lessons, docs pages."""
    return [HOME, *lesson_pages(edition), *doc_pages(edition)]


def page_of_file(edition: Edition, path: str) -> str | None:
    """The page of an edition that shows the repository's file ``path`` (its README: the home page)."""
    path = posixpath.normpath(path)
    if path == edition.readme:
        return HOME
    stem, suffix = posixpath.splitext(path)
    if (suffix == ".ipynb" and stem in lesson_pages(edition)) or (suffix == ".md" and stem in doc_pages(edition)):
        return stem
    return None


def twin(edition: Edition, page: str) -> str:
    """The same page in the other edition (the home, search and index pages keep their names)."""
    for folder in ("notebooks", "docs"):
        mine, theirs = getattr(edition, folder), getattr(other(edition), folder)
        if page.startswith(mine + "/") and "/" not in page[len(mine) + 1 :]:
            return theirs + page[len(mine) :]
    return page


def site_path(edition: Edition, page: str) -> str:
    """The page's file in the site: the zh-TW edition is the zh-TW/ folder of the English one."""
    return posixpath.join(edition.site, f"{page}.html")


def relative_url(edition: Edition, page: str, to_edition: Edition, to_page: str, anchor: str = "") -> str:
    here = posixpath.dirname(site_path(edition, page)) or "."
    return posixpath.relpath(site_path(to_edition, to_page), here) + (f"#{anchor}" if anchor else "")


def link_target(edition: Edition, page: str, path: str, anchor: str = "") -> tuple[str, str] | None:
    """Where a link to the repository's file ``path`` leads from a page when the file is no page
    of the edition: ("page", name) for the README (the home page), ("url", address) for a page of
    the other edition or any other file of the repository (on GitHub); None when no such file is."""
    path = posixpath.normpath(path)
    if page_of_file(edition, path) is not None:
        return ("page", page_of_file(edition, path))
    theirs = page_of_file(other(edition), path)
    if theirs is not None:
        return ("url", relative_url(edition, page, other(edition), theirs, anchor))
    if not path.startswith("..") and (ROOT / path).exists():
        return ("url", github_url(path) + (f"#{anchor}" if anchor else ""))
    return None


def without_heading_comments(markdown: str) -> str:
    return HEADING_COMMENT.sub(r"\1", markdown)


def contents(edition: Edition) -> str:
    """The home page's hidden contents: the lessons, then the docs pages (the catalog's order)."""
    words = WORDS[edition.code]
    parts = [(words["lessons"], lesson_pages(edition)), (words["more"], doc_pages(edition))]
    return "".join(
        f"\n\n```{{toctree}}\n:hidden:\n:caption: {caption}\n\n" + "\n".join(pages) + "\n```\n"
        for caption, pages in parts
    )
