"""The website in a real browser: headless Chromium (Debian's package), driven by Playwright.

The site is opened from its files (file://), as a reader who downloaded it would, with no web
server and no network. For every page of both editions (the home page, each notebook, each
docs page: the catalog's list, not the site's, so a page missing from the site is found) it
checks:

* the page is there, and loads with no console error, page error or failed request;
* every image has loaded (natural width above 0);
* the language switch leads to the same page in the other edition, and that page exists;
* a notebook page's launch menu opens that same notebook in Colab and Kaggle, and its download
  gives that very notebook; every Colab or Kaggle link of any page opens a notebook of the
  page's edition that the repository has;
* every link inside the site resolves to a file, and to the anchor it names;
* an exercise page shows no line of its exercises' solutions (helpers/exercises/lessonNN.py);
* the home page lists every lesson, in reading order;
* no text shows a line break between two CJK characters (read as a stray space);
* on a phone's screen (390 px), the page is no wider than the screen;

and that the search page of each edition finds a lesson. tests/site/test_site.py runs these on
a fresh build and on broken copies of it; `python -m course site check` (`make test-site`)
runs that file.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import textwrap
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from course.catalog import EDITIONS, REPOSITORY, ROOT, Edition, colab_url, kaggle_url
from course.i18n.cjk import CJK_CHARS
from course.site import pages
from course.site.build import lesson_names

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
# A query per edition and the lesson it must find.
SEARCHES = {"en": ("softmax", "04_predictions_softmax"), "zh-TW": ("混淆矩陣", "04_predictions_softmax")}
# A Colab or Kaggle link names the notebook by its path in the repository on GitHub.
NOTEBOOK_ON_GITHUB = re.compile(rf"github(?:\.com)?/{re.escape(REPOSITORY)}/blob/main/(.+)$")


def missing_tool() -> str | None:
    """Why the browser checks cannot run here, or None."""
    for module, what in (("playwright", "Playwright"), ("myst_nb", "MyST-NB"), ("sphinx_book_theme", "the book theme")):
        if importlib.util.find_spec(module) is None:
            return f"{what} is not installed for this Python (`make test-site` installs it into .venv-site)"
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM}. Fix: apt-get install chromium, or set CHROMIUM to a Chromium's path"
    return None


@dataclass(frozen=True)
class Page:
    edition: Edition
    name: str  # the page's name: index, docs/grading, notebooks/zh-TW/01_tokenization...

    @property
    def path(self) -> str:
        """The page's file, relative to the site's folder."""
        return pages.site_path(self.edition, self.name)

    @property
    def twin(self) -> Page:
        return Page(pages.other(self.edition), pages.twin(self.edition, self.name))

    @property
    def notebook(self) -> str | None:
        """The notebook the page shows (its path in the repository), if it shows one."""
        return f"{self.name}.ipynb" if self.name in pages.lesson_pages(self.edition) else None


def all_pages(repo: Path = ROOT) -> list[Page]:
    lesson_names(repo)  # a notebook or twin missing from the repository is one clear error
    return [Page(edition, name) for edition in EDITIONS for name in pages.page_names(edition)]


def page(edition: Edition, name: str) -> Page:
    """A page by its short name: index, a notebook's or a docs page's name."""
    if name == pages.HOME:
        return Page(edition, name)
    folder = edition.notebooks if name[:2].isdigit() else edition.docs
    return Page(edition, f"{folder}/{name}")


# --- what is known without the browser ----------------------------------------------------------


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value and (key == "id" or (key == "name" and tag == "a")):
                self.anchors.add(value)


def anchors(path: Path) -> set[str]:
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser.anchors


def solution_lines(lesson: str, repo: Path = ROOT) -> list[str]:
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


def local_target(url: str) -> tuple[Path, str] | None:
    """The file and anchor a file:// link leads to; None for a link off the machine."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    path = Path(unquote(parts.path))
    if path.is_dir():
        path = path / "index.html"
    return path, unquote(parts.fragment)


