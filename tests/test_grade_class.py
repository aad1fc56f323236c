"""The class grader (python -m course grade), run as an instructor runs it, on a small class
built from the committed exercise notebooks, in the sandbox: exact grades for each kind of
student (students who try to forge a verdict or to get out of the sandbox included), points,
the report, the feedback pages in each student's language, the Moodle import file, the
students' folder left untouched, and bad inputs."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from answers import shared_course
from course.catalog import LESSONS as COURSE_LESSON_LIST
from course.grade import synthetic as sc
from course.training_cache import CACHE_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # the grader runs kernels: minutes

CELL_TIMEOUT_S = 10  # at least; an answer cell may take five times the solution of it here
# A cell that never ends, whatever the grader sends it. It waits rather than spins: the grader sees
# the same endless cell, and the half-minute it waits in each of two lessons leaves the machine's cores to the
# other tests (tests/test_grade_timeouts.py keeps a spinning loop).
LOOP_FOREVER = (
    "import time\n\nwhile True:\n    try:\n        time.sleep(1)\n"
    "    except KeyboardInterrupt:  # even Ctrl-C does not stop it\n        pass"
)
LESSONS = sc.exercise_stems()  # 01_tokenization ... 08_beyond_the_defaults
COURSE_LESSONS = {lesson.number: lesson for lesson in COURSE_LESSON_LIST}


def solutions(stem: str, edition: str = "") -> dict[str, str]:
    module = sc.lesson_module(sc.template_path(stem, edition))
    return {exercise: sc.solution(module, exercise) for exercise in sc.exercise_names(module)}


FINN = "Finn Wu_1234_assignsubmission_file_"  # a folder as Moodle's "Download all submissions" names it


class Listener:
    """A TCP server on this machine's loopback that counts who connects: a student's kernel in the
    sandbox has no network, so it cannot reach it."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()


def forging_answers() -> dict[str, str]:
    """mallory: the issue's two lines that patched the checks, a lesson's check replaced by one that
    accepts anything, and a forged verdict printed: none of it reaches the verdict."""
    return {
        "q1": "import helpers.exercises as E\n"
        'E.Exercise.evaluate = lambda self, namespace=None: E.Feedback("correct", "Correct! ok")\n'
        'E.Exercise.judge = lambda self, carried, namespace: E.Feedback("correct", "Correct! ok")',
        "q2": "import dataclasses\nimport helpers.exercises.lesson01 as L\n"
        "L.q2 = dataclasses.replace(L.q2, checker=lambda answer, namespace: 'forged')\npad_count = 5",
        "q3": 'print(\'course-grader-verdict: {"status": "correct", "message": "Correct! forged"}\')\n'
        'print(\'course-grader-answer: {"state": "answer", "value": 1184}\')\ntokens_saved = 1',
    }


def escaping_answers(port: int, outside: Path, victim: Path) -> dict[str, str]:
    """grace: an answer cell that opens a network connection, one that writes a file outside its
    folder, one that deletes a file in SUBMISSIONS; each also sets the right answer after."""
    right = {exercise: code for exercise, code in solutions(LESSONS[0]).items()}
    return {
        "q1": f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5).close()\n{right['q1']}",
        "q2": f"open({str(outside)!r}, 'w').write('escaped')\n{right['q2']}",
        "q3": f"import os\nos.remove({str(victim)!r})\n{right['q3']}",
    }


def typed_answers(course) -> dict[str, dict[str, str]]:
    """tom: the right answers of lessons 1 and 2 typed in, as copied from the solutions' outputs (the
    course's own checks compute them here, on the course's notebooks). Exercise 1 of lesson 2, a
    configuration, has no variant: the same dict typed in is the solution."""
    from helpers.exercises import lesson01, lesson02

    first, second = course.namespace(COURSE_LESSONS[1]), course.namespace(COURSE_LESSONS[2])
    return {
        LESSONS[0]: {
            "q1": f"segment_b_start = {lesson01.segment_b_start_of(first)}",
            "q2": f"pad_count = {lesson01.pad_count_of(first)}",
            "q3": f"tokens_saved = {lesson01.tokens_saved_of(first)}",
        },
        LESSONS[1]: {
            "q1": sc.solution("lesson02", "q1"),
            "q2": f"total_steps = {lesson02.total_steps_of(second)}",
            "q3": f"lr_at_step_100 = {lesson02.lr_of(second):.4g}",
        },
    }


