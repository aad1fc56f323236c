"""The LMS files, checked against the LMSs' own rules: the rosters Moodle and Canvas export (the
fixtures in tests/fixtures/lms/, whose README names the source file of every string in them), the
folder and file names of their submission downloads, and the import file the grader writes, read back
here as each LMS's importer reads it.

The importers' rules, ported from their source:
* Moodle, mod/assign/feedback/offline/importgradeslib.php (init, next) and locallib.php
  (process_import_grades): the columns 'Identifier', 'Grade' and 'Last modified (grade)' must be there
  (exact strings), the participant number is the Identifier after strlen('Participant '), and a grade
  that is empty, below 0 or above the assignment's maximum is skipped without a word.
* Canvas, lib/gradebook_importer.rb (header?, update_column_count, check_for_non_student_row,
  process_pp, parse_assignments, identify_delimiter) and the upload's JavaScript
  (ui/features/gradebook_uploads/jquery/process_gradebook_upload.js: createIndividualAssignment sends
  points_possible only for a new assignment): an existing assignment keeps its own points possible.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import sys
from pathlib import Path

import pytest

from course.grade import cli
from course.grade.lessons import course_lessons
from course.grade.lms import RosterError, match, read_roster, write_import
from course.grade.submissions import discover, lms_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lms"
MOODLE = FIXTURES / "moodle-worksheet.csv"  # Moodle 4.x: 'Maximum Grade' (assign.php's later $string['maxgrade'])
MOODLE_ANONYMOUS = FIXTURES / "moodle-worksheet-anonymous.csv"  # no 'Full name' (gradingtable.php, blind marking)
MOODLE_GROUPS = FIXTURES / "moodle-worksheet-groups.csv"  # a 'Group' column (assign.php 'submissionteam')
CANVAS = FIXTURES / "canvas-gradebook.csv"  # lib/gradebook_exporter.rb, with a 'Manual Posting' row
CANVAS_SEMICOLON = FIXTURES / "canvas-gradebook-semicolon.csv"  # lib/csv_with_i18n.rb's ';' and '100,00'


def total(points: float, max_points: float = 28.0) -> dict:
    return {"points": points, "max_points": max_points, "correct": 3, "exercises": 21}


def rewritten(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    """A copy of a fixture with one string changed (to test what a real file would not have)."""
    path = tmp_path / source.name
    text = source.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


# --- Moodle's importer, as mod/assign/feedback/offline reads a worksheet ------------------------------


def moodle_imports(path: Path, maximum: float) -> tuple[dict[str, float], dict[str, str]]:
    """The grades Moodle's Upload grading worksheet would save (participant number -> grade) and the
    feedback comments it would set, for an assignment graded out of ``maximum``."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))  # separator 'comma', the default
    header = rows[0]
    for column in ("Identifier", "Grade", "Last modified (grade)"):  # init() returns false without one
        assert column in header, f"Moodle refuses the file: no {column!r} column"
    ids, grades_at = header.index("Identifier"), header.index("Grade")
    comments_at = header.index("Feedback comments") if "Feedback comments" in header else None
    grades, comments = {}, {}
    for row in rows[1:]:
        participant = row[ids][len("Participant ") :]  # substr($idstr, strlen(get_string('hiddenuser', 'assign')))
        assert participant.isdigit(), f"Moodle cannot find participant {row[ids]!r}"
        if comments_at is not None:
            comments[participant] = row[comments_at]
        grade = row[grades_at]
        if grade == "":  # Skip - grade has no value.
            continue
        value = float(grade)  # unformat_float
        if value < 0 or value > maximum:  # Out of range: skipped, no message
            continue
        grades[participant] = value
    return grades, comments


# --- Canvas's importer, as lib/gradebook_importer.rb reads a file --------------------------------------

