"""The class grader (python -m course grade), run as an instructor runs it, on a small class
built from the committed exercise notebooks: exact grades for each kind of student, the
report, the students' folder left untouched, bad inputs, and training reuse that gives
the same checks' results as training."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from course.grade import synthetic as sc
from course.grade.lessons import Lesson, course_lessons
from course.grade.plan import affects_training, build_plan, names_up_to, template_cells
from course.grade.submissions import find_lesson, student_answers

ROOT = Path(__file__).resolve().parent.parent

CELL_TIMEOUT_S = 30
LOOP_FOREVER = (
    "while True:\n    try:\n        pass\n    except KeyboardInterrupt:  # even Ctrl-C does not stop it\n        pass"
)
LESSONS = sc.exercise_stems()  # 01_tokenization ... 07_use_and_share


def solutions(stem: str, edition: str = "") -> dict[str, str]:
    module = sc.lesson_module(sc.template_path(stem, edition))
    return {exercise: sc.solution(module, exercise) for exercise in sc.exercise_names(module)}


def build_small_class(folder: Path) -> None:
    """The six students of the issue."""
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
    sc.write(finn, folder / "finn" / "Downloads" / "Copy of 練習 1 (1).ipynb")


# What a message of each status starts with: the check's own words, or the grader's for an error.
MESSAGE_STARTS = {
    "correct": "Correct! ",
    "wrong": "Not quite: ",
    "unanswered": ("Not answered yet: ", "No notebook for this lesson was handed in."),
    "error": ("the answer cell ", "checking the answer "),
}
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
}
ANSWER_NAMES = {
    LESSONS[0]: ("segment_b_start", "pad_count", "tokens_saved"),
    LESSONS[1]: ("every_50_steps", "total_steps", "lr_at_step_100"),
    LESSONS[2]: ("new_head_weights", "steps_per_epoch", "quick_run"),
    LESSONS[3]: ("probabilities", "accuracy", "most_confident_mistake"),
    LESSONS[4]: ("compute_metrics_prf", "best_epoch", "overfitting_choice"),
}


def expected_grades() -> dict[tuple[str, str, str], tuple[str, str]]:
    """(student, lesson, exercise) -> (status, a part of the message) for the small class."""
    expected = {}
    for student in ("ada", "ben", "cleo", "dan", "eve", "finn"):
        for stem in LESSONS:
            for exercise in ("q1", "q2", "q3"):
                expected[(student, stem, exercise)] = NOT_HANDED_IN
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
    expected[("eve", LESSONS[0], "q2")] = ("error", f"the answer cell did not finish within {CELL_TIMEOUT_S} s")
    expected[("eve", LESSONS[0], "q3")] = ("correct", ADA[(LESSONS[0], "q3")])
    expected[("eve", LESSONS[4], "q1")] = ("error", f"checking the answer did not finish within {CELL_TIMEOUT_S} s")
    expected[("eve", LESSONS[4], "q2")] = blank("best_epoch")
    expected[("eve", LESSONS[4], "q3")] = blank("overfitting_choice")
    for exercise in ("q1", "q2", "q3"):
        expected[("finn", LESSONS[0], exercise)] = expected[("ada", LESSONS[0], exercise)]
    return expected


def folder_digest(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a hash of its content."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        for path in sorted(folder.rglob("*"))
    }


def grade(submissions: Path, out: Path, *options: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "course", "grade", str(submissions), "--out", str(out), *options],
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
    build_small_class(submissions)
    before = folder_digest(submissions)
    done = grade(submissions, out, "--cell-timeout", str(CELL_TIMEOUT_S))
    print(done.stderr)
    assert done.returncode == 0, done.stderr[-3000:]
    return {"done": done, "out": out, "before": before, "after": folder_digest(submissions)}


def test_every_grade_of_the_small_class(graded_class):
    columns, rows = read_csv(graded_class["out"] / "grades.csv")
    assert columns == ["student", "lesson", "exercise", "status", "message"]
    expected = expected_grades()
    assert [(r["student"], r["lesson"], r["exercise"]) for r in rows] == sorted(expected)
    mismatches = []
    for row in rows:
        status, message = expected[(row["student"], row["lesson"], row["exercise"])]
        starts = row["message"].startswith(MESSAGE_STARTS[status])
        if row["status"] != status or message not in row["message"] or not starts:
            mismatches.append(f"{row}: expected {status}, {message!r}")
    assert not mismatches, "\n".join(mismatches)


def test_the_summary_counts_correct_out_of_all(graded_class):
    columns, rows = read_csv(graded_class["out"] / "summary.csv")
    assert columns == ["student", "correct", "total"]
    total = str(3 * len(LESSONS))  # three exercises in each lesson, handed in or not
    assert [(r["student"], r["correct"], r["total"]) for r in rows] == [
        ("ada", total, total),
        ("ben", "0", total),
        ("cleo", "0", total),
        ("dan", "0", total),
        ("eve", "2", total),
        ("finn", "3", total),
    ]


def test_the_report_has_its_plot_and_the_common_mistakes(graded_class):
    page = (graded_class["out"] / "report.html").read_text(encoding="utf-8")
    image = page.split("src='data:image/png;base64,", 1)[1].split("'", 1)[0]
    assert base64.b64decode(image).startswith(b"\x89PNG")
    row = page.split(f"<td>{LESSONS[0]} q1 (segment_b_start)</td>", 1)[1].split("</tr>", 1)[0]
    assert "3 (50%)" in row  # ada, eve, finn of six
    assert "<b>1&times;</b> Not quite: that position holds the [SEP]" in row


def test_the_students_folder_is_left_untouched_and_training_was_reused(graded_class):
    assert graded_class["after"] == graded_class["before"]
    stderr = graded_class["done"].stderr
    assert "Traceback" not in stderr
    assert "training restored" in stderr  # cleo's and eve's lesson 5 reuse ada's training, or the reverse
    assert (graded_class["out"] / "executed" / "finn" / "Downloads" / "Copy of 練習 1 (1).ipynb").is_file()


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


# ---------------------------------------------------------------- the grader's pieces


def lesson(number: int) -> Lesson:
    return course_lessons()[f"helpers.exercises.lesson{number:02d}"]


def test_every_exercise_notebook_of_the_course_is_a_known_lesson():
    lessons = course_lessons()
    assert sorted(lesson.name for lesson in lessons.values()) == LESSONS
    assert all(lesson.exercises for lesson in lessons.values())


def test_lost_tags_and_a_lost_import_line_still_find_the_lesson_and_the_answers():
    notebook = sc.student_notebook(sc.template_path(LESSONS[1]), {"q2": "total_steps = 690"}, strip_tags=True)
    notebook.cells = [cell for cell in notebook.cells if "helpers.exercises" not in cell.source]
    assert find_lesson(notebook, course_lessons()).name == LESSONS[1]
    answers = student_answers(notebook, lesson(2))
    assert answers["q2"] == "total_steps = 690"
    assert answers["q1"].startswith("every_50_steps = ____")


@pytest.mark.parametrize(
    "code, affects",
    [
        (
            "from sklearn.metrics import f1_score\n\n\ndef compute_metrics_prf(eval_preds):\n    return f1_score(1, 2)",
            False,
        ),
        ("compute_metrics_prf = None", False),
        ("def compute_metrics_prf(eval_preds):\n    return ____\n\n\ncompute_metrics_prf((1, 2))", True),
        ("metric = None", True),  # the training cell uses metric
        ("import numpy as np\nnp.random.seed(0)", True),
        ("@decorated\ndef compute_metrics_prf(eval_preds):\n    pass", True),
        ("%time x = 1", True),  # not plain Python: counts as changing it
    ],
)
def test_which_answers_before_a_training_cell_can_change_it(code, affects):
    plan = template_cells(lesson(5))
    training = next(index for index, cell in enumerate(plan) if cell.training)
    names = names_up_to(plan, training)
    assert {"metric", "tokenized_datasets", "set_seed"} <= names and "compute_metrics_prf" not in names
    assert affects_training(code, names) is affects


def test_the_training_key_follows_only_code_that_can_change_the_training(tmp_path):
    def key(answer: str) -> str:
        plan = build_plan(lesson(5), {"q1": answer}, set(), set(), str(tmp_path), "identity")
        cell = next(cell for cell in plan if cell.training)
        assert "_course_grading.train_or_restore(trainer, " in cell.source and "trainer.train()" not in cell.source
        return cell.source.split(str(tmp_path))[1].split("'")[0]

    neutral = key("def compute_metrics_prf(eval_preds):\n    return 1")
    assert key("def compute_metrics_prf(eval_preds):\n    return 2  # another answer") == neutral
    assert key("metric = None") != neutral
    assert key("metric = None") == key("metric = None  # a comment")
    assert key("metric = None") != key("metric = 0")


def test_a_restored_training_gives_the_same_predictions_state_and_checks(
    offline_profile, tokenizer, tokenized, tmp_path
):
    """Train once through the cache, restore it into a fresh Trainer: the same predictions
    bit for bit, the same log_history, and the same verdicts of lesson 4's and 5's checks."""
    from course.grade import in_kernel as grading
    from helpers import load_mrpc_metric
    from helpers.exercises import lesson04, lesson05
    from training import make_trainer

    cache = str(tmp_path / "cache" / "key")
    settings = dict(train_pairs=32, max_steps=4, eval_strategy="steps", eval_steps=2, logging_steps=2)

    def run(cached: bool) -> dict:
        trainer = make_trainer(offline_profile, tokenizer, tokenized, tmp_path / "run", **settings)
        output = grading.train_or_restore(trainer, cache) if cached else trainer.train()
        namespace = {
            "np": np,
            "predictions": trainer.predict(tokenized["validation"]),
            "log_history": trainer.state.log_history,
            "metric": load_mrpc_metric(offline_profile),
        }
        for exercise in (*lesson04.exercises.exercises, *lesson05.exercises.exercises[:2]):
            exec(textwrap.dedent(exercise.solution_code), namespace)
        verdicts = [e.evaluate(namespace) for e in (*lesson04.exercises.exercises, *lesson05.exercises.exercises)]
        return {"output": output, "namespace": namespace, "verdicts": verdicts, "training": trainer.model.training}

    trained, restored = run(cached=True), run(cached=True)
    assert (Path(cache) / "done.json").is_file()
    assert np.array_equal(
        trained["namespace"]["predictions"].predictions, restored["namespace"]["predictions"].predictions
    )
    assert trained["namespace"]["log_history"] == restored["namespace"]["log_history"]
    assert trained["output"] == restored["output"] and trained["training"] == restored["training"]
    assert trained["verdicts"] == restored["verdicts"]
    assert [v.status for v in restored["verdicts"][:5]] == ["correct"] * 5
    plain = run(cached=False)  # and a plain train() gives what the cache holds
    assert np.array_equal(
        plain["namespace"]["predictions"].predictions, restored["namespace"]["predictions"].predictions
    )
    assert plain["verdicts"] == restored["verdicts"]