def build_small_class(folder: Path, listener: Listener, outside: Path, typed: dict[str, dict[str, str]]) -> None:
    """The issue's students, and those who try to forge a verdict or to leave the sandbox."""
    template = sc.template_path
    # ada: every solution, every lesson.
    for stem in LESSONS:
        sc.write(sc.student_notebook(template(stem), solutions(stem)), folder / "ada" / f"{stem}_exercises.ipynb")
    # ben: nothing answered (the committed notebooks as they are).
    for stem in LESSONS[:2]:
        sc.write(sc.student_notebook(template(stem)), folder / "ben" / f"{stem}_exercises.ipynb")
    # cleo: wrong answers of several kinds, and answers that raise.
    cleo = {
        LESSONS[0]: {
            "q1": "segment_b_start = tokenizer(sentence1, sentence2)['token_type_ids'].index(1) - 1",
            "q2": "open('my_count.txt', 'w').write('79')  # a file in the working folder\npad_count = '79'",
            "q3": "tokens_saved = lengths_never_computed",
        },
        LESSONS[1]: {
            "q1": "every_50_steps = dict(evaluation_strategy='steps', eval_steps=50, save_steps=50)",
            "q2": "import a_module_nobody_installed\n\ntotal_steps = 345",
            "q3": "lr_at_step_100 = 2e-5 * (345 - 100) /",
        },
        LESSONS[4]: {
            "q1": "def compute_metrics_prf(eval_preds):\n    return 1 / 0",
            "q2": "best_epoch = 0",
            "q3": "overfitting_choice = 'd'",
        },
    }
    for stem, answers in cleo.items():
        sc.write(sc.student_notebook(template(stem), answers), folder / "cleo" / f"Copy of {stem}_exercises.ipynb")
    # dan: saved outputs that claim Correct! everywhere; blanks, deleted answer cells, a wrong answer.
    sc.write(sc.student_notebook(template(LESSONS[0]), claim_correct=True), folder / "dan" / "lesson1.ipynb")
    dan2 = sc.student_notebook(
        template(LESSONS[1]), {"q2": "total_steps = 230 * 3"}, delete={"q1", "q3"}, claim_correct=True
    )
    sc.write(dan2, folder / "dan" / "lesson2.ipynb")
    # eve: an answer cell that loops forever, and a function whose check loops forever.
    eve1 = {**solutions(LESSONS[0]), "q2": LOOP_FOREVER}
    sc.write(sc.student_notebook(template(LESSONS[0]), eve1), folder / "eve" / f"{LESSONS[0]}_exercises.ipynb")
    eve5 = {
        "q1": "def compute_metrics_prf(eval_preds):\n" + "\n".join("    " + line for line in LOOP_FOREVER.split("\n"))
    }
    sc.write(sc.student_notebook(template(LESSONS[4]), eve5), folder / "eve" / f"{LESSONS[4]}_exercises.ipynb")
    # finn: a renamed download of the zh-TW notebook in a subfolder, its tags lost.
    finn = sc.student_notebook(template(LESSONS[0], "zh-TW"), solutions(LESSONS[0], "zh-TW"), strip_tags=True)
    sc.write(finn, folder / FINN / "Downloads" / "Copy of 練習 1 (1).ipynb")
    sc.write(sc.student_notebook(template(LESSONS[0]), forging_answers()), folder / "mallory" / "lesson1.ipynb")
    victim = folder / "ada" / f"{LESSONS[0]}_exercises.ipynb"
    # tom: every right number typed in (lessons 1 and 2).
    for stem, answers in typed.items():
        sc.write(sc.student_notebook(template(stem), answers), folder / "tom" / f"{stem}_exercises.ipynb")
    grace = escaping_answers(listener.port, outside, victim)
    sc.write(sc.student_notebook(template(LESSONS[0]), grace), folder / "grace" / "lesson1.ipynb")


