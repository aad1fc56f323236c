"""Grades for the learning-management system: ``--roster FILE`` reads the class list as Canvas or
Moodle exports it, matches each student folder to it, and writes the file that system imports.
Every column name, row and file name read here is the LMS's own, as its code writes or reads it
(the source file is named beside each rule; docs/grading.md tells the instructor the same).

* **Canvas**: the roster is the Gradebook's export (*Grades > Export*, ``lib/gradebook_exporter.rb``:
  ``Student, ID, [SIS User ID,] SIS Login ID, ..., Section``, then one ``Title (id)`` column per
  assignment, a ``Points Possible`` row and, where an assignment is posted by hand, a
  ``Manual Posting`` row). It writes ``canvas-grades.csv`` for *Grades > Import*
  (``lib/gradebook_importer.rb``): the roster's student columns, a ``Points Possible`` row and the
  assignment's column. ``--assignment`` naming a column of the roster writes into that assignment,
  scaled to its own points possible (Canvas keeps an existing assignment's points); any other name
  makes a new assignment with the course's points.
* **Moodle**: the roster is the assignment's grading worksheet (*Download grading worksheet*,
  ``mod/assign/gradingtable.php``: ``Identifier, [Full name, ...,] Grade, Maximum Grade, ...,
  Last modified (grade), [Feedback comments]``). It writes ``moodle-grades.csv``, the same worksheet
  with each matched student's grade scaled to the worksheet's maximum, for *Upload grading worksheet*
  (``mod/assign/feedback/offline``); a feedback comment already there stays unless asked otherwise.

A folder is matched by the ID in its name (Moodle's participant number, Canvas's user ID; a Moodle
group's folder gives its grade to every member), else by the student's name. Folders not on the
roster and roster entries with no folder are listed, never dropped silently.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .points import shown

# --- Canvas: lib/gradebook_exporter.rb writes these, lib/gradebook_importer.rb reads them back ---------
# The student columns, in the exporter's order (LastName, FirstName replace Student where the account
# shows first and last names); the last one, Section, ends them for the importer.
CANVAS_STUDENT_COLUMNS = (
    "Student",
    "LastName",
    "FirstName",
    "ID",
    "SIS User ID",
    "SIS Login ID",
    "Integration ID",
    "Root Account",
    "Section",
)
POINTS_POSSIBLE = "Points Possible"  # the row the importer recognises with row[0].include?("Points Possible")
# check_for_non_student_row: a row of "Muted" or "Manual Posting ..." cells is not a student.
CANVAS_HIDDEN_ROW = re.compile(r"^\s*(Muted|Manual Posting.*)?\s*$", re.IGNORECASE)
# Assignment.title_and_id (app/models/assignment.rb): "Title (123)" names assignment 123.
TITLE_AND_ID = re.compile(r"\A(.*)\s\((\d+)\)\Z")
READ_ONLY = re.compile(r"read\s+only")  # readonly_assignment?: the exporter's "(read only)" cell
# NON_ASSIGNMENT_COLUMN_HEADERS: the importer drops every column whose name contains one of these.
CANVAS_TOTALS = (
    "Current Score",
    "Current Points",
    "Current Grade",
    "Final Score",
    "Final Points",
    "Final Grade",
    "Override Score",
    "Override Grade",
    "Override Status",
)

# --- Moodle: mod/assign/lang/en/assign.php and the core strings gradingtable.php puts in the header ---
MOODLE_IDENTIFIER = "Identifier"  # $string['recordid']
PARTICIPANT = "Participant "  # $string['hiddenuser']: the importer strips it to find the participant number
MOODLE_FULL_NAME = "Full name"  # get_string('fullname'); absent from an anonymous worksheet
MOODLE_GRADE = "Grade"  # get_string('grade') (Moodle 4.x: 'gradenoun'), the column the importer reads
MOODLE_MODIFIED = "Last modified (grade)"  # $string['lastmodifiedgrade']: the importer refuses a file without it
# $string['maxgrade'] is defined twice in assign.php, 'Maximum grade' then 'Maximum Grade'; the later
# one wins, so real worksheets say 'Maximum Grade'. Both spellings are read.
MOODLE_MAXIMUM = ("Maximum Grade", "Maximum grade")
MOODLE_SCALE = "Scale"  # $string['scale']: the column in place of the maximum when grading uses a scale
MOODLE_GROUP = "Group"  # $string['submissionteam']: only where students submit in groups
MOODLE_FEEDBACK = "Feedback comments"  # assignfeedback_comments' pluginname, the importer's column for it

# The ID in a student's folder (or a flat file's student) name. Moodle (mod/assign/classes/downloader.php;
# mod/assign/locallib.php before 4.1): "<full name>_<participant number>_assignsubmission_file" (an
# underscore more at the end before 4.1), "<group name>_<group id>_assignsubmission_file" for a group,
# "Default group_assignsubmission_file" for students in none. Canvas (lib/content_zipper.rb, grouped by
# submissions.canvas_file): "<lastfirst>_<user id>", "anon_<anonymous id>" when grading is anonymous.
MOODLE_FOLDER = re.compile(r"^(?P<name>.*?)(?:_(?P<id>\d+))?_assignsubmission_")
CANVAS_STUDENT = re.compile(r"^(?P<name>.+)_(?P<id>\d+)$")
CANVAS_ANONYMOUS = re.compile(r"^anon_(?P<id>[^_]+)$")


class RosterError(Exception):
    """A roster that cannot be read; the message names the problem and the fix."""


@dataclass
class Roster:
    kind: str  # "canvas" or "moodle"
    file: str
    header: list[str]
    rows: list[dict]  # the students' rows (Canvas's Points Possible and Manual Posting rows left out)
    points_possible: dict = field(default_factory=dict)  # Canvas: the Points Possible row, by column
    maximum: str = ""  # Moodle: the column with the maximum grade
    matched: dict[int, str] = field(default_factory=dict)  # index in rows -> the folder whose grade it gets
    folders: list[str] = field(default_factory=list)  # folders not on the roster
    entries: list[str] = field(default_factory=list)  # roster entries with no folder
    notes: list[str] = field(default_factory=list)  # how a folder was matched, or why it could not be

    def name(self, index: int) -> str:
        row = self.rows[index]
        if self.kind == "canvas":
            return row.get("Student") or f"{row.get('FirstName', '')} {row.get('LastName', '')}".strip()
        return row.get(MOODLE_FULL_NAME) or row[MOODLE_IDENTIFIER]

    def identifier(self, index: int) -> str:
        row = self.rows[index]
        return row["ID"] if self.kind == "canvas" else row[MOODLE_IDENTIFIER].removeprefix(PARTICIPANT.strip()).strip()


@dataclass
class ImportFile:
    path: Path
    lines: list[str]  # what happened, for the terminal: which case, scaled to what, what was kept


def delimiter(text: str) -> str:
    """';' or ',' as Canvas's importer decides (identify_delimiter): the one that splits the first three
    records into the same, larger number of fields (records, not lines: a comment may hold a newline)."""
    counts = {}
    for separator in ";,":
        sizes = {len(row) for row in itertools.islice(csv.reader(io.StringIO(text), delimiter=separator), 3)}
        counts[separator] = sizes.pop() if len(sizes) == 1 else 0
    return ";" if counts[";"] > counts[","] else ","


def number(text: str) -> float | None:
    """A number as the LMS exported it, '100.00' or '100,00' (Canvas's decimal_comma_to_period: the last
    ',' or '.' is the decimal point); None for anything else."""
    text = (text or "").strip()
    if not re.fullmatch(r"-?[0-9.,]+", text):
        return None
    *whole, last = re.split(r"[,.]", text)
    try:
        return float(f"{''.join(whole)}.{last}" if whole else last)
    except ValueError:
        return None


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a CSV file exported by an LMS, comma- or semicolon-separated."""
    if not path.is_file():
        raise RosterError(f"no roster at {path}. Fix: export the class list from your LMS and pass its CSV file.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(f"{path.name} is not UTF-8 text. Fix: save it as CSV (UTF-8) and try again.") from None
    table = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter(text)) if any(c.strip() for c in row)]
    if not table:
        raise RosterError(f"{path.name} is empty. Fix: export the class list from your LMS again.")
    return [cell.strip() for cell in table[0]], table[1:]


