"""Check the built website in a real browser: headless Chromium, driven by Playwright.

    python -m course site check [build/site] [--screenshots DIR]      (`make test-site` runs tests/site/)

The site is opened from its files (file://), as a reader who downloaded it would, with no
web server and no network. For the home page, every lesson page, the instructors page and
the "What changed" page, in both editions, it checks:

* the page is there, and loads with no console error, page error or failed request;
* every image has loaded (natural width above 0);
* the language switch leads to the same page in the other edition, and that page exists;
* a lesson page's Colab and Kaggle links open that same notebook on GitHub (a file the
  repository has), and its download link gives that very notebook;
* every link inside the site resolves to a file, and to the anchor it names;
* an exercise page shows no line of its exercises' solutions (helpers/exercises/lessonNN.py);
* the home page lists every lesson, in reading order;
* on a phone's screen (390 px), the page is no wider than the screen;

and that the search page of each edition finds a lesson. The pages to check come from the
notebooks in the repository, not from the site, so a page missing from the site is found.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import sys
import textwrap
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..catalog import EDITIONS, EN, REPOSITORY, Edition, colab_url, kaggle_url
from .build import PAGES, REPO, lesson_names

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless, and quiet on a closed network: without the last flags Chromium keeps trying to
# reach its update and sync services. --no-sandbox: CI runs as root; --disable-dev-shm-usage:
# a container's small /dev/shm would make large pages crash.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
# A query per edition and the lesson page it must find.
SEARCHES = {"en": ("softmax", "04_predictions_softmax"), "zh-TW": ("混淆矩陣", "04_predictions_softmax")}
# A Colab or Kaggle link names the notebook by its path in the repository on GitHub.
NOTEBOOK_ON_GITHUB = re.compile(rf"github(?:\.com)?/{re.escape(REPOSITORY)}/blob/main/(.+)$")


class CheckError(Exception):
    """The check could not run (no browser, no site), said in one line with its fix."""


@dataclass(frozen=True)
class Page:
    edition: Edition
    name: str  # the page name: index, instructors, changes or a notebook's name

    @property
    def path(self) -> str:
        """The page's file, relative to the site's folder."""
        return f"{self.edition.site}/{self.name}.html".lstrip("/")

    @property
    def twin(self) -> Page:
        return Page(next(edition for edition in EDITIONS if edition != self.edition), self.name)

    @property
    def is_lesson(self) -> bool:
        return self.name not in PAGES


def all_pages(repo: Path = REPO) -> list[Page]:
    names = lesson_names(repo)
    return [Page(edition, name) for edition in EDITIONS for name in ["index", *names, "instructors", "changes"]]


# --- what is known without the browser ----------------------------------------------------------


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value and (key == "id" or (key == "name" and tag == "a")):
                self.anchors.add(value)


_anchor_cache: dict[Path, set[str]] = {}


def anchors(path: Path) -> set[str]:
    if path not in _anchor_cache:
        parser = _Anchors()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        _anchor_cache[path] = parser.anchors
    return _anchor_cache[path]


def solution_lines(lesson: str, repo: Path = REPO) -> list[str]:
    """The lines of a lesson's solutions that its exercise notebook does not already show."""
    module = repo / "helpers" / "exercises" / f"lesson{lesson}.py"
    if not module.exists():
        return []
    notebook = (repo / "notebooks").glob(f"{lesson}_*_exercises.ipynb")
    shown = " ".join(path.read_text(encoding="utf-8") for path in notebook)
    lines = []
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.keyword) and node.arg == "solution_code" and isinstance(node.value, ast.Constant):
            for line in textwrap.dedent(node.value.value).splitlines():
                line = " ".join(line.split())
                if len(line) > 12 and not line.startswith("#") and line not in shown:
                    lines.append(line)
    return lines


