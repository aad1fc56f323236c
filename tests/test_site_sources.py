"""The website's sources, without building it (no Sphinx needed): the pages come from the
notebooks in reading order, the shared text from the READMEs (both have every part a page
shows), and bad input gets one line.
The built site itself is checked in a browser by tests/site/ (`make test-site`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from course.catalog import EN, ZH_TW, notebook_names
from course.site import build as build_site
from course.site.build import WORDS, SiteError
from test_zh_tw import SIMPLIFIED_ONLY

ROOT = Path(__file__).resolve().parent.parent

README = (ROOT / "README.md").read_text(encoding="utf-8")
README_ZH = (ROOT / "README.zh-TW.md").read_text(encoding="utf-8")
MARKERS = {
    edition.code: sorted(
        {
            name or kind.removeprefix("readme-")
            for page in build_site.PAGES
            for kind, name in build_site.MARKER.findall(
                (ROOT / "website" / edition.code / f"{page}.md").read_text(encoding="utf-8")
            )
            if kind.startswith("readme-")
        }
    )
    for edition in build_site.EDITIONS
}


def test_the_lesson_pages_follow_the_catalogs_reading_order():
    names = build_site.lesson_names()
    assert names == notebook_names()
    assert all((ROOT / ZH_TW.notebook_path(name)).exists() for name in names)


def test_both_editions_have_the_same_pages():
    for page in build_site.PAGES:
        assert (ROOT / "website" / "en" / f"{page}.md").exists() and (
            ROOT / "website" / "zh-TW" / f"{page}.md"
        ).exists()
    assert MARKERS["en"] == MARKERS["zh-TW"], "the zh-TW pages show the same README parts as the English ones"


@pytest.mark.parametrize("name", MARKERS["en"])
def test_every_part_the_pages_show_is_in_the_english_readme(name):
    part = build_site.readme_part(README, name)
    assert part and len(part) > 100


@pytest.mark.parametrize("name", MARKERS["zh-TW"])
def test_every_part_the_zh_tw_pages_show_is_in_readme_zh_tw(name):
    part = build_site.readme_part(README_ZH, name)
    assert part and len(part) > 50, f"README.zh-TW.md has no '{name}' part"


def test_the_readme_parts_are_the_ones_meant():
    assert build_site.readme_part(README, "profiles").startswith("## Profiles")
    assert build_site.readme_part(README, "instructors").startswith("## For instructors")
    assert "### " not in build_site.readme_part(README, "instructors"), "its subsection is the multi-gpu part"
    assert build_site.readme_part(README, "multi-gpu").startswith("### Training as a program")
    assert "| `warmup_ratio=0.1` |" in build_site.readme_part(README, "changes")
    assert build_site.readme_part(README, "exercises-instructors").startswith("**For instructors**")
    assert build_site.readme_part(README, "own-machine").startswith("On Linux or macOS")
    assert "make course" in build_site.readme_part(README, "own-machine")
    assert build_site.readme_part(README_ZH, "intro").startswith("七堂")
    assert "python -m course grade" in build_site.readme_part(README, "grading")
    assert build_site.readme_part(README_ZH, "grading").startswith("## 給講師：批改全班的練習")


def test_zh_tw_site_text_has_no_simplified_characters():
    texts = {path.name: path.read_text(encoding="utf-8") for path in (ROOT / "website" / "zh-TW").rglob("*.md")}
    texts["build_site.WORDS"] = " ".join(WORDS[ZH_TW.code].values())
    texts["conf.py"] = (ROOT / "website" / "conf.py").read_text(encoding="utf-8")
    found = [(name, char) for name, text in texts.items() for char in sorted(set(text) & set(SIMPLIFIED_ONLY))]
    assert not found


def test_readme_links_are_rewritten_for_the_site():
    text = "[a](notebooks/zh-TW/01_tokenization.ipynb) [b](scripts/train_mrpc.py) [c](#x) [d](https://x.org) ![e](https://x/y.svg)"
    assert build_site.rewrite_links(text, ZH_TW) == (
        "[a](01_tokenization.ipynb) "
        "[b](https://github.com/trainer-course/finetune-with-trainer/blob/main/scripts/train_mrpc.py) "
        "[c](https://github.com/trainer-course/finetune-with-trainer/blob/main/README.zh-TW.md#x) "
        "[d](https://x.org) e"
    )


def test_the_lessons_table_has_every_lesson_with_its_links():
    names = build_site.lesson_names()
    notebooks = {name: json.loads((ROOT / ZH_TW.notebook_path(name)).read_text(encoding="utf-8")) for name in names}
    table = build_site.lessons_table(ZH_TW, names, notebooks, README_ZH)
    rows = table.splitlines()[2:]
    assert [re.search(r"\]\(([^)]+)\.ipynb\)", row).group(1) for row in rows] == names
    readme_row = next(line for line in README_ZH.splitlines() if "[03_trainer_training](" in line)
    cpu_time = readme_row.split("|")[-3].strip()  # the README's CPU column, e.g. "1 分 6 秒"
    assert "notebooks/zh-TW/03_trainer_training.ipynb" in rows[4] and f"| {cpu_time} |" in rows[4]
    assert [row.split("|")[1].strip() for row in rows][:3] == ["1", "", "2"]


def test_a_lesson_missing_from_the_readme_table_gets_its_notebook_summary():
    notebook = json.loads((ROOT / "notebooks" / "06_training_loop_accelerate.ipynb").read_text(encoding="utf-8"))
    table = build_site.lessons_table(EN, ["06_training_loop_accelerate"], {"06_training_loop_accelerate": notebook}, "")
    assert "`trainer.train()` hides a loop of a dozen lines." in table and "not measured" in table


def test_the_staged_notebook_has_launch_links_instead_of_the_badge(tmp_path):
    notebook = build_site.stage_notebook(ZH_TW, "02_training_arguments", tmp_path)
    first = build_site.source(notebook["cells"][0])
    assert "colab-badge.svg" not in first
    assert (
        'href="https://colab.research.google.com/github/trainer-course/finetune-with-trainer/blob/main/'
        'notebooks/zh-TW/02_training_arguments.ipynb"' in first
    )
    assert (
        'href="https://kaggle.com/kernels/welcome?src=https://github.com/trainer-course/finetune-with-trainer/' in first
    )
    assert 'href="notebooks/02_training_arguments.ipynb" download' in first
    copied = tmp_path / "extra" / "notebooks" / "02_training_arguments.ipynb"
    assert copied.read_bytes() == (ROOT / "notebooks" / "zh-TW" / "02_training_arguments.ipynb").read_bytes()


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


def test_without_sphinx_the_build_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(build_site.importlib.util, "find_spec", lambda name: None)
    assert build_site.main(["--out", str(tmp_path / "site"), "--stage", str(tmp_path / "src")]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Fix: run `make site`" in error


def test_chinese_search_terms_are_characters_and_pairs():
    from course.site.cjk_search import han_terms

    assert han_terms("混淆矩陣") == ["混", "淆", "矩", "陣", "混淆", "淆矩", "矩陣"]