def read_roster(path: Path, assignment: str | None = None) -> Roster:
    """A Canvas Gradebook export or a Moodle grading worksheet, recognised by its columns; for Canvas,
    ``assignment`` (``--assignment``) is checked against it before any grading starts."""
    header, table = read_table(path)
    if ("Student" in header or "LastName" in header) and "ID" in header:
        kind = "canvas"
    elif MOODLE_IDENTIFIER in header and MOODLE_GRADE in header:
        kind = "moodle"
    else:
        raise RosterError(
            f"{path.name} is neither a Canvas Gradebook export (columns Student, ID, SIS User ID, SIS Login ID, "
            f"Section, ...) nor a Moodle grading worksheet (columns {MOODLE_IDENTIFIER}, {MOODLE_FULL_NAME}, "
            f"{MOODLE_GRADE}, ...); its columns are {', '.join(header) or 'none'}. "
            "Fix: export the grades from Canvas (Grades > Export) or download the grading worksheet from Moodle."
        )
    rows = [{column: cell.strip() for column, cell in zip(header, row, strict=False) if column} for row in table]
    roster = Roster(kind, path.name, header, rows)
    if kind == "canvas":
        read_canvas(roster)
    else:
        read_moodle(roster)
    if not roster.rows:
        raise RosterError(f"{path.name} lists no student. Fix: export it from a course that has students.")
    if kind == "canvas" and assignment is not None:
        canvas_column(roster, assignment)
    return roster