def check_links(links: list[list[str]], site: Path) -> list[str]:
    problems = []
    for raw, url in links:
        target = local_target(url)
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
# The text of each block (paragraph, list item, cell...) as the browser lays it out, code and
# preformatted text left out: where it holds a line break between two CJK characters.
CJK_BREAKS_JS = """(pattern) => {
  const breaks = new RegExp(pattern, "gu");
  const blocks = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, pre, textarea")) continue;
    const block = parent.closest("p, li, td, th, h1, h2, h3, h4, h5, h6, dt, dd, caption, figcaption, div");
    const text = parent.closest("code, kbd, samp") ? "x" : node.data;
    blocks.set(block, (blocks.get(block) || "") + text);
  }
  const found = [];
  for (const text of blocks.values()) {
    for (const match of text.matchAll(breaks)) {
      found.push(text.slice(Math.max(0, match.index - 8), match.index + match[0].length + 8));
    }
  }
  return found;
}"""
CJK_BREAK = f"[{CJK_CHARS}]\\n[ \\t]*[{CJK_CHARS}]"


def hrefs(browser_page, selector: str) -> list[str]:
    return browser_page.eval_on_selector_all(selector, "(links) => links.map((a) => a.href)")


def open_page(context, url: str):
    """A page of the browser, opened at url, with the errors it reported while loading."""
    browser_page = context.new_page()
    errors: list[str] = []
    browser_page.on(
        "console", lambda message: errors.append(console_text(message)) if message.type == "error" else None
    )
    browser_page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    browser_page.on("requestfailed", lambda request: errors.append(f"could not load {request.url} ({request.failure})"))
    browser_page.goto(url, wait_until="load")
    return browser_page, errors


def console_text(message) -> str:
    where = message.location.get("url", "") if message.location else ""
    return f"console error: {message.text}" + (f" ({where})" if where else "")


def check_page(context, page: Page, site: Path, repo: Path) -> list[str]:
    file = site / page.path
    if not file.is_file():
        return [f"missing (the twin of {page.twin.path})" if page.edition != EDITIONS[0] else "missing"]
    browser_page, errors = open_page(context, file.as_uri())
    try:
        images = browser_page.evaluate(IMAGES_JS)
        problems = [f"image {src} did not load (natural width 0)" for src, width in images if not width]
        problems += check_twin_link(browser_page, page, site)
        if page.notebook:
            problems += check_launch_menu(browser_page, page, repo)
        problems += check_links(browser_page.evaluate(LINKS_JS), site)
        problems += check_colab_links(browser_page, page, repo)
        problems += [
            f"a line break between two CJK characters shows as a space: {text!r}"
            for text in browser_page.evaluate(CJK_BREAKS_JS, CJK_BREAK)
        ]
        if page.name.endswith("_exercises"):
            text = " ".join(browser_page.inner_text("body").split())
            lesson = page.name.rsplit("/", 1)[-1][:2]
            problems += [f"shows a solution line: {line}" for line in solution_lines(lesson, repo) if line in text]
        if page.name == pages.HOME:
            problems += check_lesson_order(browser_page, page, site)
        browser_page.wait_for_timeout(100)  # errors of scripts that run right after load
    finally:
        browser_page.close()
    return errors + problems


def check_twin_link(browser_page, page: Page, site: Path) -> list[str]:
    switches = hrefs(browser_page, "a.lang-switch")
    if len(switches) != 1:
        return [f"has {len(switches)} language switches, expected 1"]
    target = local_target(switches[0])
    expected = (site / page.twin.path).resolve()
    if target is None or target[0].resolve() != expected:
        return [f"language switch leads to {switches[0]}, not to the twin {page.twin.path}"]
    if not expected.is_file():
        return [f"language switch leads to {page.twin.path}, which does not exist"]
    return []


def check_launch_menu(browser_page, page: Page, repo: Path) -> list[str]:
    """The theme's launch menu opens this notebook in Colab and Kaggle; its download menu gives it."""
    problems = []
    expected = [colab_url(page.notebook), kaggle_url(page.notebook)]
    found = hrefs(browser_page, ".dropdown-launch-buttons a")
    if found != expected:
        problems.append(f"launch menu links {found or 'missing'}, expected {expected}")
    downloads = hrefs(browser_page, ".dropdown-download-buttons a.btn-download-source-button")
    target = local_target(downloads[0]) if len(downloads) == 1 else None
    if target is None:
        problems.append(f"download link is {downloads or 'missing'}, expected one to {page.notebook}")
    elif not target[0].is_file() or target[0].read_bytes() != (repo / page.notebook).read_bytes():
        problems.append(f"download link {downloads[0]} does not give {page.notebook}")
    return problems


