"""The Traditional Chinese (zh-TW) edition: built from the English notebooks and the
translations, never edited by hand, and unable to drift from the English edition.

A zh-TW notebook has the English code cells, cell by cell, except the language lines at the
top of its banner cell and its comments, which are Chinese (checked here: the code without its
comments, found with Python's tokenizer, is the English code exactly). Its outputs are its own: the banner, the
checks and progress() print Chinese. `make test` executes the two quick lessons from their own
folder under nbval; for the other lessons, the outputs that do not depend on the machine are
checked here against the English notebook's, and tests/test_exercises.py checks each exercise
notebook's (its other outputs, run again in Chinese). README.zh-TW.md has
every section of README.md, and each page of docs/zh-TW/ every section of its English page in
docs/, in order (each heading names its English one in a comment).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from course.catalog import DOCS, EN
from course.catalog import ZH_TW as ZH_TW_EDITION
from course.i18n import comments as code_comments
from course.i18n import zh_tw as build_zh_tw
from helpers import output_dir
from helpers.i18n import set_language

ROOT = Path(__file__).resolve().parent.parent

ENGLISH = build_zh_tw.english_notebooks()
EXERCISES = [path for path in ENGLISH if path.stem.endswith("_exercises")]
LESSONS = [path for path in ENGLISH if path not in EXERCISES]
ZH_TW = ROOT / "notebooks" / "zh-TW"
README_ZH = ROOT / "README.zh-TW.md"
DOCS_ZH = ROOT / ZH_TW_EDITION.docs
CATALOG = ROOT / "helpers" / "locale" / "zh_TW" / "LC_MESSAGES" / "course.po"
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
    assert not problems, "\n".join(problems) + "\nFix: python -m course zh-tw add-missing"


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


DRIFT = "not the English code, comments aside (with the language lines in the banner cell)"


def code_differences(en_cells: list[dict], zh_cells: list[dict]) -> list[str]:
    """How a twin's cells differ from the English notebook's other than by its prose, its outputs,
    its code's comments (translated) and the language lines that open its banner cell (and nowhere
    else). The code is compared without its comments, which Python's tokenizer finds: strings,
    names, spacing and line breaks all count."""
    if [cell["cell_type"] for cell in zh_cells] != [cell["cell_type"] for cell in en_cells]:
        return ["the cells are not the English notebook's cells, in order"]
    found = []
    for index, (en, zh) in enumerate(zip(en_cells, zh_cells, strict=True)):
        if zh.get("id") != en.get("id") or zh.get("metadata") != en.get("metadata"):
            found.append(f"cell {index}: another id or metadata")
        if en["cell_type"] != "code":
            continue
        expected = source(en)
        if build_zh_tw.BANNER_CALL in expected:
            expected = build_zh_tw.LANGUAGE_LINES + expected
        if not code_comments.same_code(source(zh), expected):
            found.append(f"code cell {index}: {DRIFT}")
    return found


@pytest.mark.parametrize("english", ENGLISH, ids=lambda path: path.stem)
def test_code_cells_are_the_english_ones_but_the_language_lines(english):
    assert not code_differences(load(english), load(ZH_TW / english.name)), english.name
    banner_cells = [cell for cell in load(ZH_TW / english.name) if build_zh_tw.BANNER_CALL in source(cell)]
    assert len(banner_cells) == 1 and source(banner_cells[0]).startswith("from helpers.i18n import set_language\n")


def test_the_drift_check_catches_any_other_difference_in_code():
    en_cells = load(ENGLISH[0])
    zh_cells = load(ZH_TW / ENGLISH[0].name)
    banner = next(i for i, cell in enumerate(zh_cells) if build_zh_tw.BANNER_CALL in source(cell))
    other = next(i for i, cell in enumerate(zh_cells) if cell["cell_type"] == "code" and i != banner)

    without_language = [dict(cell) for cell in zh_cells]
    without_language[banner]["source"] = source(en_cells[banner])
    assert code_differences(en_cells, without_language) == [f"code cell {banner}: {DRIFT}"]

    extra_line = [dict(cell) for cell in zh_cells]
    extra_line[other]["source"] = build_zh_tw.LANGUAGE_LINES + source(zh_cells[other])
    assert code_differences(en_cells, extra_line) == [f"code cell {other}: {DRIFT}"]

    edited = [dict(cell) for cell in zh_cells]
    edited[banner]["source"] = source(zh_cells[banner]).replace("resolve_profile()", "resolve_profile({})")
    assert code_differences(en_cells, edited) == [f"code cell {banner}: {DRIFT}"]

    # Comments may differ (they are translated); the code on a commented line may not, nor a string with a '#'.
    assert "# Colab 或 Kaggle" in source(zh_cells[2])
    assert not code_differences(en_cells, zh_cells)
    recommented = [dict(cell) for cell in zh_cells]
    recommented[2]["source"] = source(zh_cells[2]).replace("# Colab 或 Kaggle", "# 在 Colab 或 Kaggle 上")
    assert not code_differences(en_cells, recommented)
    commented_line = [dict(cell) for cell in zh_cells]
    commented_line[2]["source"] = source(zh_cells[2]).replace("in os.environ  # Colab", "in os.environ.keys()  # Colab")
    assert code_differences(en_cells, commented_line) == [f"code cell 2: {DRIFT}"]
    string = [dict(cell) for cell in zh_cells]
    string[2]["source"] = source(zh_cells[2]).replace('"google.colab"', '"google.colab  # 或 Kaggle"')
    assert code_differences(en_cells, string) == [f"code cell 2: {DRIFT}"]
    spacing = [dict(cell) for cell in zh_cells]
    spacing[2]["source"] = source(zh_cells[2]).replace("hosted = ", "hosted  = ")
    assert code_differences(en_cells, spacing) == [f"code cell 2: {DRIFT}"]


def twin_comments(path: Path) -> list[tuple[int, str]]:
    return [
        (index, token.string)
        for index, cell in enumerate(load(path))
        if cell["cell_type"] == "code"
        for token in code_comments.comment_tokens(source(cell))
    ]


@pytest.mark.parametrize("english", ENGLISH, ids=lambda path: path.stem)
def test_every_comment_a_zh_tw_reader_sees_is_chinese(english):
    """Every comment of a twin's code cells is Chinese, except commented-out code (``# q1.hint()``),
    which the reader uncomments and runs as it is."""
    comments = twin_comments(ZH_TW / english.name)
    english_left = [
        (index, comment)
        for index, comment in comments
        if not CJK.search(comment) and not code_comments.is_commented_out_code(comment)
    ]
    assert not english_left, f"zh-TW/{english.name}: comments left in English: {english_left}"
    assert len(comments) == len(twin_comments(english)) + 1, "one comment more: the language line's"


def test_comments_are_translated_by_the_tokenizer_never_in_strings_or_code():
    table = {
        "# an int": build_zh_tw.Translation("# an int", "# 一個整數（int）", "_comments.md", 1),
        "# a str": build_zh_tw.Translation("# a str", "# 一個字串（str）", "_comments.md", 2),
    }
    code = 'label = "# an int"  # a str\nanswer = f"{label} # a str"  # an int\n\n\n# a str\nx = """\n# an int\n"""\n'
    translated, missing = code_comments.translate_comments(code + "# unknown\n", table)
    assert translated == (
        'label = "# an int"  # 一個字串（str）\nanswer = f"{label} # a str"  # 一個整數（int）\n\n\n# 一個字串（str）\n'
        'x = """\n# an int\n"""\n# unknown\n'
    )
    assert missing == ["# unknown"]
    assert code_comments.same_code(code, translated.removesuffix("# unknown\n"))


