"""The website's sources, without building it (no Sphinx needed): the pages are the catalog's
notebooks and docs pages in both editions, each home page shows its README between markers the
README has, links lead where they lead on GitHub, and bad input gets one line with its fix.
The built site itself is checked in a browser by tests/site/ (`make test-site`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course.catalog import DOCS, EN, ZH_TW, github_url, notebook_names
from course.site import build as build_site
from course.site import pages
from course.site.build import SiteError
from test_zh_tw import SIMPLIFIED_ONLY

ROOT = Path(__file__).resolve().parent.parent


def test_the_lesson_pages_follow_the_catalogs_reading_order():
    assert build_site.lesson_names() == notebook_names()
    assert pages.lesson_pages(ZH_TW)[:2] == [
        "notebooks/zh-TW/01_tokenization",
        "notebooks/zh-TW/01_tokenization_exercises",
    ]
    assert pages.page_names(EN) == ["index", *pages.lesson_pages(EN), *(f"docs/{page}" for page in DOCS)]


def test_the_docs_pages_and_the_home_pages_markers_are_there():
    build_site.check_docs()
    for edition in (EN, ZH_TW):
        build_site.check_includes(edition)


def test_the_contents_are_the_lessons_then_the_docs_pages():
    contents = pages.contents(ZH_TW)
    assert contents.count("```{toctree}") == 2 and ":caption: 課程" in contents
    listed = [line for line in contents.split("\n") if line.startswith(("notebooks/", "docs/"))]
    assert listed == pages.lesson_pages(ZH_TW) + pages.doc_pages(ZH_TW)


def test_each_page_has_its_twin():
    assert pages.twin(EN, "notebooks/03_trainer_training") == "notebooks/zh-TW/03_trainer_training"
    assert pages.twin(ZH_TW, "docs/zh-TW/grading") == "docs/grading"
    assert pages.twin(ZH_TW, "index") == "index" and pages.twin(EN, "search") == "search"
    for page in pages.page_names(EN):
        assert pages.twin(ZH_TW, pages.twin(EN, page)) == page
        assert pages.twin(EN, page) in pages.page_names(ZH_TW)
    assert pages.relative_url(EN, "docs/grading", ZH_TW, "docs/zh-TW/grading") == "../zh-TW/docs/zh-TW/grading.html"
    assert pages.relative_url(ZH_TW, "index", EN, "index", "x") == "../index.html#x"


def test_links_lead_where_they_lead_on_github():
    # The README is the home page; a page of the other edition is that page; any other file is on GitHub.
    assert pages.link_target(EN, "docs/instructors", "docs/../README.md") == ("page", "index")
    assert pages.link_target(ZH_TW, "docs/zh-TW/grading", "README.md", "x") == ("url", "../../../index.html#x")
    assert pages.link_target(EN, "index", "notebooks/zh-TW/01_tokenization.ipynb") == (
        "url",
        "zh-TW/notebooks/zh-TW/01_tokenization.html",
    )
    assert pages.link_target(EN, "docs/x", "scripts/train_mrpc.py") == ("url", github_url("scripts/train_mrpc.py"))
    assert pages.link_target(EN, "docs/x", "scripts/no_such_file.py") is None, "left for the build to report"
    assert pages.link_target(EN, "index", "../outside.md") is None


def test_zh_tw_headings_show_without_their_english_twins_name():
    text = "## 基準測試 <!-- Benchmark -->\n\n<!-- a note -->\n```bash\n# 一個 GPU\n```"
    assert pages.without_heading_comments(text) == "## 基準測試\n\n<!-- a note -->\n```bash\n# 一個 GPU\n```"


def test_the_stage_mirrors_the_repository(tmp_path):
    build_site.stage(ZH_TW, tmp_path / "src")
    staged = sorted(str(path.relative_to(tmp_path / "src")) for path in (tmp_path / "src").rglob("*") if path.is_file())
    expected = ["index.md", ZH_TW.readme] + [ZH_TW.doc_path(page) for page in DOCS]
    expected += [ZH_TW.notebook_path(name) for name in notebook_names()]
    assert staged == sorted(expected)
    copied = tmp_path / "src" / ZH_TW.notebook_path("02_training_arguments")
    assert copied.read_bytes() == (ROOT / ZH_TW.notebook_path("02_training_arguments")).read_bytes()


def test_zh_tw_site_text_has_no_simplified_characters():
    texts = {path.name: path.read_text(encoding="utf-8") for path in (ROOT / "website" / "zh-TW").rglob("*.md")}
    texts["pages.WORDS"] = " ".join(pages.WORDS[ZH_TW.code].values())
    texts["conf.py"] = (ROOT / "website" / "conf.py").read_text(encoding="utf-8")
    found = [(name, char) for name, text in texts.items() for char in sorted(set(text) & set(SIMPLIFIED_ONLY))]
    assert not found


# --- bad input: one line, with its fix ----------------------------------------------------------------


@pytest.fixture
def repo(tmp_path) -> Path:
    """A copy of what the site is made of: READMEs, docs, the home pages, the notebooks' names."""
    for path in ("README.md", "README.zh-TW.md", "docs", "website"):
        source = ROOT / path
        if source.is_dir():
            shutil.copytree(source, tmp_path / path)
        else:
            shutil.copyfile(source, tmp_path / path)
    return tmp_path