def read_canvas(roster: Roster) -> None:
    """Canvas's rows: the Points Possible row kept apart, the Manual Posting (or Muted) row skipped, as
    Canvas's importer does (check_for_non_student_row)."""
    if "Section" not in roster.header:
        raise RosterError(
            f"{roster.file} has no Section column: Canvas's importer refuses a file whose student columns do "
            "not end with Section. Fix: export the Gradebook again (Grades > Export) and pass that file unchanged."
        )
    students = []
    for row in roster.rows:
        first = row.get(roster.header[0], "")
        if POINTS_POSSIBLE in first:
            roster.points_possible = row
        elif not all(CANVAS_HIDDEN_ROW.match(cell) for cell in row.values() if cell):
            students.append(row)
    roster.rows = students


def read_moodle(roster: Roster) -> None:
    """Moodle's worksheet: its maximum grade found and checked on every row, the columns Moodle's
    importer needs there."""
    if MOODLE_MODIFIED not in roster.header:
        raise RosterError(
            f"{roster.file} has no '{MOODLE_MODIFIED}' column, without which Moodle's Upload grading worksheet "
            "refuses the file. Fix: download the grading worksheet again (Grading action > Download grading "
            "worksheet) and pass it unchanged."
        )
    maximum = next((column for column in roster.header if column in MOODLE_MAXIMUM), None)
    if maximum is None and MOODLE_SCALE in roster.header:
        raise RosterError(
            f"{roster.file} grades with a scale, not points (its column is '{MOODLE_SCALE}'): points cannot be "
            "written on it. Fix: set the assignment's grade type to Point in Moodle, then download the worksheet again."
        )
    if maximum is None:
        raise RosterError(
            f"{roster.file} has no maximum-grade column ('Maximum Grade' or 'Maximum grade'), so the points "
            "cannot be scaled to the assignment's grade. Fix: download the grading worksheet again from Moodle "
            "and pass it unchanged."
        )
    roster.maximum = maximum
    for row in roster.rows:
        identifier = row.get(MOODLE_IDENTIFIER, "")
        if not re.fullmatch(rf"{PARTICIPANT}\d+", identifier):
            raise RosterError(
                f"{roster.file}: the {MOODLE_IDENTIFIER} {identifier!r} is not '{PARTICIPANT}<number>', the only "
                "form Moodle's importer reads. Fix: download the grading worksheet again and pass it unchanged."
            )
        value = number(row.get(maximum, ""))
        if value is None or value <= 0:
            raise RosterError(
                f"{roster.file}: {identifier}'s {maximum} is {row.get(maximum, '')!r}, not a number of points. "
                "Fix: download the grading worksheet again from Moodle and pass it unchanged."
            )


