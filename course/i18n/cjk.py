"""Line breaks between two CJK characters, which readers see as a stray space.

Markdown joins the lines of a paragraph with a line break, and browsers (Chromium, and so
Colab, JupyterLab, GitHub's preview and the course website) show that line break as a space,
also between two Chinese characters, where Chinese puts none: 「然後：⏎存下模型」 reads
「然後： 存下模型」. So a zh-TW text that is shown keeps each paragraph on one line:
``python -m course zh-tw build`` joins such lines when it writes the zh-TW notebooks (the
translations in translations/zh-TW/ may stay wrapped), and README.zh-TW.md and docs/zh-TW/
are written without them (tests/test_cjk_line_breaks.py counts them everywhere).

"CJK" here is a Han character, CJK punctuation (、。「」) or a full-width form (，：；（）！？),
also where emphasis or a link ends or starts (**多數類別比例**⏎（majority...). Code blocks are
left as they are: there a line break is a line break.

Next to CJK punctuation no space is wanted either, whatever is on the other side:
「`input_ids`、⏎`token_type_ids`」 reads 「`input_ids`、 `token_type_ids`」, and 「小型 BERT⏎（all-MiniLM）」
reads 「小型 BERT （all-MiniLM）」. The build joins those lines too (``punctuation_breaks``), unless
the next line starts a block of its own (a list item, a table row, a heading).
"""

from __future__ import annotations

import re

# Han (with extension A and the compatibility block), CJK symbols and punctuation, full-width forms.
CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
CJK = re.compile(f"[{CJK_CHARS}]")
# A CJK character, then what closes emphasis or a link: **粗體**, [連結](url), ~~刪除~~.
ENDS_IN_CJK = re.compile(rf"[{CJK_CHARS}](?:\*{{1,3}}|_{{1,3}}|~~|\]\([^)\s]*\))*$")
# What opens emphasis or a link, then a CJK character.
STARTS_WITH_CJK = re.compile(rf"^[ \t]*(?:\*{{1,3}}|_{{1,3}}|~~|\[)*[{CJK_CHARS}]")
FENCE = re.compile(r"^\s*(```|~~~)")
# CJK punctuation or a full-width form, then what closes emphasis or a link; or what opens them, then one.
ENDS_IN_CJK_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff00-\uffef](?:\*{1,3}|_{1,3}|~~|\]\([^)\s]*\))*$")
STARTS_WITH_CJK_PUNCTUATION = re.compile(r"^[ \t]*(?:\*{1,3}|_{1,3}|~~|\[)*[\u3000-\u303f\uff00-\uffef]")
# A line that starts a block of its own: a list item, a table row, a heading, a quote, HTML.
BLOCK_START = re.compile(r"^\s*(?:[*+-]\s|\d+[.)]\s|[|#>]|<)")


def _soft_breaks(lines: list[str], after_punctuation: bool = False) -> list[int]:
    """Indexes i where lines[i] and lines[i + 1] are one paragraph's lines joined between two CJK
    characters (or, with ``after_punctuation``, after CJK punctuation, before anything but a new
    block): outside code fences, the first line not a heading."""
    found, in_fence = [], False
    for index, line in enumerate(lines[:-1]):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        following = lines[index + 1]
        if in_fence or line.lstrip().startswith("#") or FENCE.match(following):
            continue
        between_cjk = ENDS_IN_CJK.search(line) and STARTS_WITH_CJK.match(following)
        punctuation = (
            ENDS_IN_CJK_PUNCTUATION.search(line) and following.strip() and not BLOCK_START.match(following)
        ) or (line.strip() and not line.lstrip().startswith("|") and STARTS_WITH_CJK_PUNCTUATION.match(following))
        if between_cjk or (after_punctuation and punctuation):
            found.append(index)
    return found


def line_breaks(markdown: str) -> list[int]:
    """The lines (counted from 1) that end in a CJK character which the next line continues with
    another: each is shown as a stray space."""
    return [index + 1 for index in _soft_breaks(markdown.split("\n"))]


def punctuation_breaks(markdown: str) -> list[int]:
    """The lines (counted from 1) that end in CJK punctuation which the next line continues with
    something else than CJK (`code`, a Latin word, a number), or that end in something else which
    the next line continues with CJK punctuation: each is shown as a space beside the punctuation."""
    lines = markdown.split("\n")
    return sorted({index + 1 for index in _soft_breaks(lines, after_punctuation=True)} - set(line_breaks(markdown)))


def join_line_breaks(markdown: str) -> str:
    """The Markdown with each line break between two CJK characters, or after CJK punctuation,
    removed (the next line's indentation too), everything else as it was."""
    lines = markdown.split("\n")
    # Emphasis that closes at a line's end and opens at the next line's start would merge into one
    # run of markers (**a**⏎**b** -> **a****b**): such a break stays, for a person to rewrite.
    joins = {
        i
        for i in _soft_breaks(lines, after_punctuation=True)
        if not (lines[i][-1] in "*_~" and lines[i + 1].lstrip()[0] in "*_~")
    }
    result: list[str] = []
    joining = False
    for index, line in enumerate(lines):
        if joining:
            result[-1] += line.lstrip(" \t")
        else:
            result.append(line)
        joining = index in joins
    return "\n".join(result)


def text_breaks(text: str) -> int:
    """Line breaks between two CJK characters in plain text (a message), indentation allowed."""
    return len(re.findall(f"[{CJK_CHARS}]\n[ \t]*(?=[{CJK_CHARS}])", text))
