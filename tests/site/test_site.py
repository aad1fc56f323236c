"""The website in a real browser. `make test-site` builds the site into a temporary folder,
opens every page in headless Chromium (Debian's package, driven by Playwright) and checks it
with course/site/check.py; then it breaks copies of the site (an image, a twin page, a link,
a Colab link...) and shows that the checks report each break.

Without Playwright, MyST-NB or Chromium (a plain `make unit` in .venv) the module is skipped,
with the reason; `make test-site` sets SITE_TEST_REQUIRE_BROWSER=1, which turns that into a
failure instead.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from pathlib import Path

import pytest

from course.catalog import EN, ZH_TW
from course.site import build as build_site
from course.site import check as check_site
from course.site.check import Page

REPO = Path(__file__).resolve().parents[2]


def missing_tool() -> str | None:
    for module, what in (("playwright", "Playwright"), ("myst_nb", "MyST-NB"), ("sphinx_book_theme", "the book theme")):
        if importlib.util.find_spec(module) is None:
            return f"{what} is not installed for this Python (`make test-site` installs it into .venv-site)"
    if not Path(check_site.CHROMIUM).is_file():
        return f"no Chromium at {check_site.CHROMIUM} (apt-get install chromium)"
    return None


MISSING = missing_tool()
if MISSING and os.environ.get("SITE_TEST_REQUIRE_BROWSER") != "1":
    pytest.skip(MISSING, allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    if MISSING:
        pytest.fail(MISSING, pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = check_site.launch_browser(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser) -> Path:
    root = tmp_path_factory.mktemp("site")
    build_site.build(root / "site", root / "site-src")
    return root / "site"


@pytest.fixture
def copy(site, tmp_path) -> Path:
    """A copy of the built site, to break."""
    return Path(shutil.copytree(site, tmp_path / "site"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}: the test needs another edit"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_every_page_passes_in_the_browser(site, browser):
    screenshots = os.environ.get("SITE_SCREENSHOTS")
    folder = REPO / screenshots if screenshots else None
    pages = check_site.all_pages()
    assert len(pages) == 2 * (len(build_site.lesson_names()) + 3), "home, lessons, instructors, changes: twice"
    problems = check_site.check_site(browser, site, screenshots=folder)
    assert problems == [], "\n".join(problems)
    if folder:
        assert (folder / "lesson.png").stat().st_size > 10_000


def test_a_removed_image_is_reported(copy, browser):
    page = copy / "01_tokenization.html"
    image = re.search(r'<img [^>]*src="(_images/[^"]+)"', page.read_text(encoding="utf-8")).group(1)
    (copy / image).unlink()
    problems = check_site.check_site(browser, copy, [Page(EN, "01_tokenization")])
    assert f"01_tokenization.html: image {image} did not load (natural width 0)" in problems


def test_a_removed_twin_page_is_reported(copy, browser):
    (copy / "zh-TW" / "02_training_arguments.html").unlink()
    pages = [Page(EN, "02_training_arguments"), Page(ZH_TW, "02_training_arguments")]
    problems = check_site.check_site(browser, copy, pages)
    assert problems == [
        "02_training_arguments.html: language switch leads to zh-TW/02_training_arguments.html, which does not exist",
        "02_training_arguments.html: link 'zh-TW/02_training_arguments.html' leads to "
        "zh-TW/02_training_arguments.html, which does not exist",
        "zh-TW/02_training_arguments.html: missing (the twin of 02_training_arguments.html)",
    ]


def test_a_language_switch_to_another_page_is_reported(copy, browser):
    edit(copy / "zh-TW" / "03_trainer_training.html", 'href="../03_trainer_training.html"', 'href="../index.html"')
    problems = check_site.check_site(browser, copy, [Page(ZH_TW, "03_trainer_training")])
    assert len(problems) == 1 and "language switch leads to" in problems[0]
    assert "not to the twin 03_trainer_training.html" in problems[0]


def test_a_link_to_a_removed_page_or_anchor_is_reported(copy, browser):
    (copy / "zh-TW" / "changes.html").unlink()
    edit(copy / "index.html", 'href="instructors.html"', 'href="instructors.html#no-such-part"')
    problems = check_site.check_site(browser, copy, [Page(ZH_TW, "index"), Page(EN, "index")])
    assert "zh-TW/index.html: link 'changes.html' leads to zh-TW/changes.html, which does not exist" in problems
    assert "index.html: link 'instructors.html#no-such-part': instructors.html has no anchor #no-such-part" in problems


def test_a_colab_link_to_another_notebook_is_reported(copy, browser):
    page = copy / "04_predictions_softmax.html"
    edit(page, "blob/main/notebooks/04_predictions_softmax.ipynb", "blob/main/notebooks/05_compute_metrics.ipynb")
    problems = check_site.check_site(browser, copy, [Page(EN, "04_predictions_softmax")])
    assert any(problem.startswith("04_predictions_softmax.html: launch-colab link is") for problem in problems)
    assert any("launch-kaggle link is" in problem for problem in problems)


def test_a_colab_link_to_a_notebook_the_repository_lacks_is_reported(copy, browser):
    edit(copy / "index.html", "notebooks/06_training_loop_accelerate.ipynb", "notebooks/06_no_such_lesson.ipynb")
    problems = check_site.check_site(browser, copy, [Page(EN, "index")])
    assert any("launch link" in problem and "06_no_such_lesson.ipynb" in problem for problem in problems)


def test_a_console_error_is_reported(copy, browser):
    edit(copy / "zh-TW" / "05_compute_metrics.html", "</body>", '<script>console.error("injected")</script></body>')
    problems = check_site.check_site(browser, copy, [Page(ZH_TW, "05_compute_metrics")])
    assert len(problems) == 1 and problems[0].startswith("zh-TW/05_compute_metrics.html: console error: injected")


def test_a_shown_solution_is_reported(copy, browser):
    line = 'segment_b_start = encoding["token_type_ids"].index(1)'
    assert line in check_site.solution_lines("01")
    edit(copy / "01_tokenization_exercises.html", "</article>", f"<pre>{line}</pre></article>")
    problems = check_site.check_site(browser, copy, [Page(EN, "01_tokenization_exercises")])
    assert problems == [f"01_tokenization_exercises.html: shows a solution line: {line}"]


def test_a_lesson_missing_from_the_home_page_is_reported(copy, browser):
    edit(copy / "index.html", 'href="06_training_loop_accelerate.html"', 'href="index.html"')
    problems = check_site.check_site(browser, copy, [Page(EN, "index")])
    assert len(problems) == 1 and "lists the lessons" in problems[0]


def test_a_page_wider_than_a_phone_is_reported(copy, browser):
    edit(copy / "instructors.html", "</article>", '<div style="width: 1200px">wide</div></article>')
    problems = check_site.check_site(browser, copy, [Page(EN, "instructors")])
    assert len(problems) == 1 and "scrolls sideways" in problems[0]


def test_a_search_that_finds_nothing_is_reported(copy, browser):
    (copy / "zh-TW" / "searchindex.js").unlink()
    context = browser.new_context()
    try:
        problems = check_site.check_search(context, ZH_TW, copy)
    finally:
        context.close()
    assert any("does not find 04_predictions_softmax" in problem for problem in problems)
    assert any("searchindex.js" in problem for problem in problems), "the missing index shows as a failed load"