def text_outputs(cell: dict) -> list[dict]:
    """A cell's outputs without images (PNG bytes may differ between two runs of the same plot)."""
    return [
        {**output, "data": {key: value for key, value in output["data"].items() if not key.startswith("image/")}}
        if "data" in output
        else output
        for output in cell.get("outputs", [])
    ]


def runs_folder(language: str) -> str:
    """Where helpers.output_dir() puts the runs of a notebook in ``language`` on this machine."""
    set_language(language)
    try:
        return str(Path(output_dir("NAME", env={})).parent)
    finally:
        set_language("en")


def as_the_twins_run(outputs: list[dict]) -> list[dict]:
    """English outputs as the twin's run shows them: its output folders are the zh-TW ones
    (``'runs/zh-TW/02_defaults'`` for ``'runs/02_defaults'``), and nothing else differs."""
    english, chinese = runs_folder("en"), runs_folder("zh-TW")
    return json.loads(json.dumps(outputs, ensure_ascii=False).replace(f"'{english}/", f"'{chinese}/"))


@pytest.mark.parametrize("english", LESSONS, ids=lambda path: path.stem)
def test_a_lesson_twins_machine_independent_outputs_are_the_english_ones(english):
    """The twin was executed from the current code: every output nbval would compare is the English one
    (but for the twin's own output folders)."""
    for index, (en, zh) in enumerate(zip(load(english), load(ZH_TW / english.name), strict=True)):
        if en["cell_type"] == "code" and "nbval-ignore-output" not in en["metadata"].get("tags", []):
            expected = as_the_twins_run(text_outputs(en))
            assert text_outputs(zh) == expected, f"{english.name} cell {index}: run `make notebooks`"


