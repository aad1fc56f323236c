"""Grades for the learning-management system: ``--roster FILE`` reads the class list as Canvas or
Moodle exports it, matches each student folder to it, and writes that system's grade-import CSV.

* **Canvas**: the roster is the Gradebook's export (*Grades > Export*: ``Student, ID, SIS User ID,
  SIS Login ID, Section, ...``). Its *Download Submissions* gives flat files named
  ``lastfirst_12345_67890_name.ipynb`` (12345 is the student's Canvas ID), which the grader groups
  by student. It writes ``canvas-grades.csv``: the roster's identity columns, a "Points Possible"
  row and one column for the assignment (``--assignment``), ready for *Grades > Import*.
* **Moodle**: the roster is the assignment's grading worksheet (*Grading action > Download grading
  worksheet*: ``Identifier, Full name, ..., Grade, Maximum grade, ...``, identifiers
  ``Participant 1234``). Its *Download all submissions* gives one folder per student,
  ``Ada Chen_1234_assignsubmission_file_`` (1234 is that participant number). It writes
  ``moodle-grades.csv``: the same worksheet with each matched student's grade (the points scaled
  to the worksheet's maximum grade), for *Upload grading worksheet*.

A folder is matched by the ID in its name, else by the student's name. Folders not on the roster
and roster entries with no folder are listed, never dropped silently.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .points import shown

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("Identifier", "Full name", "Grade")
POINTS_POSSIBLE = "Points Possible"
# The ID in a download's folder or file name: Moodle's participant number, Canvas's user ID.
MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_")
CANVAS_STUDENT = re.compile(r"^(?P<name>[^_]+)_(?P<id>\d+)$")


class RosterError(Exception):
    """A roster that cannot be read; the message names the problem and the fix."""


@dataclass
class Roster:
    kind: str  # "canvas" or "moodle"
    file: str
    header: list[str]
    rows: list[dict]  # the students' rows (Canvas's "Points Possible" row left out)
    matched: dict[str, int] = field(default_factory=dict)  # student folder -> index in rows
    folders: list[str] = field(default_factory=list)  # folders not on the roster
    entries: list[str] = field(default_factory=list)  # roster entries with no folder

    def name(self, index: int) -> str:
        row = self.rows[index]
        return row["Student"] if self.kind == "canvas" else row["Full name"]

    def identifier(self, index: int) -> str:
        row = self.rows[index]
        return row["ID"] if self.kind == "canvas" else row["Identifier"].removeprefix("Participant").strip()


def read_roster(path: Path) -> Roster:
    """A Canvas Gradebook export or a Moodle grading worksheet, recognised by its columns."""
    if not path.is_file():
        raise RosterError(f"no roster at {path}. Fix: export the class list from your LMS and pass its CSV file.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(f"{path.name} is not UTF-8 text. Fix: save it as CSV (UTF-8) and try again.") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    if all(column in header for column in CANVAS_COLUMNS[:2]):
        kind = "canvas"
    elif all(column in header for column in MOODLE_COLUMNS):
        kind = "moodle"
    else:
        raise RosterError(
            f"{path.name} is neither a Canvas Gradebook export (columns {', '.join(CANVAS_COLUMNS)}) nor a Moodle "
            f"grading worksheet (columns {', '.join(MOODLE_COLUMNS)}); its columns are {', '.join(header) or 'none'}. "
            "Fix: export the grades from Canvas (Grades > Export) or download the grading worksheet from Moodle."
        )
    rows = [{key: (value or "").strip() for key, value in row.items() if key} for row in reader]
    if kind == "canvas":
        rows = [row for row in rows if POINTS_POSSIBLE not in row.get("Student", "")]
    if not rows:
        raise RosterError(f"{path.name} lists no student. Fix: export it from a course that has students.")
    return Roster(kind, path.name, header, rows)


def letters(text: str) -> str:
    """A name reduced to its lowercase letters (accents removed): 'Chen, Ada' and 'chenada' agree."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(char for char in plain.lower() if char.isalpha())


def name_keys(name: str) -> set[str]:
    """The ways an LMS writes a name: as given, and last-first or first-last."""
    parts = [part for part in re.split(r"[,\s]+", name) if part]
    keys = {letters(name)}
    if "," in name and len(parts) >= 2:
        keys.add(letters("".join(parts[1:]) + parts[0]))
    elif len(parts) >= 2:
        keys.add(letters(parts[-1] + "".join(parts[:-1])))
    return keys


def folder_identity(folder: str) -> tuple[str, str | None]:
    """The name and the ID an LMS put in a student's folder name (no ID for a plain name)."""
    for pattern in (MOODLE_FOLDER, CANVAS_STUDENT):
        found = pattern.match(folder)
        if found:
            return found["name"], found["id"]
    return folder, None


def match(roster: Roster, students: list[str]) -> Roster:
    """Match each student folder to a roster entry, by ID first, then by name."""
    by_id = {roster.identifier(index): index for index in range(len(roster.rows))}
    by_name: dict[str, list[int]] = {}
    for index in range(len(roster.rows)):
        for key in name_keys(roster.name(index)):
            by_name.setdefault(key, []).append(index)
    taken: set[int] = set()
    for student in students:
        name, identifier = folder_identity(student)
        index = by_id.get(identifier) if identifier else None
        if index is None:
            candidates = [i for key in name_keys(name) for i in by_name.get(key, []) if i not in taken]
            index = candidates[0] if len(set(candidates)) == 1 else None
        if index is None or index in taken:
            roster.folders.append(student)
        else:
            roster.matched[student] = index
            taken.add(index)
    roster.entries = [f"{roster.name(i)} ({roster.identifier(i)})" for i in range(len(roster.rows)) if i not in taken]
    return roster


def write_import(out: Path, roster: Roster, totals: dict[str, dict], assignment: str) -> Path:
    """The LMS's grade-import CSV with each matched student's total; the path written."""
    max_points = max((total["max_points"] for total in totals.values()), default=0.0)
    if roster.kind == "canvas":
        path = out / "canvas-grades.csv"
        columns = [column for column in CANVAS_COLUMNS if column in roster.header] + [assignment]
        lines = [dict.fromkeys(columns, "") | {"Student": POINTS_POSSIBLE, assignment: shown(max_points)}]
        for student, index in roster.matched.items():
            row = {column: roster.rows[index].get(column, "") for column in columns[:-1]}
            lines.append(row | {assignment: shown(totals[student]["points"])})
    else:
        path = out / "moodle-grades.csv"
        columns = roster.header
        lines = []
        for index, row in enumerate(roster.rows):
            line = dict(row)
            student = next((name for name, i in roster.matched.items() if i == index), None)
            if student is not None:
                line["Grade"] = moodle_grade(totals[student], row.get("Maximum grade", ""))
                if "Feedback comments" in line:
                    line["Feedback comments"] = (
                        f"{shown(totals[student]['points'])} of {shown(totals[student]['max_points'])} points, "
                        f"{totals[student]['correct']} of {totals[student]['exercises']} exercises correct."
                    )
            lines.append(line)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(lines)
    return path


def moodle_grade(total: dict, maximum: str) -> str:
    """The points as a grade out of the worksheet's maximum grade (the points themselves without one)."""
    try:
        scale = float(maximum.replace(",", "."))
    except ValueError:
        return shown(total["points"])
    if total["max_points"] <= 0:
        return "0"
    return f"{total['points'] / total['max_points'] * scale:.2f}"