NON_ASSIGNMENT = re.compile(
    "Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|Override Score|"
    "Override Grade|Override Status"
)
HIDDEN_ROW = re.compile(r"^\s*(Muted|Manual Posting.*)?\s*$", re.IGNORECASE)
TITLE_AND_ID = re.compile(r"\A(.*)\s\((\d+)\)\Z")
# The course in Canvas: its assignments, by id: title and points possible.
COURSE = {4321: ("Trainer course exercises", 100.0), 4322: ("Lesson quiz", 10.0)}


def canvas_number(text: str) -> float:
    """decimal_comma_to_period: the last ',' or '.' is the decimal point."""
    *whole, last = re.split(r"[,.]", text.strip())
    return float(f"{''.join(whole)}.{last}" if whole else last)


def canvas_delimiter(text: str) -> str:
    """identify_delimiter: the separator that splits the first three lines into the same, larger count."""
    lines = text.splitlines()[:3]
    counts = {}
    for separator in ";,":
        sizes = {len(next(csv.reader([line], delimiter=separator))) for line in lines}
        counts[separator] = sizes.pop() if len(sizes) == 1 else 0
    return ";" if counts[";"] > counts[","] else ","


def canvas_imports(path: Path) -> dict[str, tuple[float, dict[str, float]]]:
    """What Canvas's Grades > Import does with a file: for each assignment it finds (by its title),
    the points possible it ends with and each student's (by Canvas ID) grade."""
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=canvas_delimiter(text)))
    header = rows[0]
    # header? / row_has_student_headers?
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], "InvalidHeaderRow"
    # update_column_count, then last_student_info_column(row).include?("Section")
    student_columns = 3
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        student_columns += 1
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        student_columns += 2 + bool(re.search(r"Integration\s+ID", header[4]))
    assert "Section" in header[student_columns - 1], "InvalidHeaderRow"
    columns = [c for c in header[student_columns:] if not NON_ASSIGNMENT.search(c)]
    assignments = {}
    for column in columns:  # parse_assignments
        titled = TITLE_AND_ID.match(column)
        found = int(titled[2]) if titled and int(titled[2]) in COURSE else None
        found = found or next((key for key, (title, _) in COURSE.items() if title == column), None)
        assignments[column] = found  # None: a new assignment
    possible: dict[str, float] = {}
    grades: dict[str, dict[str, float]] = {column: {} for column in columns}
    for row in rows[1:]:
        if "Points Possible" in row[0]:  # process_pp
            possible = {column: canvas_number(row[header.index(column)]) for column in columns}
        elif all(HIDDEN_ROW.match(cell) for cell in row if cell):  # a Muted or Manual Posting row
            continue
        else:
            for column in columns:
                if row[header.index(column)].strip():
                    grades[column][row[1]] = canvas_number(row[header.index(column)])
    # process_gradebook_upload.js: points_possible is sent only when it creates a new assignment.
    return {
        (COURSE[found][0] if found else TITLE_AND_ID.sub(r"\1", column)): (
            COURSE[found][1] if found else possible[column],
            grades[column],
        )
        for column, found in assignments.items()
    }


# --- Moodle ---------------------------------------------------------------------------------------------


def test_moodle_grades_are_scaled_to_the_worksheets_maximum_grade_and_moodle_imports_them(tmp_path):
    roster = match(read_roster(MOODLE), ["Finn Wu_1234_assignsubmission_file", "Ada Chen_1235_assignsubmission_file_"])
    assert roster.maximum == "Maximum Grade"  # the header Moodle 4.x writes
    assert roster.matched == {0: "Finn Wu_1234_assignsubmission_file", 1: "Ada Chen_1235_assignsubmission_file_"}
    written = write_import(
        tmp_path, roster, {roster.matched[0]: total(28), roster.matched[1]: total(4)}, "Trainer course exercises"
    )
    grades, comments = moodle_imports(written.path, maximum=100.0)
    assert grades == {"1234": 100.0, "1235": 14.29}  # 28 of 28 points is 100, not 28
    assert comments["1234"] == "28 of 28 points, 3 of 21 exercises correct."
    assert "Moodle: points scaled to the worksheet's Maximum Grade (100.00)" in written.lines[0]
    header = written.path.read_text(encoding="utf-8").splitlines()[0]
    assert header == MOODLE.read_text(encoding="utf-8").splitlines()[0]  # the worksheet's columns, unchanged