def letters(text: str) -> str:
    """A name reduced to its lowercase letters (accents removed): 'Chen, Ada' and 'chenada' agree."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(char for char in plain.lower() if char.isalpha())


def name_keys(name: str) -> set[str]:
    """The ways an LMS writes a name: as given, and last-first or first-last (never an empty key)."""
    parts = [part for part in re.split(r"[,\s_]+", name) if part]
    keys = {letters(name)}
    if "," in name and len(parts) >= 2:
        keys.add(letters("".join(parts[1:]) + parts[0]))
    elif len(parts) >= 2:
        keys.add(letters(parts[-1] + "".join(parts[:-1])))
    return keys - {""}


def group_key(name: str) -> str:
    """A Moodle group's name as its folder keeps it (underscores become spaces, unsafe characters go):
    its lowercase letters and digits."""
    plain = unicodedata.normalize("NFKC", name).casefold()
    return "".join(char for char in plain if char.isalnum())


def folder_identity(kind: str, folder: str) -> tuple[str, str | None]:
    """The name and the ID the LMS put in a student's folder name (no ID for a plain name)."""
    found = (MOODLE_FOLDER if kind == "moodle" else CANVAS_STUDENT).match(folder)
    return (found["name"], found["id"]) if found else (folder, None)


def moodle_groups(roster: Roster) -> dict[str, list[int]]:
    """Where students submit in groups, each group's members (by the worksheet's Group column)."""
    groups: dict[str, list[int]] = {}
    if roster.kind == "moodle" and MOODLE_GROUP in roster.header:
        for index, row in enumerate(roster.rows):
            if row.get(MOODLE_GROUP):
                groups.setdefault(group_key(row[MOODLE_GROUP]), []).append(index)
    return groups


def match(roster: Roster, students: list[str]) -> Roster:
    """Match each student folder to roster entries: a Moodle group's folder to its members, a folder
    named with the LMS's ID by that ID, any other by a name only one entry has."""
    by_id = {roster.identifier(index): index for index in range(len(roster.rows))}
    by_name: dict[str, set[int]] = {}
    for index in range(len(roster.rows)):
        for key in name_keys(roster.name(index)):
            by_name.setdefault(key, set()).add(index)
    groups = moodle_groups(roster)
    for student in students:
        indices, note = place(roster, student, by_id, by_name, groups)
        indices = [index for index in indices if index not in roster.matched]
        for index in indices:
            roster.matched[index] = student
        if not indices:
            roster.folders.append(student)
        if note:
            roster.notes.append(note)
    roster.entries = [
        f"{roster.name(i)} ({roster.identifier(i)})" for i in range(len(roster.rows)) if i not in roster.matched
    ]
    return roster