def check_colab_links(browser_page, page: Page, repo: Path) -> list[str]:
    """Every Colab or Kaggle link of the page opens a notebook of the page's edition that exists."""
    problems = []
    links = 'a[href^="https://colab.research.google.com/github/"], a[href^="https://kaggle.com/kernels/welcome"]'
    for url in hrefs(browser_page, links):
        match = NOTEBOOK_ON_GITHUB.search(url)
        path = match.group(1) if match else ""
        folder = page.edition.notebooks
        if not re.fullmatch(rf"{re.escape(folder)}/[^/]+\.ipynb", path) or not (repo / path).is_file():
            problems.append(f"launch link {url} does not open a notebook of {folder}/ in the repository")
    return problems


def check_lesson_order(browser_page, page: Page, site: Path) -> list[str]:
    root = site / page.edition.site
    expected = pages.lesson_pages(page.edition)
    listed: list[str] = []
    for url in hrefs(browser_page, "article a[href]"):
        target = local_target(url)
        if target is None or not target[0].is_relative_to(root):
            continue
        name = target[0].relative_to(root).with_suffix("").as_posix()
        if name in expected and name not in listed:
            listed.append(name)
    if listed != expected:
        return [f"lists the lessons {listed}, expected {expected}"]
    return []


def check_phone(context, page: Page, site: Path) -> list[str]:
    browser_page, _ = open_page(context, (site / page.path).as_uri())
    try:
        # Measured once the fonts (the header's icons among them) are in: before, a line can be wider.
        width = browser_page.evaluate(
            "async () => { await document.fonts.ready; return document.documentElement.scrollWidth; }"
        )
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
    try:
        return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as error:
        first_line = str(error).strip().splitlines()[0]
        raise RuntimeError(f"Chromium at {CHROMIUM} did not start: {first_line}") from None


def check_site(browser, site: Path, pages_to_check: list[Page] | None = None, repo: Path = ROOT) -> list[str]:
    """Every problem found, one line each, starting with the page's file. Empty: all good."""
    site = site.resolve()
    checking_all = pages_to_check is None
    pages_to_check = all_pages(repo) if pages_to_check is None else pages_to_check
    problems: list[str] = []
    desktop = browser.new_context(viewport={"width": 1280, "height": 900})
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        for page in pages_to_check:
            found = check_page(desktop, page, site, repo)
            if not found:
                found = check_phone(phone, page, site)
            # A link shown twice (the contents and the text) is one problem.
            problems += [f"{page.path}: {problem}" for problem in dict.fromkeys(found)]
        if checking_all:
            for edition in EDITIONS:
                problems += check_search(desktop, edition, site)
    finally:
        desktop.close()
        phone.close()
    return problems


def take_screenshots(browser, site: Path, folder: Path) -> list[Path]:
    """A lesson page with plots (its top and its first plot on a desktop, its top on a phone in
    zh-TW) and a docs page in zh-TW."""
    folder.mkdir(parents=True, exist_ok=True)
    lesson = next(name for name in lesson_names() if name.startswith("04_"))
    shots = (
        ("desktop", page(EDITIONS[0], lesson), "lesson.png", False),
        ("desktop", page(EDITIONS[0], lesson), "lesson-plot.png", True),
        ("phone", page(EDITIONS[1], lesson), "lesson-phone.png", False),
        ("desktop", page(EDITIONS[1], "instructors"), "docs-zh-TW.png", False),
    )
    contexts = {
        "desktop": browser.new_context(viewport={"width": 1280, "height": 900}),
        "phone": browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True),
    }
    try:
        for kind, shown, file, at_plot in shots:
            browser_page, _ = open_page(contexts[kind], (site / shown.path).as_uri())
            try:
                if at_plot and browser_page.locator("article img").count():
                    browser_page.locator("article img").first.scroll_into_view_if_needed()
                browser_page.screenshot(path=str(folder / file))
            finally:
                browser_page.close()
    finally:
        for context in contexts.values():
            context.close()
    return [folder / shot[2] for shot in shots]