@pytest.mark.parametrize("spelling", ["Maximum grade", "Maximum Grade"])
def test_both_spellings_of_moodles_maximum_grade_scale_the_points(tmp_path, spelling):
    path = rewritten(tmp_path, MOODLE, "Maximum Grade", spelling)
    roster = match(read_roster(path), ["Finn Wu_1234_assignsubmission_file"])
    written = write_import(tmp_path, roster, {"Finn Wu_1234_assignsubmission_file": total(14)}, "")
    assert moodle_imports(written.path, maximum=100.0)[0] == {"1234": 50.0}


def test_a_smaller_maximum_never_gets_raw_points_that_moodle_would_skip(tmp_path):
    path = rewritten(tmp_path, MOODLE, "100.00", "20.00")
    roster = match(read_roster(path), ["Finn Wu_1234_assignsubmission_file"])
    written = write_import(tmp_path, roster, {"Finn Wu_1234_assignsubmission_file": total(28)}, "")
    assert moodle_imports(written.path, maximum=20.0)[0] == {"1234": 20.0}  # not 28, which Moodle skips


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("Maximum Grade", "Top mark", "has no maximum-grade column ('Maximum Grade' or 'Maximum grade')"),
        ("Maximum Grade", "Scale", "grades with a scale, not points"),
        ("Last modified (grade)", "Modified", "no 'Last modified (grade)' column"),
        ("Participant 1234", "1234", "is not 'Participant <number>'"),
        ("100.00,Yes", "abc,Yes", "not a number of points"),
    ],
)
def test_a_moodle_worksheet_moodle_would_not_import_as_meant_is_one_error_naming_the_fix(tmp_path, old, new, message):
    with pytest.raises(RosterError, match="Fix:") as caught:
        read_roster(rewritten(tmp_path, MOODLE, old, new))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_existing_feedback_comments_stay_unless_replace_comments_is_given(tmp_path):
    roster = match(read_roster(MOODLE), ["Bo Lin_1236_assignsubmission_file", "Finn Wu_1234_assignsubmission_file"])
    totals = {student: total(7) for student in roster.matched.values()}
    kept = write_import(tmp_path, roster, totals, "")
    comments = moodle_imports(kept.path, maximum=100.0)[1]
    assert comments["1236"] == "Please resubmit lesson 3 with its outputs."  # the instructor's, kept
    assert comments["1234"] == "7 of 28 points, 3 of 21 exercises correct."  # an empty one is filled
    assert "kept the Feedback comments already on the worksheet for 1 students (Bo Lin)" in kept.lines[1]
    replaced = write_import(tmp_path, roster, totals, "", replace_comments=True)
    assert moodle_imports(replaced.path, maximum=100.0)[1]["1236"] == "7 of 28 points, 3 of 21 exercises correct."
    assert len(replaced.lines) == 1


def test_a_comment_on_two_lines_neither_changes_the_separator_nor_is_lost(tmp_path):
    path = rewritten(tmp_path, MOODLE, '9:30 AM",-,\n', '9:30 AM",-,"Good start,\nsee lesson 2."\n')
    roster = match(read_roster(path), ["Finn Wu_1234_assignsubmission_file"])
    written = write_import(tmp_path / "out", roster, {"Finn Wu_1234_assignsubmission_file": total(7)}, "")
    grades, comments = moodle_imports(written.path, maximum=100.0)
    assert grades == {"1234": 25.0} and comments["1234"] == "Good start,\nsee lesson 2."