def place(
    roster: Roster, student: str, by_id: dict[str, int], by_name: dict[str, set[int]], groups: dict[str, list[int]]
) -> tuple[list[int], str]:
    """The roster entries a folder's grade goes to, and a note where that needs saying."""
    if roster.kind == "canvas" and CANVAS_ANONYMOUS.match(student):
        return [], (
            f"roster: {student} is an anonymous Canvas submission (anonymous grading is on), so no student on "
            f"{roster.file} can be given its grade, and Canvas's importer refuses grades for such an assignment. "
            "Fix: enter it in SpeedGrader, or post the assignment's grades in Canvas (which shows the names), "
            "download the submissions again and grade that folder."
        )
    name, identifier = folder_identity(roster.kind, student)
    if group_key(name) in groups:
        members = [index for index in groups[group_key(name)] if index not in roster.matched]
        note = (
            f"roster: {student} is the submission of the Moodle group {name!r}: its grade goes to the group's "
            f"{len(members)} members on {roster.file}: " + ", ".join(roster.name(i) for i in members)
        )
        return members, note if members else ""
    if identifier is None:
        candidates = {i for key in name_keys(name) for i in by_name.get(key, set())}
        return (list(candidates) if len(candidates) == 1 else []), ""
    index = by_id.get(identifier)
    if groups and (index is None or not owns(roster, index, name)):
        other = (
            f" nor {roster.name(index)}'s folder, so its number (a group's id, where students submit in groups) "
            f"is not taken for participant {identifier}"
            if index is not None
            else ""
        )
        return [], (
            f"roster: {student} is not a group on {roster.file}{other}. Fix: download the grading worksheet with "
            "all groups shown (group selector: All participants) and grade again."
        )
    return ([] if index is None else [index]), ""  # an LMS ID not on the roster: not matched by name


def owns(roster: Roster, index: int, name: str) -> bool:
    """Whether a folder named ``name`` is this participant's own (Moodle before 4.1 named a group member's
    folder "<group>-<full name>", or "<group>-Participant" when anonymous)."""
    own = letters(roster.rows[index].get(MOODLE_FULL_NAME, "")) or "participant"
    return letters(name).endswith(own)


def scaled(total: dict, maximum: float) -> float:
    """The points as a grade out of ``maximum``, to two decimals, never above it."""
    if total["max_points"] <= 0:
        return 0.0
    return min(round(total["points"] / total["max_points"] * maximum, 2), maximum)


