"""The Traditional Chinese (zh-TW) edition: built from the English notebooks and the
translations, never edited by hand, and unable to drift from the English edition.

nbval executes the English notebooks. A zh-TW notebook has the very same code cells and
outputs (checked here, cell by cell), so re-executing all of them would repeat that work;
`make nbval` executes the two quick ones from their own folder, which shows that the code
does not depend on where a notebook lies.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import build_zh_tw  # noqa: E402

ENGLISH = build_zh_tw.english_notebooks()
ZH_TW = ROOT / "notebooks" / "zh-TW"
README_ZH = ROOT / "README.zh-TW.md"
REPO_URL = "trainer-course/finetune-with-trainer/blob/main/"

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Common characters whose Simplified form differs from the Traditional one (the Traditional
# form in brackets is what a zh-TW text uses): none of these may appear.
SIMPLIFIED_ONLY = (
    "数据练习这们为时个对设类发网络码输图层读写问题开关进过还从与测试验换线长间标签权损"  # 数(數) 据(據) ...
    "参计让说将么实现处构无优态单样机务结执释载储调译语词记录见应该块确节显杂头种简体"  # 参(參) 计(計) ...
)
MIN_CJK_SHARE = 0.4  # of the letters in a markdown cell's prose; translated cells here are 0.52 or more


def load(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def prose(markdown: str) -> str:
    """A cell's running text: code blocks, code spans, quoted library messages and link targets removed."""
    markdown = re.sub(r"```.*?```", "", markdown, flags=re.S)
    markdown = re.sub(r"`[^`]*`", "", markdown)
    markdown = re.sub(r'\*"[^"]*"\*', "", markdown)
    markdown = re.sub(r"\]\([^)]*\)", "]", markdown)
    return re.sub(r"https?://\S+", "", markdown)


@pytest.fixture(scope="module")
def tables():
    return build_zh_tw.load_translations()


@pytest.fixture(scope="module")
def build():
    """What `make zh-tw` would write, and the problems it would report."""
    return build_zh_tw.build_all()


def test_every_english_notebook_has_a_zh_tw_twin():
    assert sorted(path.name for path in ZH_TW.glob("*.ipynb")) == [path.name for path in ENGLISH]


@pytest.mark.parametrize("english", ENGLISH, ids=lambda path: path.stem)
def test_every_markdown_cell_is_translated_and_reviewed(english, tables):
    _, problems = build_zh_tw.translate_notebook(english, tables)
    assert not problems, "\n".join(problems) + "\nFix: python scripts/build_zh_tw.py --add-missing"


def test_no_stale_translations(build):
    _, problems = build
    stale = [problem for problem in problems if "stale translation" in problem]
    assert not stale, "\n".join(stale) + "\nFix: delete these blocks (or they belong to a changed cell)"


@pytest.mark.parametrize("english", ENGLISH, ids=lambda path: path.stem)
def test_committed_twin_is_what_the_build_gives(english, build):
    built, _ = build
    twin = ZH_TW / english.name
    assert twin.read_text(encoding="utf-8") == built[twin], (
        f"notebooks/zh-TW/{english.name} is not what `make zh-tw` builds from notebooks/{english.name} "
        "and the translations: rebuild it in the same commit as the English change"
    )


@pytest.mark.parametrize("english", ENGLISH, ids=lambda path: path.stem)
def test_code_cells_and_outputs_are_the_english_ones(english):
    en_cells, zh_cells = load(english), load(ZH_TW / english.name)
    assert [cell["cell_type"] for cell in zh_cells] == [cell["cell_type"] for cell in en_cells]
    for index, (en, zh) in enumerate(zip(en_cells, zh_cells, strict=True)):
        assert zh.get("id") == en.get("id"), f"cell {index}"
        if en["cell_type"] == "code":
            assert zh == en, f"code cell {index} of {english.name} differs from the English one"
        else:
            assert zh.get("metadata") == en.get("metadata"), f"cell {index}"