def test_an_anonymous_moodle_worksheet_matches_participant_folders(tmp_path):
    roster = read_roster(MOODLE_ANONYMOUS)
    match(roster, ["Participant_1235_assignsubmission_file", "Participant_9999_assignsubmission_file"])
    assert roster.matched == {1: "Participant_1235_assignsubmission_file"}
    assert roster.folders == ["Participant_9999_assignsubmission_file"]
    assert roster.entries == ["Participant 1234 (1234)"]
    written = write_import(tmp_path, roster, {"Participant_1235_assignsubmission_file": total(21)}, "")
    assert moodle_imports(written.path, maximum=100.0)[0] == {"1235": 75.0}


def test_a_moodle_group_folder_grades_every_member_not_the_participant_with_its_number(tmp_path):
    # Team A's id is 17, which is also Eve's participant number on the worksheet.
    roster = read_roster(MOODLE_GROUPS)
    match(roster, ["Team A_17_assignsubmission_file", "Team C_99_assignsubmission_file"])
    assert roster.matched == {0: "Team A_17_assignsubmission_file", 1: "Team A_17_assignsubmission_file"}
    assert roster.folders == ["Team C_99_assignsubmission_file"]
    assert (
        "its grade goes to the group's 2 members on moodle-worksheet-groups.csv: Finn Wu, Ada Chen" in roster.notes[0]
    )
    assert "is not a group on moodle-worksheet-groups.csv" in roster.notes[1] and "Fix:" in roster.notes[1]
    written = write_import(tmp_path, roster, {"Team A_17_assignsubmission_file": total(28)}, "")
    assert moodle_imports(written.path, maximum=20.0)[0] == {"1234": 20.0, "1235": 20.0}


def test_a_moodle_group_member_folder_of_moodle_before_4_1_is_matched_by_participant_number():
    roster = match(read_roster(MOODLE_GROUPS), ["Team B-Eve Ng_17_assignsubmission_file_"])
    assert roster.matched == {2: "Team B-Eve Ng_17_assignsubmission_file_"}


# --- Canvas ---------------------------------------------------------------------------------------------


def test_canvas_into_an_existing_assignment_scales_to_its_points_possible(tmp_path):
    roster = match(read_roster(CANVAS), ["chenada_12345", "Bo Lin"])
    written = write_import(
        tmp_path, roster, {"chenada_12345": total(28), "Bo Lin": total(4.5)}, "Trainer course exercises"
    )
    assert written.lines == [
        "Canvas: assignment 'Trainer course exercises (4321)' exists on canvas-gradebook.csv with 100 points "
        "possible: points scaled to 100 (Canvas keeps an assignment's own points possible)"
    ]
    possible, grades = canvas_imports(written.path)["Trainer course exercises"]
    assert possible == 100.0 and grades == {"12345": 100.0, "23456": 16.07}  # 28/28 and 4.5/28 of 100


def test_canvas_a_new_assignment_gets_the_courses_points_possible(tmp_path):
    roster = match(read_roster(CANVAS), ["chenada_12345", "Bo Lin", "zed"])
    assert roster.matched == {0: "chenada_12345", 1: "Bo Lin"}
    assert roster.folders == ["zed"] and roster.entries == ["Wu, Cai (34567)"]
    written = write_import(tmp_path, roster, {"chenada_12345": total(28), "Bo Lin": total(4.5)}, "Trainer course")
    assert written.path.read_text(encoding="utf-8").splitlines() == [
        "Student,ID,SIS User ID,SIS Login ID,Section,Trainer course",
        "Points Possible,,,,,28",
        '"Chen, Ada",12345,s1,ada,Section A,28',
        '"Lin, Bo",23456,s2,bo,Section A,4.5',
    ]
    assert "new assignment with 28 points possible" in written.lines[0]
    assert canvas_imports(written.path)["Trainer course"] == (28.0, {"12345": 28.0, "23456": 4.5})


