"""Finding the class and reading the answers: one folder per student, each notebook's lesson
found from its content, and the code of each answered exercise."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat

from helpers.exercises.cells import assigned_names

from ..catalog import EN, LESSON_IMPORT, ZH_TW
from ..catalog import answer_tags as tag_names
from . import messages as M
from .lessons import Lesson
from .messages import say

SKIPPED_NAMES = {".ipynb_checkpoints", "__MACOSX", "__pycache__"}


@dataclass
class Job:
    student: str
    path: str  # the notebook file
    display: str  # "student/relative/path.ipynb"
    lesson: Lesson
    answers: dict[str, str]
    language: str = EN.code  # the language of the student's notebook: its messages come in it
    folder: str | None = None  # the student's folder, copied for the kernel (None: the notebook alone)


# A file of Moodle's "Download all submissions" without "Download submissions in folders"
# (mod/assign/classes/downloader.php): "<full name>_<participant number>_assignsubmission_file_<file>"
# ("<group name>_<group id>_..." where students submit in groups); Moodle replaces "_" in names by " ".
MOODLE_FILE = re.compile(r"^(?P<student>[^_]*(?:_\d+)?_assignsubmission_[a-z]+)_(?P<file>.+)$")
DIGITS = re.compile(r"[0-9]+")
# A zh-TW notebook chooses its language in its banner cell.
ZH_TW_LINE = re.compile(r"set_language\(\s*[\"']zh[-_]tw[\"']\s*\)", re.IGNORECASE)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def one_line(text: str, limit: int = 300) -> str:
    text = (text.strip().splitlines() or [""])[0].strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def answer_tags(cell) -> list[str]:
    """``["q1"]`` for a cell tagged ``answer-q1``."""
    return tag_names(cell.metadata.get("tags", []))


def defines(source: str, name: str) -> bool:
    """Whether a cell assigns (or defines, or imports) ``name``."""
    return name in assigned_names(source)


def find_lesson(notebook, lessons: dict[str, Lesson]) -> Lesson | None:
    """The lesson a notebook belongs to, from its content.

    The import line of its checks decides; without it (a deleted set-up cell), the lesson
    whose answer names the notebook's code uses most, if at least two of them.
    """
    code = "\n".join(cell.source for cell in code_cells(notebook))
    found = LESSON_IMPORT.search(code)
    if found:
        return lessons.get(found.group(1))
    scores = []
    for lesson in lessons.values():
        used = sum(bool(re.search(rf"\b{re.escape(e.answer_name)}\b", code)) for e in lesson.exercises)
        scores.append((used, lesson.name, lesson))
    scores.sort(key=lambda score: (score[0], score[1]), reverse=True)
    if scores and scores[0][0] >= 2 and (len(scores) == 1 or scores[1][0] < scores[0][0]):
        return scores[0][2]
    return None


def student_answers(notebook, lesson: Lesson) -> dict[str, str]:
    """The code of each answered exercise, by exercise name.

    A cell tagged ``answer-qN`` is qN's answer (several are joined in order). Where tags
    were lost, the answer is the last untagged cell before the ``qN.check()`` cell that
    defines the exercise's answer name. An exercise with neither has no answer here.
    """
    cells = code_cells(notebook)
    answers: dict[str, list[str]] = {}
    for cell in cells:
        for tag in answer_tags(cell):
            answers.setdefault(tag, []).append(cell.source)
    for exercise in lesson.exercises:
        if exercise.name in answers:
            continue
        check = re.compile(rf"\b{exercise.name}\s*\.\s*check\s*\(")
        end = next((i for i, cell in enumerate(cells) if check.search(cell.source)), len(cells))
        candidates = [
            cell.source
            for cell in cells[:end]
            if not answer_tags(cell) and defines(cell.source, exercise.answer_name) and not check.search(cell.source)
        ]
        if candidates:
            answers[exercise.name] = [candidates[-1]]
    return {name: "\n\n".join(sources) for name, sources in answers.items()}


def notebook_language(notebook) -> str:
    """The edition a student's notebook comes from: zh-TW when its banner cell chooses it, or when
    its prose is mostly Chinese (a student may have deleted that line); English otherwise."""
    code = "\n".join(cell.source for cell in code_cells(notebook))
    if ZH_TW_LINE.search(code):
        return ZH_TW.code
    prose = "".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    letters = [char for char in prose if char.isalpha()]
    if letters and sum(bool(CJK.match(char)) for char in letters) / len(letters) > 0.3:
        return ZH_TW.code
    return EN.code


@dataclass
class ClassFolder:
    students: list[str]
    jobs: list[Job]
    unreadable: dict[tuple[str, str], M.Said]  # (student, lesson name) -> message, for a broken notebook
    notes: list[str]


def visible(path: Path) -> bool:
    return not (path.name.startswith(".") or path.name.startswith("._") or path.name in SKIPPED_NAMES)


def student_files(folder: Path) -> list[Path]:
    """Every file under a student's folder, skipping hidden files, checkpoints and __MACOSX."""
    files = []
    for entry in sorted(folder.iterdir()):
        if not visible(entry) or entry.is_symlink():
            continue
        if entry.is_dir():
            files += student_files(entry)
        elif entry.is_file():
            files.append(entry)
    return files