def local_target(url: str, site: Path) -> tuple[Path, str] | None:
    """The file and anchor a file:// link leads to; None for a link off the machine."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    path = Path(unquote(parts.path))
    if path.is_dir():
        path = path / "index.html"
    return path, unquote(parts.fragment)


def check_links(page: Page, links: list[list[str]], site: Path) -> list[str]:
    problems = []
    for raw, url in links:
        target = local_target(url, site)
        if target is None:
            continue
        path, fragment = target
        try:
            shown = path.relative_to(site)
        except ValueError:
            problems.append(f"link {raw!r} leads out of the site, to {path}")
            continue
        if not path.is_file():
            problems.append(f"link {raw!r} leads to {shown}, which does not exist")
        elif fragment and path.suffix == ".html" and fragment not in anchors(path):
            problems.append(f"link {raw!r}: {shown} has no anchor #{fragment}")
    return problems


# --- in the browser ----------------------------------------------------------------------------

IMAGES_JS = """async () => {
  const images = Array.from(document.images);
  images.forEach((image) => { image.loading = "eager"; });
  await Promise.all(images.map((image) => image.complete ? null : new Promise((done) => {
    image.addEventListener("load", done); image.addEventListener("error", done); setTimeout(done, 5000);
  })));
  return images.map((image) => [image.getAttribute("src"), image.naturalWidth]);
}"""
LINKS_JS = """() => Array.from(document.querySelectorAll("a[href]"))
  .map((a) => [a.getAttribute("href"), a.href])"""


def hrefs(browser_page, selector: str) -> list[str]:
    return browser_page.eval_on_selector_all(selector, "(links) => links.map((a) => a.href)")


def open_page(context, url: str):
    """A page of the browser, opened at url, with the errors it reported while loading."""
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(console_text(message)) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: errors.append(f"could not load {request.url} ({request.failure})"))
    page.goto(url, wait_until="load")
    return page, errors


def console_text(message) -> str:
    where = message.location.get("url", "") if message.location else ""
    return f"console error: {message.text}" + (f" ({where})" if where else "")


def check_page(context, page: Page, site: Path, repo: Path) -> list[str]:
    file = site / page.path
    if not file.is_file():
        what = f"the twin of {page.twin.path}" if page.edition != EN else "a page of the English edition"
        return [f"missing ({what})"]
    browser_page, errors = open_page(context, file.as_uri())
    try:
        images = browser_page.evaluate(IMAGES_JS)
        links = browser_page.evaluate(LINKS_JS)
        problems = [f"image {src} did not load (natural width 0)" for src, width in images if not width]
        problems += check_twin_link(browser_page, page, site)
        if page.is_lesson:
            problems += check_launch_links(browser_page, page, site, repo)
        problems += check_links(page, links, site)
        problems += check_colab_links(browser_page, page, repo)
        if page.name.endswith("_exercises"):
            text = " ".join(browser_page.inner_text("body").split())
            problems += [
                f"shows a solution line: {line}" for line in solution_lines(page.name[:2], repo) if line in text
            ]
        if page.name == "index":
            problems += check_lesson_order(browser_page, page, site, repo)
        browser_page.wait_for_timeout(100)  # errors of scripts that run right after load
    finally:
        browser_page.close()
    return errors + problems


def check_twin_link(browser_page, page: Page, site: Path) -> list[str]:
    switches = hrefs(browser_page, "a.lang-switch")
    if len(switches) != 1:
        return [f"has {len(switches)} language switches, expected 1"]
    target = local_target(switches[0], site)
    expected = (site / page.twin.path).resolve()
    if target is None or target[0].resolve() != expected:
        return [f"language switch leads to {switches[0]}, not to the twin {page.twin.path}"]
    if not expected.is_file():
        return [f"language switch leads to {page.twin.path}, which does not exist"]
    return []


def check_launch_links(browser_page, page: Page, site: Path, repo: Path) -> list[str]:
    problems = []
    notebook = page.edition.notebook_path(page.name)
    expected = {
        "launch-colab": colab_url(notebook),
        "launch-kaggle": kaggle_url(notebook),
    }
    for kind, url in expected.items():
        found = hrefs(browser_page, f".launch-links a.{kind}")
        if found != [url]:
            problems.append(f"{kind} link is {found or 'missing'}, expected {url}")
    downloads = hrefs(browser_page, ".launch-links a.download-ipynb")
    target = local_target(downloads[0], site) if len(downloads) == 1 else None
    if target is None:
        problems.append(f"download link is {downloads or 'missing'}, expected one to {page.name}.ipynb")
    elif not target[0].is_file() or target[0].read_bytes() != (repo / notebook).read_bytes():
        problems.append(f"download link {downloads[0]} does not give {notebook}")
    return problems


def check_colab_links(browser_page, page: Page, repo: Path) -> list[str]:
    """Every Colab or Kaggle link of the page opens a notebook of the page's edition that exists."""
    problems = []
    for url in hrefs(browser_page, "a.launch-colab, a.launch-kaggle"):
        match = NOTEBOOK_ON_GITHUB.search(url)
        path = match.group(1) if match else ""
        folder = page.edition.notebooks
        if not re.fullmatch(rf"{re.escape(folder)}/[^/]+\.ipynb", path) or not (repo / path).is_file():
            problems.append(f"launch link {url} does not open a notebook of {folder}/ in the repository")
    return problems