def test_no_notebooks_folder_is_one_clear_error(tmp_path):
    with pytest.raises(SiteError, match=r"^no notebooks folder in .*Fix: run the build from a clone"):
        build_site.lesson_names(tmp_path)


def test_a_missing_twin_is_one_clear_error(tmp_path):
    (tmp_path / "notebooks" / "zh-TW").mkdir(parents=True)
    for name in notebook_names():
        (tmp_path / "notebooks" / f"{name}.ipynb").write_text("{}")
        if name != "07_use_and_share":
            (tmp_path / "notebooks" / "zh-TW" / f"{name}.ipynb").write_text("{}")
    with pytest.raises(SiteError, match=r"notebooks/zh-TW/07_use_and_share.ipynb is missing.*Fix: translate it"):
        build_site.lesson_names(tmp_path)


def test_a_notebook_that_is_not_json_is_one_clear_error(tmp_path):
    (tmp_path / "notebooks" / "zh-TW").mkdir(parents=True)
    for name in notebook_names():
        for path in (EN.notebook_path(name), ZH_TW.notebook_path(name)):
            (tmp_path / path).write_text('{"cells": []}')
    (tmp_path / ZH_TW.notebook_path("04_predictions_softmax")).write_text('{"cells": [')
    with pytest.raises(SiteError) as error:
        build_site.lesson_names(tmp_path)
    assert str(error.value).startswith("notebooks/zh-TW/04_predictions_softmax.ipynb cannot be read as a notebook (")
    assert str(error.value).endswith("Fix: restore it (git checkout -- notebooks/zh-TW/04_predictions_softmax.ipynb).")


def test_a_missing_docs_twin_or_a_page_the_catalog_lacks_is_one_clear_error(repo):
    (repo / "docs" / "zh-TW" / "grading.md").unlink()
    with pytest.raises(SiteError) as error:
        build_site.check_docs(repo)
    assert str(error.value) == (
        "docs/zh-TW/grading.md is missing (the twin of docs/grading.md). Fix: write it, with the same sections as "
        "docs/grading.md, or take 'grading' out of DOCS in course/catalog.py."
    )
    shutil.copyfile(ROOT / "docs" / "zh-TW" / "grading.md", repo / "docs" / "zh-TW" / "grading.md")
    (repo / "docs" / "faq.md").write_text("# FAQ\n")
    with pytest.raises(SiteError, match=r"^docs/faq.md is not in DOCS in course/catalog.py.*Fix: add it to DOCS"):
        build_site.check_docs(repo)


def test_a_missing_include_marker_is_one_clear_error(repo):
    readme = repo / "README.zh-TW.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("<!-- end: home page -->\n", ""), encoding="utf-8")
    build_site.check_includes(EN, repo)
    with pytest.raises(SiteError) as error:
        build_site.check_includes(ZH_TW, repo)
    assert str(error.value) == (
        "README.zh-TW.md lacks the line <!-- end: home page -->, where website/zh-TW/index.md starts or ends what "
        "it shows (end-before). Fix: put the line back in README.zh-TW.md, or change website/zh-TW/index.md."
    )


def test_a_missing_home_page_is_one_clear_error(repo):
    (repo / "website" / "en" / "index.md").unlink()
    with pytest.raises(SiteError, match=r"^website/en/index.md is missing: the en edition's home page\. Fix: git"):
        build_site.check_includes(EN, repo)


def test_without_sphinx_the_build_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(build_site.importlib.util, "find_spec", lambda name: None)
    assert build_site.main(["--out", str(tmp_path / "site"), "--stage", str(tmp_path / "src")]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Fix: run `make site`" in error


def test_chinese_search_terms_are_characters_and_pairs():
    from course.site.cjk_search import han_terms

    assert han_terms("混淆矩陣") == ["混", "淆", "矩", "陣", "混淆", "淆矩", "矩陣"]
