"""Build the Traditional Chinese (zh-TW) notebooks from the English ones.

    python -m course zh-tw build         # write notebooks/zh-TW/*.ipynb (`make zh-tw`)
    python -m course zh-tw check         # are the committed zh-TW notebooks up to date?
    python -m course zh-tw add-missing   # add a block to translate for each new or changed cell or comment

One source of truth: the English notebooks give every code cell, and
``translations/zh-TW/*.md`` give the markdown and the code's comments. The one difference
in code, comments aside: each twin's banner cell (the one that calls ``show_banner``)
starts with LANGUAGE_LINES, which make the course's messages (banner, set-up errors,
checks, hints, progress) Traditional Chinese. A twin's outputs are its own:
``python -m course run --zh-tw --in-place`` (part of ``make notebooks``) executes the
twins; the build keeps the outputs of each code cell whose code is unchanged (comments
aside) and clears those of a changed one, so a twin with a changed code cell must be
executed again (the tests say so). Each translation is keyed
by the *exact* text of the English cell it translates:

    <!-- en -->
    ## Train
    ...the English cell, exactly...
    <!-- zh-TW -->
    ## 訓練
    ...its translation...
    <!-- end -->

So when an English cell changes, its old translation no longer matches and the build
stops, naming the notebook and the cell. ``--add-missing`` then appends a block for it
to the notebook's file, with the previous translation (if there was a close one) marked
``<!-- zh-TW needs-review -->`` and the English changes shown as a diff; a translator
updates the Chinese, removes "needs-review", and the build passes again. Translations
no English cell uses any more are reported too, so nothing stale stays behind.
Cells shared by all notebooks (the set-up and the profile) are in ``_shared.md``; a block
in a notebook's own file wins over it (notebook 1 explains the banner in full).

The code cells' comments are translated too, from ``_comments.md``: the same blocks, each
keyed by the exact text of one English comment (``# an int``) and giving the whole zh-TW
comment (``# 一個整數（int）``). Only comments change: the builder finds them with Python's
``tokenize`` (COMMENT tokens), so strings and code stay the English ones, character for
character. A comment the table lacks stops the build like an untranslated cell, naming the
notebook, the cell and the comment; commented-out code (``# q1.hint()``) is kept by a
block whose translation is the English comment itself.

The translations may be wrapped at any width; a twin's markdown cell has each paragraph's
Chinese on one line (course/i18n/cjk.py): a line break between two Chinese characters would
show as a stray space in Colab, JupyterLab, GitHub and the website.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..catalog import EN, ROOT, ZH_TW, notebook_names
from .cjk import join_line_breaks
from .comments import (
    DIRECTIVE,
    is_commented_out_code,
    safe_comment_tokens,
    same_code,
    translate_comments,
)

NOTEBOOKS = EN.folder
TARGET = ZH_TW.folder
TRANSLATIONS = ROOT / "translations" / ZH_TW.code
SHARED_STEM = "_shared"
COMMENTS_STEM = "_comments"  # translations/zh-TW/_comments.md: the code cells' comments

EN, ZH, ZH_REVIEW, END = "<!-- en -->", "<!-- zh-TW -->", "<!-- zh-TW needs-review -->", "<!-- end -->"
MARKERS = (EN, ZH, ZH_REVIEW, END)

# What a twin's banner cell has before the English code: the choice of language, explicit
# and visible. Besides the translated comments, the only lines in which a twin's code differs
# from the English notebook's.
LANGUAGE_LINES = (
    "from helpers.i18n import set_language\n"
    "\n"
    'set_language("zh-TW")  # 課程的訊息（banner、錯誤訊息、檢查、提示與進度）使用繁體中文\n'
    "\n"
)
BANNER_CALL = "show_banner(profile)"


class TranslationFileError(ValueError):
    """A translations file that does not follow the block format."""


@dataclass
class Translation:
    english: str
    chinese: str
    file: str  # e.g. "03_trainer_training.md"
    line: int  # where the block starts
    needs_review: bool = False
    used: bool = False


Tables = dict[str, dict[str, Translation]]  # file stem (notebook name or "_shared") -> English text -> block


def english_notebooks() -> list[Path]:
    """The English notebooks in reading order (the catalog's), from NOTEBOOKS."""
    return [NOTEBOOKS / f"{name}.ipynb" for name in notebook_names()]


def parse_translation_file(path: Path) -> list[Translation]:
    """Read the en / zh-TW blocks of one file. Outside blocks only blank lines and
    one-line HTML comments (notes for translators) are allowed."""
    lines = path.read_text(encoding="utf-8").split("\n")
    blocks, index = [], 0

    def fail(line_number: int, problem: str):
        raise TranslationFileError(
            f"{shown(path)}, line {line_number}: {problem}. "
            f"Fix: each block is '{EN}', the English cell, '{ZH}', its translation, '{END}'."
        )

    def next_marker(after: int) -> int:
        found = next((i for i in range(after, len(lines)) if lines[i] in MARKERS), None)
        if found is None:
            fail(after, f"a block without '{END}'")
        return found

    while index < len(lines):
        line = lines[index]
        if line == EN:
            middle = next_marker(index + 1)
            if lines[middle] not in (ZH, ZH_REVIEW):
                fail(middle + 1, f"expected '{ZH}' before '{lines[middle]}'")
            end = next_marker(middle + 1)
            if lines[end] != END:
                fail(end + 1, f"expected '{END}' before '{lines[end]}'")
            english, chinese = "\n".join(lines[index + 1 : middle]), "\n".join(lines[middle + 1 : end])
            if not english.strip() or not chinese.strip():
                fail(index + 1, "an empty English text or translation")
            review = lines[middle] == ZH_REVIEW
            blocks.append(Translation(english, chinese, path.name, index + 1, needs_review=review))
            index = end + 1
        elif not line.strip() or (line.startswith("<!--") and line.endswith("-->") and line not in MARKERS):
            index += 1
        else:
            fail(index + 1, f"text outside a block: {line[:60]!r}")
    return blocks


# A comment that tells a tool something: its directive stays as it is at the start of the translation.
def check_comment_block(block: Translation) -> None:
    """A block of _comments.md: one English comment, one zh-TW comment, nothing that could change the code."""

    def fail(problem: str, fix: str):
        raise TranslationFileError(f"{block.file}, line {block.line}: {problem}. Fix: {fix}.")

    for side, text in (("English", block.english), ("zh-TW", block.chinese)):
        if "\n" in text.strip("\n") or not text.strip().startswith("#"):
            fail(
                f"the {side} side is not one comment ({first_line(text)!r})",
                "write each comment on one line, starting with '#', as it stands in the code cell",
            )
    english, chinese = block.english.strip(), block.chinese.strip()
    if english != block.english or chinese != block.chinese:
        fail("spaces around a comment", "write the comment from its '#' to its last character")
    directive = DIRECTIVE.match(english)
    if directive and not chinese.startswith(directive.group()):
        fail(
            f"the translation drops the tool's directive {directive.group()!r}",
            f"start the translation with {directive.group()!r} and translate only what follows it",
        )
    if chinese == english and not is_commented_out_code(english) and not block.needs_review:
        fail(
            f"the translation is the English comment itself ({english!r})",
            "translate it; only commented-out code, such as '# q1.hint()', stays as it is",
        )


def load_translations(folder: Path | None = None) -> Tables:
    """Every translation, by file (the notebook's name, "_shared", or "_comments" for the code cells'
    comments) and then by English text. The same English text twice in one file is an error."""
    folder = TRANSLATIONS if folder is None else folder
    if not folder.is_dir():
        raise TranslationFileError(f"No translations folder at {shown(folder)}.")
    tables: Tables = {}
    for path in sorted(folder.glob("*.md")):
        table = tables.setdefault(path.stem, {})
        for block in parse_translation_file(path):
            if path.stem == COMMENTS_STEM:
                check_comment_block(block)
            if block.english in table:
                what = "comment" if path.stem == COMMENTS_STEM else "cell"
                raise TranslationFileError(
                    f"{path.name}, line {block.line} translates the same English {what} as line "
                    f"{table[block.english].line}. Fix: keep one of the two blocks."
                )
            table[block.english] = block
    return tables


def find_translation(tables: Tables, notebook: str, english: str) -> Translation | None:
    """A notebook's own file first, then the cells every notebook shares."""
    return tables.get(notebook, {}).get(english) or tables.get(SHARED_STEM, {}).get(english)


def shown(path: Path) -> str:
    """A path as the project names it (relative to the repository when it is inside)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def first_line(text: str) -> str:
    return text.strip().split("\n")[0][:70]


def is_banner_cell(cell) -> bool:
    return cell.cell_type == "code" and BANNER_CALL in cell.source


def zh_tw_code(english_source: str, banner: bool) -> str:
    """A code cell of a twin, comments aside: the English code, after LANGUAGE_LINES in the banner cell."""
    return LANGUAGE_LINES + english_source if banner else english_source


def own_outputs(notebook, previous) -> None:
    """Give each code cell the outputs its twin had when the code was the same (comments aside:
    a translated comment changes no output), else none."""
    before = {cell.get("id"): cell for cell in previous.cells if cell.cell_type == "code"} if previous else {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        old = before.get(cell.get("id"))
        if old is not None and same_code(old.source, cell.source):
            cell.outputs, cell.execution_count = old.outputs, old.execution_count
        else:
            cell.outputs, cell.execution_count = [], None


def translate_notebook(path: Path, tables: Tables) -> tuple[nbformat.NotebookNode, list[str]]:
    """The zh-TW twin of one English notebook, and the problems found (missing or unreviewed).
    Its code cells carry the outputs of the committed twin where their code is unchanged."""
    notebook = nbformat.read(path, as_version=4)
    twin = TARGET / path.name
    previous = nbformat.read(twin, as_version=4) if twin.exists() else None
    problems = []
    comments = tables.get(COMMENTS_STEM, {})
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        banner = is_banner_cell(cell)
        try:
            source, missing = translate_comments(cell.source, comments)
        except (tokenize.TokenError, SyntaxError) as error:
            problems.append(
                f"{shown(path)} cell {index} ({first_line(cell.source)!r}): Python's tokenizer cannot read this code "
                f"({error}), so its comments cannot be translated"
            )
            source, missing = cell.source, []
        problems += [
            f"{shown(path)} cell {index}: no zh-TW translation of the comment {comment!r} in "
            f"translations/zh-TW/{COMMENTS_STEM}.md (new, or changed since it was translated)"
            for comment in missing
        ]
        problems += [
            f"{shown(path)} cell {index}: the translation of the comment {comment!r} in "
            f"translations/zh-TW/{block.file}, line {block.line}, is marked needs-review"
            for comment in dict.fromkeys(token.string for token in safe_comment_tokens(cell.source))
            if (block := comments.get(comment)) is not None and block.needs_review
        ]
        cell.source = zh_tw_code(source, banner)
    if not any(is_banner_cell(cell) for cell in notebook.cells):
        problems.append(f"{shown(path)}: no code cell calls {BANNER_CALL}, so the twin cannot choose its language")
    own_outputs(notebook, previous)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        block = find_translation(tables, path.stem, cell.source)
        if block is None:
            problems.append(
                f"{shown(path)} cell {index} ({first_line(cell.source)!r}): no zh-TW translation of this "
                "English text (new, or changed since it was translated)"
            )
            continue
        block.used = True
        if block.needs_review:
            problems.append(
                f"{shown(path)} cell {index} ({first_line(cell.source)!r}): its translation in "
                f"translations/zh-TW/{block.file}, line {block.line}, is marked needs-review"
            )
        cell.source = join_line_breaks(block.chinese)
    return notebook, problems


def all_blocks(tables: Tables) -> list[Translation]:
    return [block for table in tables.values() for block in table.values()]


def build_all(tables: Tables | None = None) -> tuple[dict[Path, str], list[str]]:
    """Every zh-TW notebook as the text to write, and every problem (missing, unreviewed, unused)."""
    tables = load_translations() if tables is None else tables
    built, problems = {}, []
    for path in english_notebooks():
        notebook, found = translate_notebook(path, tables)
        problems += found
        built[TARGET / path.name] = nbformat.writes(notebook) + "\n"
    for block in all_blocks(tables):
        if not block.used:
            what = "code cell has this comment" if block.file == f"{COMMENTS_STEM}.md" else "cell has this text"
            problems.append(
                f"translations/zh-TW/{block.file}, line {block.line} ({first_line(block.english)!r}): "
                f"no English {what} any more (stale translation)"
            )
    return built, problems


def block_to_translate(english: str, unused: list[Translation], placeholder: str, stem: str, tables: Tables) -> str:
    """A needs-review block for ``english``, with the translation of the closest unused block (if one
    is close) and the English lines that changed since, as comments; recorded in ``tables[stem]``."""
    close = difflib.get_close_matches(english, [block.english for block in unused], n=1, cutoff=0.5)
    previous = next((block for block in unused if close and block.english == close[0]), None)
    note = ""
    if previous:
        diff = difflib.unified_diff(previous.english.split("\n"), english.split("\n"), lineterm="", n=0)
        changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
        note = "".join(f"<!-- {line.replace('--', '- -')} -->\n" for line in changed)
    chinese = previous.chinese if previous else placeholder
    tables.setdefault(stem, {})[english] = Translation(english, chinese, f"{stem}.md", 0, needs_review=True)
    return f"{note}{EN}\n{english}\n{ZH_REVIEW}\n{chinese}\n{END}\n"


def append_blocks(stem: str, blocks: list[str]) -> int:
    if blocks:
        target = TRANSLATIONS / f"{stem}.md"
        existing = target.read_text(encoding="utf-8") if target.exists() else ""
        target.write_text(existing.rstrip("\n") + "\n\n" + "\n".join(blocks), encoding="utf-8")
        print(f"{shown(target)}: added {len(blocks)} block(s) to translate")
    return len(blocks)


def add_missing(tables: Tables) -> int:
    """Append a block for each untranslated cell to its notebook's file, and for each untranslated
    comment to _comments.md; return how many."""
    unused = [block for block in all_blocks(tables) if not block.used]
    unused_cells = [block for block in unused if block.file != f"{COMMENTS_STEM}.md"]
    unused_comments = [block for block in unused if block.file == f"{COMMENTS_STEM}.md"]
    added, comment_blocks = 0, []
    for path in english_notebooks():
        notebook = nbformat.read(path, as_version=4)
        blocks = []
        for cell in notebook.cells:
            if cell.cell_type == "code":
                for comment in [token.string for token in safe_comment_tokens(cell.source)]:
                    if comment not in tables.get(COMMENTS_STEM, {}):
                        todo = "# TODO: translate"
                        comment_blocks.append(block_to_translate(comment, unused_comments, todo, COMMENTS_STEM, tables))
            elif cell.cell_type == "markdown" and not find_translation(tables, path.stem, cell.source):
                blocks.append(block_to_translate(cell.source, unused_cells, "TODO: translate", path.stem, tables))
        added += append_blocks(path.stem, blocks)
    return added + append_blocks(COMMENTS_STEM, comment_blocks)


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "action",
        nargs="?",
        default="build",
        choices=("build", "check", "add-missing"),
        help="build (default): write notebooks/zh-TW/; check: fail if a committed zh-TW notebook is out of "
        "date; add-missing: append blocks to translate for new or changed cells and comments",
    )
    args = parser.parse_args(argv)
    args.check, args.add_missing = args.action == "check", args.action == "add-missing"
    try:
        tables = load_translations()
        built, problems = build_all(tables)
    except TranslationFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.add_missing:
        added = add_missing(tables)
        print(f"{added} block(s) added; translate them and remove 'needs-review'." if added else "Nothing to add.")
        return 0
    if problems:
        print("The zh-TW edition cannot be built:", *problems, sep="\n  ", file=sys.stderr)
        print("Fix: python -m course zh-tw add-missing, then translate the new blocks.", file=sys.stderr)
        return 1
    if args.check:
        stale = [path for path, text in built.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
        stale += [path for path in TARGET.glob("*.ipynb") if path not in built]
        if stale:
            names = ", ".join(path.name for path in stale)
            print(f"Out of date in notebooks/zh-TW: {names}. Fix: make zh-tw", file=sys.stderr)
            return 1
        print(f"notebooks/zh-TW: {len(built)} notebooks up to date.")
        return 0
    TARGET.mkdir(exist_ok=True)
    for path in TARGET.glob("*.ipynb"):
        if path not in built:
            path.unlink()
    for path, text in built.items():
        path.write_text(text, encoding="utf-8")
    print(f"notebooks/zh-TW: {len(built)} notebooks built.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