def test_a_twins_run_has_its_own_output_folder():
    """Lesson 2 shows its output folder: the twin's is the zh-TW one (helpers.output_dir)."""
    english = load(EN.folder / "02_training_arguments.ipynb")
    twin = load(ZH_TW / "02_training_arguments.ipynb")
    index = next(i for i, cell in enumerate(english) if 'output_dir("02_defaults")' in source(cell))
    assert text_outputs(english[index])[0]["data"]["text/plain"] == [f"'{runs_folder('en')}/02_defaults'"]
    assert text_outputs(twin[index])[0]["data"]["text/plain"] == [f"'{runs_folder('zh-TW')}/02_defaults'"]


@pytest.mark.parametrize("english", ENGLISH, ids=lambda path: path.stem)
def test_the_banner_is_chinese(english):
    banner = next(cell for cell in load(ZH_TW / english.name) if build_zh_tw.BANNER_CALL in source(cell))
    assert "".join(banner["outputs"][0]["text"]).startswith("課程設定檔：offline（由 COURSE_PROFILE 指定）\n")


@pytest.mark.parametrize("english", EXERCISES, ids=lambda path: path.stem)
def test_an_exercise_twin_checks_and_counts_in_chinese(english):
    cells = load(ZH_TW / english.name)
    checks = [cell for cell in cells if re.fullmatch(r"q\d\.check\(\)", source(cell))]
    assert len(checks) >= 3
    for number, cell in enumerate(checks, start=1):
        out = "".join(cell["outputs"][0]["text"])
        assert out.startswith(f"練習 {number}：還沒作答：把 ____ 換成你對 `"), out
    progress = "".join(cells[-1]["outputs"][0]["text"]).splitlines()
    assert progress[0] == f"答對 0/{len(checks)} 題"
    assert all(line.startswith("  尚未完成：練習 ") and line.endswith("：還沒作答") for line in progress[1:])


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
    """Every Traditional Chinese text of the project: translations, built notebooks' prose and
    outputs, the message catalog, the README."""
    texts = [(path.name, path.read_text(encoding="utf-8")) for path in sorted(build_zh_tw.TRANSLATIONS.glob("*.md"))]
    for path in sorted(ZH_TW.glob("*.ipynb")):
        texts += [(f"zh-TW/{path.name}", source(cell)) for cell in load(path) if cell["cell_type"] == "markdown"]
        texts += [
            (f"zh-TW/{path.name} outputs", "".join(output.get("text", "")))
            for cell in load(path)
            for output in cell.get("outputs", [])
        ]
    texts.append((CATALOG.name, CATALOG.read_text(encoding="utf-8")))
    texts += [(f"docs/zh-TW/{path.name}", path.read_text(encoding="utf-8")) for path in sorted(DOCS_ZH.glob("*.md"))]
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
    assert "make course" in text and "make test" in text
    share = len(CJK.findall(prose(text))) / max(len(re.findall(r"[A-Za-z]", prose(text))), 1)
    assert share > 0.5, "README.zh-TW.md should be mostly Chinese"


# --- README.zh-TW.md and docs/zh-TW/: every section of their English twins, in the same order --------


