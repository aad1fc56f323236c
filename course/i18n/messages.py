"""The catalogs of the course's own messages (helpers.i18n): extract, update, compile, check.

    python -m course messages                 # `make messages`: extract, update every .po, compile every .mo
    python -m course messages --check         # what a translator still has to do (exit 1 if anything)
    python -m course messages --new zh_CN     # start the catalog of another locale

Extract: every ``_("...")`` and ``N_("...")`` in ``helpers/`` and ``course/grade/`` (the grader's own
messages to students), with Babel's Python extractor
(a ``# Translators:`` comment just above a message goes to the translator). Update: a new
message joins each ``helpers/locale/<locale>/LC_MESSAGES/course.po`` with an empty
translation, or, when a message that left the code was close to it, with that old
translation marked ``fuzzy`` (to review); messages no longer in the code are dropped.
Compile: each ``.po`` to the ``course.mo`` beside it, which ``helpers.i18n`` reads with
Python's own gettext; empty and fuzzy translations are left out, so those messages show
in English until a translator has done them. ``tests/test_i18n.py`` fails while any is left.
"""

from __future__ import annotations

import argparse
import io
import string
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from ..catalog import ROOT

SOURCE = ROOT / "helpers"
# The code whose messages students read: the helpers, and the class grader's own messages and pages.
SOURCES = (SOURCE, ROOT / "course" / "grade")
LOCALE_DIR = SOURCE / "locale"
DOMAIN = "course"
KEYWORDS = {"_": None, "N_": None}
PROJECT = "trainer-course-helpers"


def extract(sources: Path | tuple[Path, ...] = SOURCES) -> Catalog:
    """The template: every message of the code, with where it is (file, no line: fewer diffs)."""
    template = Catalog(project=PROJECT, fuzzy=False, charset="utf-8")
    for source in (sources,) if isinstance(sources, Path) else sources:
        found = extract_from_dir(
            source,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("Translators:",),
            strip_comment_tags=True,
        )
        folder = source.relative_to(ROOT) if source.is_relative_to(ROOT) else Path(source.name)
        for filename, lineno, message, comments, context in found:
            where = (folder / filename).as_posix()
            template.add(message, locations=[(where, lineno)], auto_comments=comments, context=context)
    return template


def po_files(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parent.parent.name, domain=DOMAIN)


def po_text(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, ignore_obsolete=True)
    return buffer.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    """The compiled catalog, without empty or fuzzy translations."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def update(path: Path, template: Catalog) -> None:
    """Bring one .po up to the template, then write it and its .mo."""
    catalog = read(path)
    catalog.update(template, update_creation_date=False)
    path.write_bytes(po_text(catalog))
    path.with_suffix(".mo").write_bytes(mo_bytes(read(path)))


def fields(text: str) -> list[tuple[str, str, str]] | None:
    """The ``{name!conversion:spec}`` fields of a template, sorted; None if the braces do not parse."""
    try:
        parsed = string.Formatter().parse(text)
        return sorted((name, conversion or "", spec or "") for _, name, spec, conversion in parsed if name is not None)
    except ValueError:
        return None


def problems(catalog: Catalog, template: Catalog) -> list[str]:
    """What keeps a catalog from being complete: a message of the code without a reviewed
    translation (missing, empty or fuzzy), a translation whose ``{fields}`` differ from its
    message's, and an entry the code no longer has (obsolete)."""
    found = []
    for message in template:
        if not message.id:
            continue
        where = ", ".join(sorted({location for location, _ in message.locations}))
        entry = catalog.get(message.id, message.context)
        if entry is None:
            found.append(f"missing (not in the catalog yet): {message.id!r} ({where})")
        elif not entry.string:
            found.append(f"untranslated: {message.id!r} ({where})")
        elif entry.fuzzy:
            found.append(f"fuzzy (review it, then remove the fuzzy flag): {message.id!r} ({where})")
        elif fields(entry.string) != fields(message.id):
            found.append(f"the translation's {{fields}} differ from the message's: {message.id!r} -> {entry.string!r}")
    for entry in catalog:
        if entry.id and template.get(entry.id, entry.context) is None:
            found.append(f"obsolete (no longer in the code): {entry.id!r}")
    for entry in catalog.obsolete.values():
        found.append(f"obsolete (kept as #~): {entry.id!r}")
    return found


def new_catalog(locale: str, template: Catalog) -> Path:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if path.exists():
        raise SystemExit(f"{path.relative_to(ROOT)} exists already: run `make messages` to update it.")
    catalog = Catalog(locale=locale, domain=DOMAIN, project=PROJECT, fuzzy=False, charset="utf-8")
    catalog.update(template)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(po_text(catalog))
    path.with_suffix(".mo").write_bytes(mo_bytes(read(path)))
    return path


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="list what is left to translate; exit 1 if anything")
    mode.add_argument("--new", metavar="LOCALE", help="start the catalog of a new locale, e.g. zh_CN")
    args = parser.parse_args(argv)
    template = extract()
    count = sum(1 for message in template if message.id)
    if args.new:
        path = new_catalog(args.new, template)
        print(f"{path.relative_to(ROOT)}: {count} messages to translate.")
        return 0
    status = 0
    for path in po_files():
        shown = path.relative_to(ROOT)
        if not args.check:
            update(path, template)
        left = problems(read(path), template)
        if args.check and path.with_suffix(".mo").read_bytes() != mo_bytes(read(path)):
            left.append(f"{path.with_suffix('.mo').name} is not the compiled {path.name}: run `make messages`")
        print(f"{shown}: {count} messages, {len(left)} to do", *left, sep="\n  ")
        status = 1 if left else status
    return status if args.check else 0


if __name__ == "__main__":
    sys.exit(main())