# A Moodle grading worksheet: Finn matches by his participant number, eve by name, Zoe has no folder.
# Moodle's header as its worksheet has it (sources: tests/fixtures/lms/README.md): "Maximum Grade".
MOODLE_WORKSHEET = (
    "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
    "Last modified (submission),Last modified (grade),Feedback comments\n"
    "Participant 1234,Finn Wu,finn@example.edu,Submitted for grading,,100.00,Yes,-,-,\n"
    "Participant 4444,Eve,eve@example.edu,Submitted for grading,,100.00,Yes,-,-,\n"
    "Participant 5555,Zoe Unknown,zoe@example.edu,No submission,,100.00,Yes,-,-,\n"
)


# What a message of each status starts with: the check's own words, or the grader's for an error.
MESSAGE_STARTS = {
    "correct": ("Correct! ", "答對了！"),
    "wrong": "Not quite: ",
    "unanswered": ("Not answered yet: ", "No notebook for this lesson was handed in.", "這一課沒有繳交筆記本。"),
    "error": ("the answer cell ", "reading the answer "),
}
# finn's zh-TW notebook: ada's grades, in Chinese.
FINN_MESSAGES = ("答對了！句子 2 從位置 13 開始。", "個 [PAD] token。collator 只補上", "每個批次各自填補，省下")
NOT_HANDED_IN = ("unanswered", "No notebook for this lesson was handed in.")


def blank(answer_name: str) -> tuple[str, str]:
    return "unanswered", f"Not answered yet: replace ____ with your answer for `{answer_name}`"


ADA = {
    (LESSONS[0], "q1"): "Sentence 2 starts at position 13.",
    (LESSONS[0], "q2"): "[PAD] tokens. The collator adds only",
    (LESSONS[0], "q3"): "Per-batch padding saves",
    (LESSONS[1], "q1"): "Evaluating and saving on the same steps",
    (LESSONS[1], "q2"): "345 optimizer steps.",
    (LESSONS[1], "q3"): "a linear schedule with warm-up",
    (LESSONS[2], "q1"): "classifier.bias, classifier.weight",
    (LESSONS[2], "q2"): "60 steps per epoch",
    (LESSONS[2], "q3"): "10 steps in",
    (LESSONS[3], "q1"): "120 rows that each sum to 1",
    (LESSONS[3], "q2"): "the share of validation pairs whose largest logit is the true label",
    (LESSONS[3], "q3"): "Confident mistakes show what the model has not learned",
    (LESSONS[4], "q1"): "Precision: of the pairs called paraphrases",
    (LESSONS[4], "q2"): "With metric_for_best_model='f1'",
    (LESSONS[4], "q3"): "Validation loss is lowest at epoch 2",
    (LESSONS[5], "q1"): "24 optimizer steps: 8 per epoch",
    (LESSONS[5], "q2"): "add_batch keeps each batch's predictions",
    (LESSONS[5], "q3"): "gather_for_metrics drops the copies and returns 120",
    (LESSONS[6], "q1"): "The pipeline took the name from model.config.id2label",
    (LESSONS[6], "q2"): "save_pretrained keeps everything from_pretrained needs",
    (LESSONS[6], "q3"): "the Linear weights shrink to a quarter",
    (LESSONS[7], "q1"): "of the parameters train: LoRA's A and B matrices",
    (LESSONS[7], "q2"): "a mistake on a not_equivalent pair now costs",
    (LESSONS[7], "q3"): "Scores that differ by less than that are not told apart by this split",
}
ANSWER_NAMES = {
    LESSONS[0]: ("segment_b_start", "pad_count", "tokens_saved"),
    LESSONS[1]: ("every_50_steps", "total_steps", "lr_at_step_100"),
    LESSONS[2]: ("new_head_weights", "steps_per_epoch", "quick_run"),
    LESSONS[3]: ("probabilities", "accuracy", "most_confident_mistake"),
    LESSONS[4]: ("compute_metrics_prf", "best_epoch", "overfitting_choice"),
}


STUDENTS = ("ada", "ben", "cleo", "dan", "eve", FINN, "grace", "mallory", "tom")
# tom's typed answers: right for the notebook's inputs, and the same on the variant drawn for him.
TYPED = "Not quite: right for the notebook's {}, but your cell gives the same answer for "
TOM = {
    (LESSONS[0], "q1"): ("wrong", TYPED.format("pair")),
    (LESSONS[0], "q2"): ("wrong", TYPED.format("training pairs 8 to 15")),
    (LESSONS[0], "q3"): ("wrong", TYPED.format("validation split")),
    (LESSONS[1], "q1"): ("correct", ADA[(LESSONS[1], "q1")]),
    (LESSONS[1], "q2"): ("wrong", TYPED.format("run")),
    (LESSONS[1], "q3"): ("wrong", TYPED.format("step and rate")),
}