def headings(markdown: str) -> list[tuple[int, str]]:
    """The ``#``, ``##`` and ``###`` headings outside code blocks: (level, text)."""
    markdown = re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M)
    return [(len(marks), text.strip()) for marks, text in re.findall(r"^(#{1,3}) (.+)$", markdown, flags=re.M)]


ZH_HEADING = re.compile(r"^(?P<zh>.*\S)\s*<!-- (?P<en>.+?) -->$")
# Each English text and its zh-TW twin: the README, then the docs pages in the catalog's order.
TWINS = [(EN.readme, ZH_TW_EDITION.readme)] + [(EN.doc_path(page), ZH_TW_EDITION.doc_path(page)) for page in DOCS]


def section_problems(english: str, chinese: str, english_name: str = "README.md", name: str = "README.zh-TW.md"):
    """What keeps a zh-TW text (``name``) from having its English twin's sections: each zh-TW
    heading names the English heading it translates in a comment (``## 基準測試 <!-- Benchmark -->``);
    the English headings, at their levels and in their order, must be exactly those named."""
    named, problems = [], []
    for level, text in headings(chinese):
        found = ZH_HEADING.match(text)
        if not found:
            problems.append(f"{name}: the zh-TW heading {text!r} does not name its English heading: add <!-- ... -->")
            continue
        if not CJK.search(found["zh"]):
            problems.append(f"{name}: the zh-TW heading {text!r} is not translated")
        named.append((level, found["en"]))
    wanted = headings(english)
    for index, (level, text) in enumerate(wanted):
        if index >= len(named) or named[index] != (level, text):
            got = named[index] if index < len(named) else "nothing"
            problems.append(
                f"{english_name} section {index + 1} is {'#' * level} {text}; {name} has {got} there. "
                "Translate the section in the same commit as the English change."
            )
            break
    if len(named) > len(wanted) and not problems:
        problems.append(f"{name} has sections {english_name} lacks: {named[len(wanted) :]}")
    return problems


@pytest.mark.parametrize(("english", "chinese"), TWINS, ids=[pair[0] for pair in TWINS])
def test_each_zh_tw_text_has_every_section_of_its_english_twin_in_order(english, chinese):
    assert (ROOT / chinese).is_file(), f"{chinese} is missing: translate {english}"
    english_text = (ROOT / english).read_text(encoding="utf-8")
    problems = section_problems(english_text, (ROOT / chinese).read_text(encoding="utf-8"), english, chinese)
    assert not problems, "\n".join(problems)
    assert headings(english_text), f"{english} has no heading"


def test_docs_and_docs_zh_tw_have_the_catalogs_pages():
    for edition in (EN, ZH_TW_EDITION):
        found = sorted(path.stem for path in (ROOT / edition.docs).glob("*.md"))
        assert found == sorted(DOCS), f"{edition.docs}/ has {found}; course/catalog.py's DOCS lists {sorted(DOCS)}"


def test_a_missing_or_moved_section_is_caught():
    english = (ROOT / "docs" / "benchmark.md").read_text(encoding="utf-8")
    chinese = (DOCS_ZH / "benchmark.md").read_text(encoding="utf-8")
    names = ("docs/benchmark.md", "docs/zh-TW/benchmark.md")
    # A section the zh-TW page leaves out (here: the GPU figures).
    start = chinese.index("\n## ", chinese.index("<!-- Benchmark -->"))
    end = chinese.index("\n## ", start + 1)
    problems = section_problems(english, chinese[:start] + chinese[end:], *names)
    assert problems == [
        "docs/benchmark.md section 2 is ## On a GPU; docs/zh-TW/benchmark.md has (2, 'Training at real size on a CPU') "
        "there. Translate the section in the same commit as the English change."
    ]
    # A section the English page gains and the zh-TW page does not have yet.
    problems = section_problems(english + "\n## Grading a school\n\nText.\n", chinese, *names)
    number = len(headings(english)) + 1
    assert problems == [
        f"docs/benchmark.md section {number} is ## Grading a school; docs/zh-TW/benchmark.md has nothing there. "
        "Translate the section in the same commit as the English change."
    ]
    # A heading without its English name, in the README.
    readme = README_ZH.read_text(encoding="utf-8") + "\n## 新的一節\n"
    english_readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "does not name its English heading" in section_problems(english_readme, readme)[0]


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


