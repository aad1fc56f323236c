"""No stray space in zh-TW text: no line break between two CJK characters wherever a zh-TW text
is shown, since browsers (Colab, JupyterLab, GitHub, the website) show it as a space
(course/i18n/cjk.py). Counted in the zh-TW notebooks' markdown, README.zh-TW.md, docs/zh-TW/,
the website's own zh-TW pages and the message catalog; each one found is named by file and line.
The website as built is checked in Chromium by tests/site/."""

from __future__ import annotations

import json
import re
from pathlib import Path

from babel.messages.pofile import read_po

from course.catalog import DOCS, ZH_TW, notebook_names
from course.i18n import zh_tw as build_zh_tw
from course.i18n.cjk import join_line_breaks, line_breaks, punctuation_breaks, text_breaks

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "helpers" / "locale" / "zh_TW" / "LC_MESSAGES" / "course.po"


def markdown_breaks(name: str, markdown: str) -> list[str]:
    return [f"{name}, line {line}: {markdown.split(chr(10))[line - 1][-12:]}⏎" for line in line_breaks(markdown)]


def notebook_breaks(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    shown = path.relative_to(ROOT)
    return [
        problem
        for index, cell in enumerate(cells)
        if cell["cell_type"] == "markdown"
        for problem in markdown_breaks(f"{shown} cell {index}", "".join(cell["source"]))
    ]


def catalog_breaks(path: Path) -> list[str]:
    """A msgstr may break its lines where its msgid does (the problem, then `Fix:` on a line of its
    own, printed as plain text); any other line break between two CJK characters is wrapping."""
    with path.open("rb") as file:
        catalog = read_po(file)
    problems = []
    for message in catalog:
        english = message.id if isinstance(message.id, str) else "\n".join(message.id)
        chinese = message.string if isinstance(message.string, str) else "\n".join(message.string or ())
        if message.id and text_breaks(chinese) > english.count("\n"):
            line = message.lineno or 0
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
            problems.append(f"{shown}, msgstr of line {line}: {chinese[:30]!r}")
    return problems


def test_no_line_break_between_cjk_characters_anywhere_zh_tw_is_shown():
    problems = []
    for name in notebook_names():
        problems += notebook_breaks(ROOT / ZH_TW.notebook_path(name))
    for path in [ZH_TW.readme, *(ZH_TW.doc_path(page) for page in DOCS)]:
        problems += markdown_breaks(path, (ROOT / path).read_text(encoding="utf-8"))
    for path in sorted((ROOT / "website" / ZH_TW.code).rglob("*.md")):
        problems += markdown_breaks(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
    problems += catalog_breaks(CATALOG)
    assert not problems, f"{len(problems)} line breaks between CJK characters (join the lines):\n" + "\n".join(problems)


def test_a_wrapped_line_is_found_with_its_file_and_line():
    text = "# 標題\n\n第一段的文字，\n接著寫下去。\n\n```\n程式\n碼\n```\n"
    assert markdown_breaks("docs/zh-TW/x.md", text) == ["docs/zh-TW/x.md, line 3: 第一段的文字，⏎"]
    # Code blocks keep their lines; emphasis and links around the break still count.
    assert line_breaks("```\n中文\n中文\n```") == []
    assert line_breaks("**多數類別比例**\n（majority）") == [1]
    assert line_breaks("## 標題\n段落") == [], "a heading is a line of its own"


def test_a_line_wrapped_again_in_readme_zh_tw_is_found():
    readme = (ROOT / ZH_TW.readme).read_text(encoding="utf-8")
    lines = readme.split("\n")
    number, sentence = next((n, line) for n, line in enumerate(lines, 1) if "，" in line and line[0] not in "#|*<[")
    cut = sentence.index("，") + 1
    lines[number - 1 : number] = [sentence[:cut], sentence[cut:]]
    assert markdown_breaks("README.zh-TW.md", "\n".join(lines)) == [
        f"README.zh-TW.md, line {number}: {sentence[:cut][-12:]}⏎"
    ]


def test_a_wrapped_msgstr_is_found(tmp_path):
    text = CATALOG.read_text(encoding="utf-8")
    line = next(line for line in text.split("\n") if line.startswith('msgstr "') and "，" in line)
    broken = text.replace(line, line.replace("，", "，\\n", 1), 1)
    path = tmp_path / "course.po"
    path.write_text(broken, encoding="utf-8")
    problems = catalog_breaks(path)
    assert len(problems) == 1 and problems[0].startswith("course.po, msgstr of line ")


def test_the_zh_tw_build_joins_the_lines_a_translation_wraps():
    """translations/zh-TW/ may stay wrapped: the built twin has each paragraph on one line."""
    tables = build_zh_tw.load_translations()
    block = next(
        block
        for stem, table in tables.items()
        if stem != build_zh_tw.SHARED_STEM
        for block in table.values()
        if line_breaks(block.chinese)
    )
    built, _ = build_zh_tw.build_all(tables)
    cells = json.loads(built[build_zh_tw.TARGET / block.file.replace(".md", ".ipynb")])["cells"]
    sources = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"]
    joined = join_line_breaks(block.chinese)
    assert joined in sources and line_breaks(joined) == []
    # Only those breaks go (with the next line's indentation): every other character stays.
    breaks = len(line_breaks(block.chinese)) + len(punctuation_breaks(block.chinese))
    assert joined.count("\n") == block.chinese.count("\n") - breaks
    assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", block.chinese)


def test_no_line_break_next_to_cjk_punctuation_in_the_zh_tw_notebooks_readme_and_docs():
    """「`input_ids`、⏎`token_type_ids`」 shows a space after 、, 「BERT⏎（」 one before （: the build joins
    such lines too."""
    problems = []
    for name in notebook_names():
        path = ROOT / ZH_TW.notebook_path(name)
        for index, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] == "markdown":
                lines = punctuation_breaks("".join(cell["source"]))
                problems += [f"{path.relative_to(ROOT)} cell {index}, line {line}" for line in lines]
    for page in [ZH_TW.readme, *(ZH_TW.doc_path(name) for name in DOCS)]:
        problems += [f"{page}, line {line}" for line in punctuation_breaks((ROOT / page).read_text("utf-8"))]
    assert not problems, "line breaks next to CJK punctuation (join the lines):\n" + "\n".join(problems)


def test_a_line_break_next_to_cjk_punctuation_is_joined_but_not_before_a_new_block():
    text = "`input_ids`、\n`token_type_ids` 和\n`attention_mask`：\n* 一項；\n2. 另一項。\n| 表 |\n\n下一段。"
    assert punctuation_breaks(text) == [1]
    assert join_line_breaks(text) == (
        "`input_ids`、`token_type_ids` 和\n`attention_mask`：\n* 一項；\n2. 另一項。\n| 表 |\n\n下一段。"
    )
    assert punctuation_breaks("```\n甲、\nb\n```") == [], "code blocks keep their lines"
    assert join_line_breaks("一個小型 BERT\n（all-MiniLM-L6-v2）和\n*equivalent*") == (
        "一個小型 BERT（all-MiniLM-L6-v2）和\n*equivalent*"
    ), "before CJK punctuation too; between a Chinese and a Latin word the break stays (shown as a space)"