def test_canvas_manual_posting_row_is_no_student_and_a_digits_folder_matches_nobody():
    roster = match(read_roster(CANVAS), ["12345678"])
    assert [roster.name(i) for i in range(len(roster.rows))] == ["Chen, Ada", "Lin, Bo", "Wu, Cai"]
    assert roster.matched == {} and roster.folders == ["12345678"]
    assert roster.points_possible["Trainer course exercises (4321)"] == "100.00"


def test_a_semicolon_canvas_export_with_decimal_commas_is_read(tmp_path):
    roster = match(read_roster(CANVAS_SEMICOLON, "Trainer course exercises (4321)"), ["chenada_12345"])
    assert roster.matched == {0: "chenada_12345"} and roster.name(0) == "Chen, Ada"
    written = write_import(tmp_path, roster, {"chenada_12345": total(14)}, "Trainer course exercises (4321)")
    assert "with 100 points possible: points scaled to 100" in written.lines[0]
    assert canvas_imports(written.path)["Trainer course exercises"] == (100.0, {"12345": 50.0})


@pytest.mark.parametrize(
    "assignment, message",
    [
        ("Current Score", "Canvas's importer drops every such column as a total"),
        ("My Final Grade", "Canvas's importer drops every such column as a total"),
        ("Exercises (999)", "names Canvas assignment 999, which is not on canvas-gradebook.csv"),
    ],
)
def test_an_assignment_canvas_would_not_grade_as_meant_is_refused_before_grading(assignment, message):
    with pytest.raises(RosterError, match="Fix:") as caught:
        read_roster(CANVAS, assignment)
    assert message in str(caught.value)


def test_canvas_columns_that_cannot_take_points_are_refused(tmp_path):
    twice = rewritten(tmp_path, CANVAS, "Lesson quiz (4322)", "Trainer course exercises (4322)")
    with pytest.raises(RosterError, match=r"has 2 columns named .*Fix: name one with its id"):
        read_roster(twice, "Trainer course exercises")
    read_only = rewritten(tmp_path, CANVAS, ",100.00,", ",(read only),")
    with pytest.raises(RosterError, match="is read only"):
        read_roster(read_only, "Trainer course exercises")
    without_section = rewritten(tmp_path, CANVAS, ",Section,", ",Group,")
    with pytest.raises(RosterError, match="no Section column"):
        read_roster(without_section)


@pytest.mark.parametrize(
    "text, message",
    [
        ("name,score\nada,1\n", "neither a Canvas Gradebook export"),
        ("Identifier,Full name,Grade,Maximum Grade,Last modified (grade)\n", "lists no student"),
    ],
)
def test_a_roster_that_is_neither_canvas_nor_moodle_names_the_fix(tmp_path, text, message):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RosterError, match="Fix:") as caught:
        read_roster(path)
    assert message in str(caught.value)
    with pytest.raises(RosterError, match="no roster at"):
        read_roster(tmp_path / "missing.csv")


# --- the submissions' folder and file names ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name, owner",
    [
        # lib/content_zipper.rb: [users_name, submission.late? ? "LATE" : nil, id].compact.join("_")
        ("chenada_12345_67890_01_tokenization_exercises.ipynb", ("chenada_12345", "01_tokenization_exercises.ipynb")),
        ("chenada_LATE_12345_67890_lesson1.ipynb", ("chenada_12345", "lesson1.ipynb")),
        ("chenada_late_12345_67890_lesson1.ipynb", ("chenada_12345", "lesson1.ipynb")),
        ("o_neilsam_12345_67890_lesson_1.ipynb", ("o_neilsam_12345", "lesson_1.ipynb")),  # names keep "_"
        ("anon_4F2cX_67890_lesson1.ipynb", ("anon_4F2cX", "lesson1.ipynb")),  # "anon_#{submission.anonymous_id}"
        ("LATE_anon_4F2cX_67890_lesson1.ipynb", ("anon_4F2cX", "lesson1.ipynb")),
        # mod/assign/classes/downloader.php without "Download submissions in folders"
        (
            "Ada Chen_1234_assignsubmission_file_01_tokenization_exercises.ipynb",
            ("Ada Chen_1234_assignsubmission_file", "01_tokenization_exercises.ipynb"),
        ),
        ("Team A_17_assignsubmission_file_lesson1.ipynb", ("Team A_17_assignsubmission_file", "lesson1.ipynb")),
        ("Default group_assignsubmission_file_x.ipynb", ("Default group_assignsubmission_file", "x.ipynb")),
        ("lesson1.ipynb", None),
        ("chenada_12345_text.html", None),  # a text entry: no file id
    ],
)
def test_the_flat_downloads_file_names_give_their_student(name, owner):
    assert lms_file(name) == owner