@pytest.mark.parametrize("english", ENGLISH, ids=lambda path: path.stem)
def test_markdown_cells_are_written_in_chinese(english):
    for index, cell in enumerate(load(ZH_TW / english.name)):
        if cell["cell_type"] != "markdown":
            continue
        text = prose(source(cell))
        chinese, latin = len(CJK.findall(text)), len(re.findall(r"[A-Za-z]", text))
        assert chinese / max(chinese + latin, 1) >= MIN_CJK_SHARE, (
            f"zh-TW/{english.name} cell {index}: only {chinese} CJK characters against {latin} Latin letters"
        )
        for paragraph in re.split(r"\n\s*\n|\n(?=\s*(?:[*|]|\d+\.))", text):
            words = re.findall(r"[A-Za-z]{2,}", paragraph)
            assert len(words) < 4 or CJK.search(paragraph), (
                f"zh-TW/{english.name} cell {index} has an English paragraph left: {paragraph.strip()[:80]!r}"
            )


def zh_tw_texts():
    """Every Traditional Chinese text of the project: translations, built notebooks' prose, README."""
    texts = [(path.name, path.read_text(encoding="utf-8")) for path in sorted(build_zh_tw.TRANSLATIONS.glob("*.md"))]
    for path in sorted(ZH_TW.glob("*.ipynb")):
        texts += [(f"zh-TW/{path.name}", source(cell)) for cell in load(path) if cell["cell_type"] == "markdown"]
    return texts + [(README_ZH.name, README_ZH.read_text(encoding="utf-8"))]


def test_the_simplified_list_is_long_enough_and_really_simplified():
    assert len(set(SIMPLIFIED_ONLY)) >= 40
    assert not set(SIMPLIFIED_ONLY) & set("資料集模型訓練批次參數程式碼預測準確率"), "a Traditional form in the list"


def test_no_simplified_only_characters():
    found = [(name, char) for name, text in zh_tw_texts() for char in sorted(set(text) & set(SIMPLIFIED_ONLY))]
    assert not found, f"Simplified characters in the zh-TW edition: {found}"


def links(text: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r"https?://[^\s)\]]+", text)


@pytest.mark.parametrize("english", ENGLISH, ids=lambda path: path.stem)
def test_links_lead_to_the_zh_tw_twins(english):
    cells = load(ZH_TW / english.name)
    own_badge = f"colab.research.google.com/github/{REPO_URL}notebooks/zh-TW/{english.name}"
    assert own_badge in source(cells[0]), "the Colab badge opens this zh-TW notebook"
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        for link in links(source(cell)):
            if ".ipynb" not in link:
                continue
            if link.startswith("http"):
                assert "/notebooks/zh-TW/" in link, f"{link} leads to the English edition"
                target = ROOT / link.split(REPO_URL, 1)[1]
            else:
                target = (ZH_TW / link).resolve()
                assert target.parent == ZH_TW, f"{link} leaves notebooks/zh-TW"
            assert target.exists(), f"{link} leads nowhere"


def test_readme_zh_tw_is_linked_and_opens_the_zh_tw_notebooks():
    english_top = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").split("\n")[:8])
    assert "README.zh-TW.md" in english_top, "the English README links the zh-TW one at the top"
    text = README_ZH.read_text(encoding="utf-8")
    notebook_links = [link for link in links(text) if ".ipynb" in link]
    for link in notebook_links:
        if link.startswith("http"):
            assert "/notebooks/zh-TW/" in link, f"{link} opens the English edition"
            assert (ROOT / link.split(REPO_URL, 1)[1]).exists(), f"{link} leads nowhere"
        else:
            assert link.startswith("notebooks/zh-TW/") and (ROOT / link).exists(), link
    for path in ENGLISH:
        assert f"notebooks/zh-TW/{path.name}" in text, f"README.zh-TW.md does not list {path.name}"
    assert "make install" in text and "make test" in text
    share = len(CJK.findall(prose(text))) / max(len(re.findall(r"[A-Za-z]", prose(text))), 1)
    assert share > 0.5, "README.zh-TW.md should be mostly Chinese"