def cell_starting(sandbox: Path, name: str, start: str) -> int:
    """The index of the English notebook's cell whose text starts with ``start`` (cells move as lessons grow)."""
    cells = json.loads((sandbox / "notebooks" / name).read_text(encoding="utf-8"))["cells"]
    return next(index for index, cell in enumerate(cells) if source(cell).startswith(start))


def change_english_cell(sandbox: Path, name: str, index: int, old: str, new: str) -> None:
    path = sandbox / "notebooks" / name
    notebook = json.loads(path.read_text(encoding="utf-8"))
    text = source(notebook["cells"][index])
    assert old in text
    notebook["cells"][index]["source"] = text.replace(old, new)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def test_a_changed_english_cell_stops_the_build_naming_notebook_and_cell(sandbox, capsys):
    index = cell_starting(sandbox, "03_trainer_training.ipynb", "## Training arguments")
    change_english_cell(sandbox, "03_trainer_training.ipynb", index, "every 10 steps", "every 20 steps")
    assert build_zh_tw.main([]) == 1
    error = capsys.readouterr().err
    assert f"notebooks/03_trainer_training.ipynb cell {index} ('## Training arguments')" in error
    assert "no zh-TW translation" in error
    assert "stale translation" in error  # the old block no longer matches any cell
    assert not (sandbox / "notebooks" / "zh-TW").exists(), "nothing is written while a cell is untranslated"


def test_add_missing_carries_the_old_translation_marked_for_review(sandbox, capsys):
    index = cell_starting(sandbox, "03_trainer_training.ipynb", "## Training arguments")
    change_english_cell(sandbox, "03_trainer_training.ipynb", index, "every 10 steps", "every 20 steps")
    assert build_zh_tw.main(["add-missing"]) == 0
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
    assert "每 20 步記錄一次損失" in source(rebuilt[index])


def test_a_changed_code_cell_loses_its_outputs_until_the_twin_is_executed_again(sandbox):
    shutil.copytree(ZH_TW, sandbox / "notebooks" / "zh-TW")
    path = sandbox / "notebooks" / "01_tokenization.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    index = next(i for i, cell in enumerate(notebook["cells"]) if source(cell).startswith("batch_size = 8"))
    notebook["cells"][index]["source"] = source(notebook["cells"][index]).replace("batch_size = 8", "batch_size = 4")
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert build_zh_tw.main([]) == 0
    twin = load(sandbox / "notebooks" / "zh-TW" / "01_tokenization.ipynb")
    assert twin[index]["outputs"] == [] and twin[index]["execution_count"] is None
    kept = [cell for i, cell in enumerate(twin) if cell["cell_type"] == "code" and i != index]
    assert all(cell["execution_count"] for cell in kept), "the other cells keep the twin's own outputs"
    assert source(twin[index]).startswith("batch_size = 4")


def test_a_malformed_translations_file_names_file_and_line(sandbox, capsys):
    path = sandbox / "translations" / "zh-TW" / "02_training_arguments.md"
    path.write_text(path.read_text(encoding="utf-8").replace("<!-- end -->", "", 1), encoding="utf-8")
    assert build_zh_tw.main([]) == 1
    error = capsys.readouterr().err
    assert "02_training_arguments.md, line" in error and "Fix:" in error and "Traceback" not in error


def test_check_mode_reports_an_outdated_twin(sandbox, capsys):
    assert build_zh_tw.main([]) == 0
    assert build_zh_tw.main(["check"]) == 0
    twin = sandbox / "notebooks" / "zh-TW" / "01_tokenization.ipynb"
    twin.write_text(twin.read_text(encoding="utf-8").replace("分詞", "斷詞", 1), encoding="utf-8")
    capsys.readouterr()
    assert build_zh_tw.main(["check"]) == 1
    assert "01_tokenization.ipynb" in capsys.readouterr().err


# --- the comments table: translations/zh-TW/_comments.md ------------------------------------------------