def read_notebook(path: Path):
    """The notebook, or the reason it cannot be read. Cells without a source or metadata
    (some tools write them so) get empty ones."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. cells without ids: nothing the grader needs
            notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4, capture_validation_error={})
        if not isinstance(notebook.get("cells"), list):
            return None, "no list of cells: not a notebook"
        for cell in notebook.cells:
            if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
                return None, "a cell without a type: not a notebook"
            source = cell.get("source", "")
            cell["source"] = "".join(source) if isinstance(source, list) else str(source)
            cell["metadata"] = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
            if not isinstance(cell.metadata.get("tags", []), list):
                cell.metadata["tags"] = []
        return notebook, None
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except Exception as error:  # bad JSON, or JSON that is not a notebook
        return None, one_line(f"{type(error).__name__}: {error}", 160)


def canvas_file(name: str) -> tuple[str, str] | None:
    """(student, file name) for a file of Canvas's "Download Submissions", None for any other name.

    Canvas (lib/content_zipper.rb) names each file ``<lastfirst>[_LATE]_<user id>_<file id>_<file>``,
    where lastfirst keeps letters, digits and "_" but never an all-digit part; with anonymous grading,
    ``[LATE_]anon_<anonymous id>_<file id>_<file>``. Canvas reads a name back by taking its first two
    all-digit parts between underscores as the user and file ids (app/models/assignment.rb,
    infer_comment_context_from_filename); so does this, and ``late`` counts in either case.
    """
    parts = name.split("_")
    rest = parts[1:] if parts[0].lower() == "late" else parts
    if len(rest) >= 4 and rest[0] == "anon" and rest[1] and DIGITS.fullmatch(rest[2]):
        return f"anon_{rest[1]}", "_".join(rest[3:])
    ids = [index for index, part in enumerate(parts) if DIGITS.fullmatch(part)][:2]
    if len(ids) < 2 or ids[1] != ids[0] + 1 or ids[0] == 0 or ids[1] == len(parts) - 1:
        return None
    person = parts[: ids[0]]
    if len(person) > 1 and person[-1].lower() == "late":
        person = person[:-1]
    return f"{'_'.join(person)}_{parts[ids[0]]}", "_".join(parts[ids[1] + 1 :])


def lms_file(name: str) -> tuple[str, str] | None:
    """(student, file name) for a file of an LMS's flat download (Moodle's, then Canvas's), None else."""
    found = MOODLE_FILE.match(name)
    if found:
        return found["student"], found["file"]
    return canvas_file(name)


def discover(submissions: Path, lessons: dict[str, Lesson]) -> ClassFolder:
    """Students (one folder each, or an LMS's flat files, grouped by student), their gradable
    notebooks, and a note for everything else."""
    found = ClassFolder([], [], {}, [])
    for entry in sorted(submissions.iterdir()):
        if not visible(entry):
            continue
        owner = lms_file(entry.name) if entry.is_file() else None
        if owner:
            student, name = owner
            if student not in found.students:
                found.students.append(student)
            add_file(found, student, None, entry, lessons, display=f"{student}/{name}")
            continue
        if not entry.is_dir():
            found.notes.append(
                f"{entry.name}: not in a student folder, skipped (put each student's notebooks in a folder "
                "named after the student)"
            )
            continue
        student = entry.name
        found.students.append(student)
        files = student_files(entry)
        if not files:
            found.notes.append(f"{student}: the folder is empty; every exercise counts as not handed in")
        for path in files:
            add_file(found, student, entry, path, lessons)
    return found


def add_file(
    found: ClassFolder, student: str, folder: Path | None, path: Path, lessons: dict[str, Lesson], display: str = ""
) -> None:
    """A job for a gradable notebook; a note (and for a broken notebook of a known lesson, error rows) else.
    ``folder`` is the student's folder (None for a file of an LMS's flat download)."""
    display = display or f"{student}/{path.relative_to(folder).as_posix()}"
    if path.suffix.lower() != ".ipynb":
        found.notes.append(f"{display}: not a notebook (.ipynb), skipped")
        return
    notebook, problem = read_notebook(path)
    if notebook is None:
        text = path.read_text(encoding="utf-8", errors="replace")
        module = LESSON_IMPORT.search(text)
        lesson = lessons.get(module.group(1)) if module else None
        message = say(M.UNREADABLE, name=repr(path.name), why=problem)
        if lesson:
            found.unreadable[(student, lesson.name)] = message
        found.notes.append(
            f"{display}: {message.render('en')}" + ("" if lesson else "; its lesson is unknown, skipped")
        )
        return
    lesson = find_lesson(notebook, lessons)
    if lesson is None:
        imported = LESSON_IMPORT.search("\n".join(cell.source for cell in code_cells(notebook)))
        if imported:
            why = f"it imports {imported.group(1)}, which has no exercise notebook in this course's notebooks/"
        else:
            why = "no `from helpers.exercises.lessonNN import` and no lesson's answer names"
        found.notes.append(f"{display}: not an exercise notebook of a known lesson ({why}), skipped")
        return
    answers = student_answers(notebook, lesson)
    language = notebook_language(notebook)
    found.jobs.append(Job(student, str(path), display, lesson, answers, language, str(folder) if folder else None))
