"""The website in a real browser (tests/site/site_checks.py says what is checked): a fresh build
passes every check, and broken copies of it (an image, a twin page, a link, a launch link, a
console error, a shown solution, a wrapped line of Chinese...) show that each check reports
its break. `python -m course site check` (`make test-site`) runs this file."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import site_checks as checks
from site_checks import page

from course.catalog import DOCS, EN, ZH_TW
from course.site import build as build_site
from course.site.build import SiteError

REPO = Path(__file__).resolve().parents[2]

MISSING = checks.missing_tool()
if MISSING and os.environ.get("SITE_TEST_REQUIRE_BROWSER") != "1":
    pytest.skip(MISSING, allow_module_level=True)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}: the test needs another edit"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_every_page_passes_in_the_browser(site, browser):
    pages = checks.all_pages()
    lessons = len(checks.lesson_names())
    assert len(pages) == 2 * (1 + lessons + len(DOCS)), "home, notebooks, docs pages: in both editions"
    problems = checks.check_site(browser, site)
    assert problems == [], "\n".join(problems)
    screenshots = os.environ.get("SITE_SCREENSHOTS")
    if screenshots:
        for shot in checks.take_screenshots(browser, site, REPO / screenshots):
            assert shot.stat().st_size > 10_000, f"{shot} looks empty"


def test_a_removed_image_is_reported(copy, browser):
    lesson = page(EN, "01_tokenization")
    image = re.search(r'<img [^>]*src="(\.\./_images/[^"]+)"', (copy / lesson.path).read_text(encoding="utf-8"))
    (copy / "notebooks" / image.group(1)).resolve().unlink()
    problems = checks.check_site(browser, copy, [lesson])
    assert f"{lesson.path}: image {image.group(1)} did not load (natural width 0)" in problems


def test_a_removed_twin_page_is_reported(copy, browser):
    english, chinese = page(EN, "02_training_arguments"), page(ZH_TW, "02_training_arguments")
    (copy / chinese.path).unlink()
    problems = checks.check_site(browser, copy, [english, chinese])
    assert problems == [
        f"{english.path}: language switch leads to {chinese.path}, which does not exist",
        f"{english.path}: link '../{chinese.path}' leads to {chinese.path}, which does not exist",
        f"{chinese.path}: missing (the twin of {english.path})",
    ]


def test_a_language_switch_to_another_page_is_reported(copy, browser):
    chinese = page(ZH_TW, "03_trainer_training")
    edit(copy / chinese.path, 'href="../../../notebooks/03_trainer_training.html"', 'href="../../../index.html"')
    problems = checks.check_site(browser, copy, [chinese])
    assert problems == [
        f"{chinese.path}: language switch leads to {(copy / 'index.html').as_uri()}, "
        "not to the twin notebooks/03_trainer_training.html"
    ]


def test_a_link_to_a_removed_page_or_anchor_is_reported(copy, browser):
    (copy / "zh-TW" / "docs" / "zh-TW" / "changes.html").unlink()
    edit(copy / "docs" / "grading.html", 'href="benchmark.html#grading-a-class"', 'href="benchmark.html#no-such-part"')
    problems = checks.check_site(browser, copy, [page(ZH_TW, "troubleshooting"), page(EN, "grading")])
    assert (
        "zh-TW/docs/zh-TW/troubleshooting.html: link 'changes.html' leads to zh-TW/docs/zh-TW/changes.html, "
        "which does not exist" in problems
    )
    assert (
        "docs/grading.html: link 'benchmark.html#no-such-part': docs/benchmark.html has no anchor #no-such-part"
        in problems
    )


def test_a_launch_link_to_another_notebook_is_reported(copy, browser):
    lesson = page(EN, "04_predictions_softmax")
    edit(
        copy / lesson.path,
        "blob/main/notebooks/04_predictions_softmax.ipynb",
        "blob/main/notebooks/05_compute_metrics.ipynb",
    )
    problems = checks.check_site(browser, copy, [lesson])
    assert any(problem.startswith(f"{lesson.path}: launch menu links [") for problem in problems)


def test_a_download_of_another_notebook_is_reported(copy, browser):
    lesson = page(ZH_TW, "05_compute_metrics")
    other = copy / "zh-TW" / "_sources" / "notebooks" / "zh-TW" / "01_tokenization.ipynb"
    (copy / "zh-TW" / "_sources" / "notebooks" / "zh-TW" / "05_compute_metrics.ipynb").write_bytes(other.read_bytes())
    problems = checks.check_site(browser, copy, [lesson])
    assert len(problems) == 1 and "does not give notebooks/zh-TW/05_compute_metrics.ipynb" in problems[0]


def test_a_colab_link_to_a_notebook_the_repository_lacks_is_reported(copy, browser):
    edit(copy / "index.html", "notebooks/06_training_loop_accelerate.ipynb", "notebooks/06_no_such_lesson.ipynb")
    problems = checks.check_site(browser, copy, [page(EN, "index")])
    assert any("launch link" in problem and "06_no_such_lesson.ipynb" in problem for problem in problems)


def test_a_console_error_is_reported(copy, browser):
    lesson = page(ZH_TW, "05_compute_metrics")
    edit(copy / lesson.path, "</body>", '<script>console.error("injected")</script></body>')
    problems = checks.check_site(browser, copy, [lesson])
    assert len(problems) == 1 and problems[0].startswith(f"{lesson.path}: console error: injected")


def test_a_shown_solution_is_reported(copy, browser):
    line = 'segment_b_start = encoding["token_type_ids"].index(1)'
    assert line in checks.solution_lines("01")
    exercises = page(EN, "01_tokenization_exercises")
    edit(copy / exercises.path, "</article>", f"<pre>{line}</pre></article>")
    problems = checks.check_site(browser, copy, [exercises])
    assert problems == [f"{exercises.path}: shows a solution line: {line}"]


def test_a_lesson_missing_from_the_home_page_is_reported(copy, browser):
    edit(copy / "index.html", 'href="notebooks/06_training_loop_accelerate.html"', 'href="index.html"')
    problems = checks.check_site(browser, copy, [page(EN, "index")])
    assert len(problems) == 1 and "lists the lessons" in problems[0]


def test_a_wrapped_line_of_chinese_is_reported(copy, browser):
    """One line break put back between two Chinese characters, as the translation wraps it."""
    lesson = page(ZH_TW, "07_use_and_share")
    edit(copy / lesson.path, "一樣微調一次，然後：存下模型", "一樣微調一次，然後：\n存下模型")
    problems = checks.check_site(browser, copy, [lesson])
    assert problems == [
        f"{lesson.path}: a line break between two CJK characters shows as a space: "
        "'樣微調一次，然後：\\n存下模型和它的 t'"
    ]


def test_a_page_wider_than_a_phone_is_reported(copy, browser):
    docs = page(EN, "instructors")
    edit(copy / docs.path, "</article>", '<div style="width: 1200px">wide</div></article>')
    problems = checks.check_site(browser, copy, [docs])
    assert len(problems) == 1 and "scrolls sideways" in problems[0]


def test_a_search_that_finds_nothing_is_reported(copy, browser):
    (copy / "zh-TW" / "searchindex.js").unlink()
    context = browser.new_context()
    try:
        problems = checks.check_search(context, ZH_TW, copy)
    finally:
        context.close()
    assert any("does not find 04_predictions_softmax" in problem for problem in problems)
    assert any("searchindex.js" in problem for problem in problems), "the missing index shows as a failed load"


def test_a_broken_link_in_a_docs_page_is_one_clear_error(tmp_path, monkeypatch):
    """Bad input stops the build with one line naming the page, the line and the fix, in plain
    text even where the environment asks for colour (CI runners set FORCE_COLOR)."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    repo = tmp_path / "repo"
    for path in (EN.readme, ZH_TW.readme):
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / path, repo / path)
    for folder in ("docs", "website", "notebooks"):
        shutil.copytree(REPO / folder, repo / folder, ignore=shutil.ignore_patterns("runs", ".ipynb_checkpoints"))
    edit(repo / ZH_TW.doc_path("grading"), "](benchmark.md)", "](benchmark-old.md)")
    with pytest.raises(SiteError) as error:
        build_site.build(tmp_path / "site", tmp_path / "site-src", repo)
    assert re.fullmatch(
        r"docs/zh-TW/grading\.md:\d+: 'myst' cross-reference target not found: 'benchmark-old\.md' "
        r"\[myst\.xref_missing\]\. Fix: correct it in docs/zh-TW/grading\.md; the site's build stops on any warning\.",
        str(error.value),
    )