def check_lesson_order(browser_page, page: Page, site: Path, repo: Path) -> list[str]:
    folder = (site / page.path).parent
    names = lesson_names(repo)
    listed: list[str] = []
    for url in hrefs(browser_page, "article a[href]"):
        target = local_target(url, site)
        if target and target[0].parent == folder and target[0].stem in names and target[0].stem not in listed:
            listed.append(target[0].stem)
    if listed != names:
        return [f"lists the lessons {listed}, expected {names}"]
    return []


def check_phone(context, page: Page, site: Path) -> list[str]:
    browser_page, _ = open_page(context, (site / page.path).as_uri())
    try:
        width = browser_page.evaluate("() => document.documentElement.scrollWidth")
    finally:
        browser_page.close()
    if width > PHONE["width"] + 1:
        return [f"on a phone ({PHONE['width']} px) the page is {width} px wide: it scrolls sideways"]
    return []


def check_search(context, edition: Edition, site: Path) -> list[str]:
    query, lesson = SEARCHES[edition.code]
    search = site / edition.site / "search.html"
    if not search.is_file():
        return [f"{search.relative_to(site)}: missing"]
    browser_page, errors = open_page(context, f"{search.as_uri()}?q={query}")
    try:
        browser_page.wait_for_selector("#search-results li a", timeout=10_000)
        found = [Path(urlsplit(url).path).stem for url in hrefs(browser_page, "#search-results li a")]
    except Exception:
        found = []
    finally:
        browser_page.close()
    problems = errors
    if lesson not in found:
        problems.append(f"searching {query!r} does not find {lesson} (found: {found})")
    return [f"{search.relative_to(site)}: {problem}" for problem in problems]


def launch_browser(playwright):
    if not Path(CHROMIUM).is_file():
        raise CheckError(
            f"no Chromium at {CHROMIUM}. Fix: install Debian's package (apt-get install chromium), "
            "or set CHROMIUM to the path of a Chromium."
        )
    try:
        return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as error:
        first_line = str(error).strip().splitlines()[0]
        raise CheckError(f"Chromium at {CHROMIUM} did not start: {first_line}") from None


def check_site(
    browser, site: Path, pages: list[Page] | None = None, screenshots: Path | None = None, repo: Path = REPO
) -> list[str]:
    """Every problem found, one line each, starting with the page's file. Empty: all good."""
    site = site.resolve()
    if not (site / "index.html").is_file():
        raise CheckError(f"no website in {site} (no index.html). Fix: build it first with `make site`.")
    checking_all = pages is None
    pages = all_pages(repo) if pages is None else pages
    problems: list[str] = []
    desktop = browser.new_context(viewport={"width": 1280, "height": 900})
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        for page in pages:
            found = check_page(desktop, page, site, repo)
            if not found:
                found = check_phone(phone, page, site)
            # A link shown twice (the contents and the text) is one problem.
            problems += [f"{page.path}: {problem}" for problem in dict.fromkeys(found)]
        if checking_all:
            for edition in EDITIONS:
                problems += check_search(desktop, edition, site)
        if screenshots is not None:
            take_screenshots(desktop, phone, site, screenshots, repo)
    finally:
        desktop.close()
        phone.close()
    return problems


def take_screenshots(desktop, phone, site: Path, folder: Path, repo: Path) -> None:
    """A lesson page with plots: its top and its first plot on a desktop screen, its top on a phone in zh-TW."""
    folder.mkdir(parents=True, exist_ok=True)
    names = lesson_names(repo)
    lesson = next((name for name in names if name.startswith("04_")), names[0])
    shots = (
        (desktop, EDITIONS[0], "lesson.png", False),
        (desktop, EDITIONS[0], "lesson-plot.png", True),
        (phone, EDITIONS[1], "lesson-phone.png", False),
    )
    for context, edition, file, at_plot in shots:
        browser_page, _ = open_page(context, (site / Page(edition, lesson).path).as_uri())
        try:
            if at_plot and browser_page.locator("article img").count():
                browser_page.locator("article img").first.scroll_into_view_if_needed()
            browser_page.screenshot(path=str(folder / file))
        finally:
            browser_page.close()


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("site", nargs="?", type=Path, default=REPO / "build" / "site")
    parser.add_argument("--screenshots", type=Path, help="save screenshots of a lesson page in this folder")
    args = parser.parse_args(argv)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("check_site: Playwright is not installed. Fix: run `make test-site`.", file=sys.stderr)
        return 1
    started = time.perf_counter()
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            try:
                problems = check_site(browser, args.site, screenshots=args.screenshots)
            finally:
                browser.close()
    except CheckError as error:
        print(f"check_site: {error}", file=sys.stderr)
        return 1
    for problem in problems:
        print(problem)
    pages = len(all_pages())
    if problems:
        print(f"{len(problems)} problems in the site ({pages} pages checked)")
        return 1
    print(f"All {pages} pages pass, and the search of both editions ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