def test_a_changed_english_comment_stops_the_build_naming_notebook_cell_and_comment(sandbox, capsys):
    name = "04_predictions_softmax_exercises.ipynb"
    change_english_cell(sandbox, name, 14, "# a float between 0 and 1", "# a float from 0 to 1")
    assert build_zh_tw.main([]) == 1
    error = capsys.readouterr().err
    assert (
        f"notebooks/{name} cell 14: no zh-TW translation of the comment '# a float from 0 to 1' in "
        "translations/zh-TW/_comments.md (new, or changed since it was translated)" in error
    )
    assert "('# a float between 0 and 1'): no English code cell has this comment any more" in error
    assert "Traceback" not in error
    assert not (sandbox / "notebooks" / "zh-TW").exists(), "nothing is written while a comment is untranslated"

    # add-missing offers the old translation, marked for review, with the English change shown.
    assert build_zh_tw.main(["add-missing"]) == 0
    table = (sandbox / "translations" / "zh-TW" / "_comments.md").read_text(encoding="utf-8")
    block = table[table.rindex("<!-- en -->") :]
    assert block == (
        "<!-- en -->\n# a float from 0 to 1\n<!-- zh-TW needs-review -->\n# 一個 0 到 1 之間的浮點數\n<!-- end -->\n"
    )
    assert "<!-- -# a float between 0 and 1 -->\n<!-- +# a float from 0 to 1 -->\n" in table
    capsys.readouterr()
    assert build_zh_tw.main([]) == 1
    assert f"{name} cell 14: the translation of the comment '# a float from 0 to 1'" in capsys.readouterr().err


def test_a_comment_translated_anew_keeps_the_twins_outputs(sandbox):
    """Only the comments change: every code cell keeps the outputs of the committed twin, so a new
    translation of a comment needs no run of the twins."""
    shutil.copytree(ZH_TW, sandbox / "notebooks" / "zh-TW")
    table = sandbox / "translations" / "zh-TW" / "_comments.md"
    text = table.read_text(encoding="utf-8")
    table.write_text(
        text.replace("# map() 和載入權重時不顯示進度條", "# 不顯示 map() 與載入權重的進度條"), encoding="utf-8"
    )
    assert build_zh_tw.main([]) == 0
    for path in ENGLISH:
        twin, committed = load(sandbox / "notebooks" / "zh-TW" / path.name), load(ZH_TW / path.name)
        banner = next(cell for cell in twin if build_zh_tw.BANNER_CALL in source(cell))
        assert "# 不顯示 map() 與載入權重的進度條" in source(banner) and banner["outputs"]
        kept = [(cell.get("outputs"), cell.get("execution_count")) for cell in twin]
        assert kept == [(cell.get("outputs"), cell.get("execution_count")) for cell in committed], path.name


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("# 一個整數（int）\n", "# 一個整數\n# （int）\n", "the zh-TW side is not one comment"),
        ("# 一個整數（int）\n", "一個整數（int）\n", "the zh-TW side is not one comment"),
        ("# noqa: F401 (作答時會用到)", "# 作答時會用到", "the translation drops the tool's directive '# noqa: F401'"),
        ("# 暖機\n", "# warm-up\n", "the translation is the English comment itself ('# warm-up')"),
    ],
    ids=["two lines", "no #", "noqa dropped", "untranslated"],
)
def test_a_malformed_comments_table_names_the_problem_and_the_fix(sandbox, capsys, old, new, problem):
    table = sandbox / "translations" / "zh-TW" / "_comments.md"
    text = table.read_text(encoding="utf-8")
    assert old in text
    table.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert build_zh_tw.main([]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: _comments.md, line ") and problem in error and "Fix: " in error, error
    assert len(error.strip().split("\n")) == 1 and "Traceback" not in error


def test_code_the_tokenizer_cannot_read_is_reported_not_a_stack_trace(sandbox, capsys):
    change_english_cell(
        sandbox, "01_tokenization_exercises.ipynb", 9, "segment_b_start = ____", 'segment_b_start = """'
    )
    assert build_zh_tw.main([]) == 1
    error = capsys.readouterr().err
    assert "notebooks/01_tokenization_exercises.ipynb cell 9 ('segment_b_start = \"\"\"  # an int'): Python's" in error
    assert "tokenizer cannot read this code" in error and "Traceback" not in error