def test_flat_files_of_moodle_and_canvas_are_grouped_by_student(tmp_path):
    for name in (
        "Ada Chen_1234_assignsubmission_file_a.txt",
        "Ada Chen_1234_assignsubmission_file_b.txt",
        "chenada_late_12345_1_a.txt",
        "chenada_12345_2_b.txt",
        "LATE_anon_4F2cX_3_a.txt",
        "stray.txt",
    ):
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = discover(tmp_path, course_lessons())
    assert found.students == ["Ada Chen_1234_assignsubmission_file", "anon_4F2cX", "chenada_12345"]
    assert any(note.startswith("stray.txt: not in a student folder") for note in found.notes)


def test_an_anonymous_canvas_submission_is_listed_with_the_cause_and_the_fix():
    roster = match(read_roster(CANVAS), ["anon_4F2cX"])
    assert roster.matched == {} and roster.folders == ["anon_4F2cX"]
    assert "anonymous Canvas submission" in roster.notes[0] and "Fix:" in roster.notes[0]


# --- the command line ---------------------------------------------------------------------------------------


def graded(monkeypatch, tmp_path, folders: list[str], roster: Path, *options: str):
    """``python -m course grade`` on a class of empty folders, each given 28 of 28 points (no kernel runs)."""
    submissions = tmp_path / "class"
    for folder in folders:
        (submissions / folder).mkdir(parents=True)
    monkeypatch.setattr(cli, "summary_rows", lambda rows, students: [{"student": s, **total(28)} for s in students])
    shutil.copy(roster, tmp_path / roster.name)
    argv = [str(submissions), "--out", str(tmp_path / "out"), "--sandbox", "off", "--no-cache"]
    return cli.main([*argv, "--roster", str(tmp_path / roster.name), *options])


def test_the_cli_writes_moodle_grades_scaled_and_says_so(monkeypatch, tmp_path, capsys):
    code = graded(monkeypatch, tmp_path, ["Finn Wu_1234_assignsubmission_file"], MOODLE)
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Moodle: points scaled to the worksheet's Maximum Grade (100.00)" in err
    assert moodle_imports(tmp_path / "out" / "moodle-grades.csv", maximum=100.0)[0] == {"1234": 100.0}


def test_the_cli_writes_canvas_grades_into_an_existing_assignment_and_says_so(monkeypatch, tmp_path, capsys):
    code = graded(monkeypatch, tmp_path, ["chenada_12345"], CANVAS, "--assignment", "Trainer course exercises")
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Canvas: assignment 'Trainer course exercises (4321)' exists on canvas-gradebook.csv with 100 points" in err
    assert canvas_imports(tmp_path / "out" / "canvas-grades.csv")["Trainer course exercises"] == (
        100.0,
        {"12345": 100.0},
    )


def test_the_cli_refuses_a_bad_assignment_before_grading(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(cli, "discover", lambda *args: pytest.fail("graded before checking the roster"))
    code = graded(monkeypatch, tmp_path, ["chenada_12345"], CANVAS, "--assignment", "Current Score")
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("course grade: --assignment 'Current Score'") and "Traceback" not in err


def test_no_fixture_names_this_machine():
    for path in FIXTURES.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "/work/" not in text and sys.prefix not in text, path