def expected_grades() -> dict[tuple[str, str, str], tuple[str, str]]:
    """(student, lesson, exercise) -> (status, a part of the message) for the small class."""
    expected = {}
    for student in STUDENTS:
        for stem in LESSONS:
            for exercise in ("q1", "q2", "q3"):
                expected[(student, stem, exercise)] = NOT_HANDED_IN
    for exercise in ("q1", "q2", "q3"):
        expected[(FINN, LESSONS[0], exercise)] = ("unanswered", "這一課沒有繳交筆記本。")
    for (stem, exercise), message in ADA.items():
        expected[("ada", stem, exercise)] = ("correct", message)
    for stem in LESSONS[:2]:
        for number, name in enumerate(ANSWER_NAMES[stem], start=1):
            expected[("ben", stem, f"q{number}")] = blank(name)
    expected[("cleo", LESSONS[0], "q1")] = ("wrong", "Not quite: that position holds the [SEP] that closes sentence 1")
    expected[("cleo", LESSONS[0], "q2")] = ("wrong", "Not quite: give the number of [PAD] tokens as one whole number")
    expected[("cleo", LESSONS[0], "q3")] = (
        "error",
        "the answer cell raised NameError: name 'lengths_never_computed' is not defined",
    )
    expected[("cleo", LESSONS[1], "q1")] = ("wrong", "Not quite: evaluation_strategy is the 2023 name.")
    expected[("cleo", LESSONS[1], "q2")] = (
        "error",
        "the answer cell raised ModuleNotFoundError: No module named 'a_module_nobody_installed'",
    )
    expected[("cleo", LESSONS[1], "q3")] = ("error", "the answer cell raised SyntaxError: invalid syntax (line 1)")
    expected[("cleo", LESSONS[4], "q1")] = (
        "wrong",
        "Not quite: checking `compute_metrics_prf` raised ZeroDivisionError: division by zero",
    )
    expected[("cleo", LESSONS[4], "q2")] = ("wrong", "Not quite: epoch 0 does not have the highest eval_f1.")
    expected[("cleo", LESSONS[4], "q3")] = ("wrong", "Not quite: (d) is not it: validation loss rising")
    for number, name in enumerate(ANSWER_NAMES[LESSONS[0]], start=1):
        expected[("dan", LESSONS[0], f"q{number}")] = blank(name)
    expected[("dan", LESSONS[1], "q1")] = blank("every_50_steps")
    expected[("dan", LESSONS[1], "q2")] = ("wrong", "Not quite: that is the number of batches.")
    expected[("dan", LESSONS[1], "q3")] = blank("lr_at_step_100")
    expected[("eve", LESSONS[0], "q1")] = ("correct", ADA[(LESSONS[0], "q1")])
    # Its limit follows the solution's time on this machine (tests/test_grade_timeouts.py): no number here.
    expected[("eve", LESSONS[0], "q2")] = ("error", " s, in two runs (the limit: five times what the course's solution")
    expected[("eve", LESSONS[0], "q3")] = ("correct", ADA[(LESSONS[0], "q3")])
    expected[("eve", LESSONS[4], "q1")] = (
        "error",
        " s, in two runs (the limit: five times what the course's solution takes on the grading machine",
    )
    expected[("eve", LESSONS[4], "q2")] = blank("best_epoch")
    expected[("eve", LESSONS[4], "q3")] = blank("overfitting_choice")
    for stem in LESSONS[1:]:
        for exercise in ("q1", "q2", "q3"):
            expected[(FINN, stem, exercise)] = ("unanswered", "這一課沒有繳交筆記本。")
    for exercise, message in zip(("q1", "q2", "q3"), FINN_MESSAGES, strict=True):
        expected[(FINN, LESSONS[0], exercise)] = ("correct", message)
    expected[("mallory", LESSONS[0], "q1")] = blank("segment_b_start")
    expected[("mallory", LESSONS[0], "q2")] = ("wrong", "Not quite: 5 is not the number of [PAD] tokens.")
    expected[("mallory", LESSONS[0], "q3")] = ("wrong", "Not quite: 1 is not it.")
    expected[("grace", LESSONS[0], "q1")] = (
        "error",
        "the answer cell raised ConnectionRefusedError: [Errno 111] Connection refused",  # its own loopback only
    )
    expected[("grace", LESSONS[0], "q2")] = (
        "error",
        "the answer cell raised OSError: [Errno 30] Read-only file system",
    )
    expected[("grace", LESSONS[0], "q3")] = ("error", "the answer cell raised FileNotFoundError: [Errno 2]")
    for (stem, exercise), grade in TOM.items():
        expected[("tom", stem, exercise)] = grade
    return expected