def two_decimals(value: float) -> str:
    """A grade as Canvas's exporter writes it, at most two decimals: 14.29, 100."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def write_import(
    out: Path, roster: Roster, totals: dict[str, dict], assignment: str, replace_comments: bool = False
) -> ImportFile:
    """The LMS's grade-import CSV with each matched student's total, and what it did."""
    if roster.kind == "canvas":
        return write_canvas(out, roster, totals, assignment)
    return write_moodle(out, roster, totals, replace_comments)


def canvas_column(roster: Roster, assignment: str) -> tuple[str, float | None]:
    """The roster's column for ``assignment`` (its title, or 'Title (id)') and its points possible, or the
    name as given and None where it is a new assignment. Refuses what Canvas would not grade as meant."""
    total = next((name for name in CANVAS_TOTALS if name in assignment), None)
    if total:
        raise RosterError(
            f"--assignment {assignment!r} contains {total!r}, and Canvas's importer drops every such column as "
            "a total. Fix: pass an assignment's name."
        )
    first = roster.header.index("Section") + 1
    wanted = TITLE_AND_ID.match(assignment)
    columns = []
    for column in roster.header[first:]:
        titled = TITLE_AND_ID.match(column)
        if column == assignment or (titled and (titled[1] == assignment or (wanted and titled[2] == wanted[2]))):
            columns.append(column)
    if len(columns) > 1:
        raise RosterError(
            f"{roster.file} has {len(columns)} columns named {assignment!r} ({', '.join(columns)}). "
            f"Fix: name one with its id, e.g. --assignment {columns[0]!r}."
        )
    if not columns:
        if wanted:
            raise RosterError(
                f"--assignment {assignment!r} names Canvas assignment {wanted[2]}, which is not on {roster.file}. "
                "Fix: export the Gradebook with that assignment shown, or give a new assignment's name without an id."
            )
        return assignment, None
    column = columns[0]
    cell = roster.points_possible.get(column, "")
    possible = number(cell)
    if READ_ONLY.search(cell) or possible is None or possible <= 0:
        why = "read only" if READ_ONLY.search(cell) else f"not a number of points ({cell!r})"
        raise RosterError(
            f"{roster.file}: the Points Possible of {column!r} is {why}, so Canvas would not take points there. "
            "Fix: pass an assignment column with points possible, or a new assignment's name."
        )
    return column, possible


def write_canvas(out: Path, roster: Roster, totals: dict[str, dict], assignment: str) -> ImportFile:
    """canvas-grades.csv: the roster's student columns (up to Section), a Points Possible row and the
    assignment's column, one row per matched student."""
    max_points = max((total["max_points"] for total in totals.values()), default=0.0)
    column, possible = canvas_column(roster, assignment)
    students = roster.header[: roster.header.index("Section") + 1]
    columns = [*students, column]
    points_row = dict.fromkeys(columns, "") | {columns[0]: POINTS_POSSIBLE}
    if possible is None:
        points_row[column] = shown(max_points)
        line = (
            f"Canvas: no column {column!r} on {roster.file}: Canvas makes a new assignment with "
            f"{shown(max_points)} points possible (the file's Points Possible row); points written as they are"
        )
    else:
        points_row[column] = roster.points_possible[column]
        line = (
            f"Canvas: assignment {column!r} exists on {roster.file} with {shown(possible)} points possible: "
            f"points scaled to {shown(possible)} (Canvas keeps an assignment's own points possible)"
        )
    lines = [points_row]
    for index, student in sorted(roster.matched.items()):
        grade = scaled(totals[student], possible) if possible is not None else totals[student]["points"]
        lines.append({name: roster.rows[index].get(name, "") for name in students} | {column: two_decimals(grade)})
    path = out / "canvas-grades.csv"
    write_csv(path, columns, lines)
    return ImportFile(path, [line])


def write_moodle(out: Path, roster: Roster, totals: dict[str, dict], replace_comments: bool) -> ImportFile:
    """moodle-grades.csv: the worksheet, each matched student's grade scaled to its maximum grade and, where
    the worksheet has the column and the instructor wrote none, a feedback comment."""
    kept = []
    lines = []
    for index, row in enumerate(roster.rows):
        line = dict(row)
        student = roster.matched.get(index)
        if student is not None:
            total = totals[student]
            line[MOODLE_GRADE] = f"{scaled(total, number(row[roster.maximum])):.2f}"
            if MOODLE_FEEDBACK in line:
                if line[MOODLE_FEEDBACK] and not replace_comments:
                    kept.append(roster.name(index))
                else:
                    line[MOODLE_FEEDBACK] = (
                        f"{shown(total['points'])} of {shown(total['max_points'])} points, "
                        f"{total['correct']} of {total['exercises']} exercises correct."
                    )
        lines.append(line)
    maximum = roster.rows[0][roster.maximum]
    said = [
        f"Moodle: points scaled to the worksheet's {roster.maximum} ({maximum}); upload the file before any other "
        "grading in Moodle: it skips a row whose grade changed after the worksheet was downloaded"
    ]
    if kept:
        said.append(
            f"Moodle: kept the {MOODLE_FEEDBACK} already on the worksheet for {len(kept)} students "
            f"({', '.join(kept)}); --replace-comments writes the grader's instead"
        )
    path = out / "moodle-grades.csv"
    write_csv(path, roster.header, lines)
    return ImportFile(path, said)


def write_csv(path: Path, columns: list[str], lines: list[dict]) -> None:
    """A comma-separated UTF-8 file, which both importers read (Moodle's by default, Canvas's always)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(lines)