# --- the builder itself: drift is caught, and a translator is told what to do ----------------------------


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A copy of the English notebooks and the translations, for the builder to work on."""
    notebooks, translations = tmp_path / "notebooks", tmp_path / "translations" / "zh-TW"
    notebooks.mkdir()
    for path in ENGLISH:
        shutil.copy(path, notebooks / path.name)
    shutil.copytree(build_zh_tw.TRANSLATIONS, translations)
    monkeypatch.setattr(build_zh_tw, "ROOT", tmp_path)
    monkeypatch.setattr(build_zh_tw, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(build_zh_tw, "TARGET", notebooks / "zh-TW")
    monkeypatch.setattr(build_zh_tw, "TRANSLATIONS", translations)
    return tmp_path


def change_english_cell(sandbox: Path, name: str, index: int, old: str, new: str) -> None:
    path = sandbox / "notebooks" / name
    notebook = json.loads(path.read_text(encoding="utf-8"))
    text = source(notebook["cells"][index])
    assert old in text
    notebook["cells"][index]["source"] = text.replace(old, new)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def test_a_changed_english_cell_stops_the_build_naming_notebook_and_cell(sandbox, capsys):
    change_english_cell(sandbox, "03_trainer_training.ipynb", 14, "every 10 steps", "every 20 steps")
    assert build_zh_tw.main([]) == 1
    error = capsys.readouterr().err
    assert "notebooks/03_trainer_training.ipynb cell 14 ('## Training arguments')" in error
    assert "no zh-TW translation" in error
    assert "stale translation" in error  # the old block no longer matches any cell
    assert not (sandbox / "notebooks" / "zh-TW").exists(), "nothing is written while a cell is untranslated"


def test_add_missing_carries_the_old_translation_marked_for_review(sandbox, capsys):
    change_english_cell(sandbox, "03_trainer_training.ipynb", 14, "every 10 steps", "every 20 steps")
    assert build_zh_tw.main(["--add-missing"]) == 0
    added = (sandbox / "translations" / "zh-TW" / "03_trainer_training.md").read_text(encoding="utf-8")
    block = added[added.rindex("<!-- en -->") :]
    assert "every 20 steps" in block and "<!-- zh-TW needs-review -->" in block
    assert "每 10 步記錄一次損失" in block, "the previous translation is offered as a start"
    assert "<!-- -As in notebook 2. We log the loss every 10 steps" in added
    assert "<!-- +As in notebook 2. We log the loss every 20 steps" in added
    capsys.readouterr()
    assert build_zh_tw.main([]) == 1
    assert "is marked needs-review" in capsys.readouterr().err

    # The translator updates the Chinese, drops "needs-review" and the stale block: the build passes.
    fixed = added.replace("<!-- zh-TW needs-review -->", "<!-- zh-TW -->").replace("每 10 步", "每 20 步")
    stale_start = fixed.index("<!-- en -->\n## Training arguments\n\nAs in notebook 2. We log the loss every 10 steps")
    stale_end = fixed.index("<!-- end -->", stale_start) + len("<!-- end -->\n")
    (sandbox / "translations" / "zh-TW" / "03_trainer_training.md").write_text(
        fixed[:stale_start] + fixed[stale_end:], encoding="utf-8"
    )
    assert build_zh_tw.main([]) == 0
    rebuilt = load(sandbox / "notebooks" / "zh-TW" / "03_trainer_training.ipynb")
    assert "每 20 步記錄一次損失" in source(rebuilt[14])


def test_a_malformed_translations_file_names_file_and_line(sandbox, capsys):
    path = sandbox / "translations" / "zh-TW" / "02_training_arguments.md"
    path.write_text(path.read_text(encoding="utf-8").replace("<!-- end -->", "", 1), encoding="utf-8")
    assert build_zh_tw.main([]) == 1
    error = capsys.readouterr().err
    assert "02_training_arguments.md, line" in error and "Fix:" in error and "Traceback" not in error


def test_check_mode_reports_an_outdated_twin(sandbox, capsys):
    assert build_zh_tw.main([]) == 0
    assert build_zh_tw.main(["--check"]) == 0
    twin = sandbox / "notebooks" / "zh-TW" / "01_tokenization.ipynb"
    twin.write_text(twin.read_text(encoding="utf-8").replace("分詞", "斷詞", 1), encoding="utf-8")
    capsys.readouterr()
    assert build_zh_tw.main(["--check"]) == 1
    assert "01_tokenization.ipynb" in capsys.readouterr().err