def folder_digest(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a hash of its content."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        for path in sorted(folder.rglob("*"))
    }


def grade(submissions: Path, out: Path, *options: str, timeout: int | None = None) -> subprocess.CompletedProcess:
    """The grader as an instructor runs it; under make test, with the run's training cache. No limit
    of its own by default: the grader bounds each notebook itself (its solutions' times on this
    machine, --notebook-timeout), so a slower machine changes how long the class takes, never whether
    the test passes (the small class takes 7 to 14 minutes on a 2-core machine, near the 900 s it once had)."""
    cache = os.environ.get(CACHE_VARIABLE)
    shared = ("--cache", cache) if cache and "--no-cache" not in options else ()
    return subprocess.run(
        [sys.executable, "-m", "course", "grade", str(submissions), "--out", str(out), *shared, *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    submissions, out = folder / "submissions", folder / "out"
    outside = ROOT / "build" / f"written-by-a-student-{folder.name}.txt"  # a folder the sandbox shows, read-only
    outside.parent.mkdir(exist_ok=True)
    listener = Listener()
    build_small_class(submissions, listener, outside, typed_answers(shared_course(tmp_path_factory)))
    roster = folder / "moodle-worksheet.csv"
    roster.write_text(MOODLE_WORKSHEET, encoding="utf-8")
    before = folder_digest(submissions)
    options = ("--cell-timeout", str(CELL_TIMEOUT_S), "--sandbox", "on", "--roster", str(roster))
    done = grade(submissions, out, *options)
    print(done.stderr)
    assert done.returncode == 0, done.stderr[-3000:]
    return {
        "done": done,
        "out": out,
        "before": before,
        "after": folder_digest(submissions),
        "outside": outside,
        "connections": listener.connections,
    }


def test_every_grade_of_the_small_class(graded_class):
    columns, rows = read_csv(graded_class["out"] / "grades.csv")
    assert columns == [
        "student",
        "lesson",
        "exercise",
        "status",
        "points",
        "max_points",
        "language",
        "message",
        "notebook_inputs_only",
    ]
    expected = expected_grades()
    assert [(r["student"], r["lesson"], r["exercise"]) for r in rows] == sorted(expected)
    mismatches = []
    for row in rows:
        status, message = expected[(row["student"], row["lesson"], row["exercise"])]
        starts = row["message"].startswith(MESSAGE_STARTS[status])
        if row["status"] != status or message not in row["message"] or not starts:
            mismatches.append(f"{row}: expected {status}, {message!r}")
    assert not mismatches, "\n".join(mismatches)
    typed = {(row["student"], row["lesson"], row["exercise"]) for row in rows if row["notebook_inputs_only"] == "yes"}
    assert typed == {("tom", stem, exercise) for (stem, exercise), (status, _) in TOM.items() if status == "wrong"}


def test_points_follow_grading_toml_and_each_student_has_a_language(graded_class):
    _, rows = read_csv(graded_class["out"] / "grades.csv")
    worth = {"q1": "1", "q2": "1", "q3": "2"}  # the course's grading.toml
    for row in rows:
        assert row["max_points"] == worth[row["exercise"]], row
        assert row["points"] == (row["max_points"] if row["status"] == "correct" else "0"), row
        assert row["language"] == ("zh-TW" if row["student"] == FINN else "en"), row


def test_the_summary_counts_correct_exercises_and_points_out_of_all(graded_class):
    columns, rows = read_csv(graded_class["out"] / "summary.csv")
    assert columns == ["student", "correct", "exercises", "points", "max_points"]
    exercises, most = str(3 * len(LESSONS)), str(4 * len(LESSONS))  # three exercises, 1 + 1 + 2 points a lesson
    assert [(r["student"], r["correct"], r["exercises"], r["points"], r["max_points"]) for r in rows] == [
        (FINN, "3", exercises, "4", most),
        ("ada", exercises, exercises, most, most),
        ("ben", "0", exercises, "0", most),
        ("cleo", "0", exercises, "0", most),
        ("dan", "0", exercises, "0", most),
        ("eve", "2", exercises, "3", most),
        ("grace", "0", exercises, "0", most),
        ("mallory", "0", exercises, "0", most),
        ("tom", "1", exercises, "1", most),
    ]


def test_the_report_has_its_plot_and_the_common_mistakes(graded_class):
    page = (graded_class["out"] / "report.html").read_text(encoding="utf-8")
    image = page.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    assert base64.b64decode(image).startswith(b"\x89PNG")
    row = page.split(f"<td>{LESSONS[0]} q1 (segment_b_start)</td>", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">1</td><td class="num">3 (33%)</td>' in row  # 1 point; ada, eve, finn of nine
    # cleo's and tom's answers are wrong, tom's right on the notebook's pair only.
    assert '<td class="num">2</td><td class="num">1</td>' in row
    assert "<b>1&times;</b> Not quite: that position holds the [SEP]" in row
    assert "<b>1&times;</b> Not quite: right for the notebook&#39;s pair, but your cell gives the same answer" in row
    assert '<td class="num">32 / 32</td><td><a href="feedback/ada.html">page</a></td>' in page


def test_the_sandbox_kept_everything_outside_as_it_was(graded_class):
    """grace's cells met no network, a read-only file system and no SUBMISSIONS: nothing changed."""
    assert graded_class["after"] == graded_class["before"]
    assert not graded_class["outside"].exists()
    assert graded_class["connections"] == 0
    stderr = graded_class["done"].stderr
    assert stderr.startswith("sandbox: bubblewrap")
    assert "Traceback" not in stderr


def test_each_lesson_trained_once_and_the_students_restored_it(graded_class):
    stderr = graded_class["done"].stderr
    assert "training trained" not in stderr, "only the course kernels train; the students' kernels restore"
    assert stderr.count("training restored") >= 4  # ada's lessons 4, 5, 7 and 8
    assert (graded_class["out"] / "executed" / FINN / "Downloads" / "Copy of 練習 1 (1).ipynb").is_file()


def test_feedback_pages_are_in_each_students_language(graded_class):
    pages = graded_class["out"] / "feedback"
    assert sorted(path.name for path in pages.iterdir()) == sorted(f"{student}.html" for student in STUDENTS)
    ada = (pages / "ada.html").read_text(encoding="utf-8")
    assert "Total: 32 of 32 points (24 of 24 exercises correct)." in ada
    assert "To see a check again: open your notebook" in ada and "Sentence 2 starts at position 13." in ada
    finn = (pages / f"{FINN}.html").read_text(encoding="utf-8")
    assert '<html lang="zh-TW">' in finn
    assert "總分：4 分，滿分 32 分（24 題中答對 3 題）。" in finn
    assert "答對了！句子 2 從位置 13 開始。" in finn and "想再看一次檢查的結果" in finn
    assert "Correct!" not in finn and "Not answered" not in finn
    tom = (pages / "tom.html").read_text(encoding="utf-8")  # his typed answers: the message, not the variant
    assert "right for the notebook&#39;s pair, but your cell gives the same answer for another pair" in tom


def test_the_moodle_import_file_has_the_matched_students_and_lists_the_others(graded_class):
    columns, rows = read_csv(graded_class["out"] / "moodle-grades.csv")
    assert columns == MOODLE_WORKSHEET.split("\n", 1)[0].split(",")
    grades = {row["Identifier"]: row["Grade"] for row in rows}
    assert grades == {"Participant 1234": "12.50", "Participant 4444": "9.38", "Participant 5555": ""}
    assert rows[0]["Feedback comments"] == "4 of 32 points, 3 of 24 exercises correct."
    stderr = graded_class["done"].stderr
    assert "roster: Zoe Unknown (5555) on moodle-worksheet.csv has no folder" in stderr
    assert "roster: the folder 'ada' is not on moodle-worksheet.csv" in stderr
    page = (graded_class["out"] / "report.html").read_text(encoding="utf-8")
    assert "2 students matched to <code>moodle-worksheet.csv</code>" in page and "Zoe Unknown (5555)" in page


def test_files_that_cannot_be_graded_get_one_line_each(tmp_path):
    submissions = tmp_path / "class"
    (submissions / "gus").mkdir(parents=True)  # an empty folder
    hal = submissions / "hal"
    hal.mkdir()
    (hal / "notes.txt").write_text("my answers are in the notebook")
    (hal / "broken.ipynb").write_text('{"cells": [{"source": "from helpers.exercises.lesson01 import q1"')
    (hal / "list.ipynb").write_text("[]")  # JSON, but not a notebook
    odd_cell = {"cell_type": "code", "metadata": {"tags": [1]}}  # no source, a tag that is no string
    (hal / "odd.ipynb").write_text(
        json.dumps({"cells": [odd_cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    sc.write(sc.student_notebook(ROOT / "notebooks" / "01_tokenization.ipynb"), hal / "01_tokenization.ipynb")
    (submissions / "all.zip").write_bytes(b"PK")
    (submissions / "__MACOSX").mkdir()
    done = grade(submissions, tmp_path / "out", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    for line in (
        "gus: the folder is empty",
        "hal/notes.txt: not a notebook",
        "hal/broken.ipynb: the notebook file 'broken.ipynb' cannot be read",
        "hal/01_tokenization.ipynb: not an exercise notebook of a known lesson",
        "hal/list.ipynb: the notebook file 'list.ipynb' cannot be read",
        "hal/odd.ipynb: not an exercise notebook of a known lesson",
        "all.zip: not in a student folder",
    ):
        assert line in done.stderr
    _, rows = read_csv(tmp_path / "out" / "grades.csv")
    assert [(r["student"], r["exercise"], r["status"]) for r in rows] == [
        ("gus", "q1", "unanswered"),
        ("gus", "q2", "unanswered"),
        ("gus", "q3", "unanswered"),
        ("hal", "q1", "error"),
        ("hal", "q2", "error"),
        ("hal", "q3", "error"),
    ]
    assert "ask for a new download" in rows[3]["message"]
    assert done.stderr.splitlines()[0].startswith("sandbox: ")
    assert "hal/notes.txt: not a notebook" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_a_missing_folder_or_an_output_inside_it_is_refused(tmp_path):
    done = grade(tmp_path / "nowhere", tmp_path / "out", timeout=60)
    assert done.returncode == 2
    assert "does not exist. Fix: pass the folder that holds one folder per student" in done.stderr
    (tmp_path / "class").mkdir()
    done = grade(tmp_path / "class", tmp_path / "class" / "grades", timeout=60)
    assert done.returncode == 2
    assert "is inside SUBMISSIONS" in done.stderr and "Fix: choose an --out folder outside" in done.stderr
    assert not (tmp_path / "class" / "grades").exists()
    assert "Traceback" not in done.stderr


def test_without_the_sandbox_the_same_cells_get_out(tmp_path):
    """What the sandbox is for: graded with --sandbox off, grace's cells reach the network, write outside
    their folder and delete a file in SUBMISSIONS (here a throwaway class), and so get her answers right:
    the first two on both runs of each cell (as it is, then on her variant of its inputs); the third deleted
    the file on its first run, so its second run raises."""
    submissions, outside = tmp_path / "class", tmp_path / "outside.txt"
    victim = submissions / "victim.txt"
    listener = Listener()
    sc.write(
        sc.student_notebook(sc.template_path(LESSONS[0]), escaping_answers(listener.port, outside, victim)),
        submissions / "grace" / "lesson1.ipynb",
    )
    victim.write_text("a file of the class")
    done = grade(submissions, tmp_path / "out", "--sandbox", "off", timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("sandbox: none (--sandbox off)")
    _, rows = read_csv(tmp_path / "out" / "grades.csv")
    assert [(row["status"], row["notebook_inputs_only"]) for row in rows] == [
        ("correct", ""),
        ("correct", ""),
        ("wrong", "yes"),
    ]
    assert "but on the validation pairs in another order your cell raised FileNotFoundError" in rows[2]["message"]
    assert outside.read_text() == "escaped" and not victim.exists() and listener.connections == 2
