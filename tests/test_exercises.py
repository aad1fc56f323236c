"""Every exercise of every lesson of the catalog, in the namespace its own notebook's cells make:
the reference solution is accepted, the untouched placeholder is "not answered yet", every known
mistake gets its message (in English and in Chinese), and a verdict does not depend on the names
the answer's code created, as when the class grader judges the carried answer in a kernel of its
own. Then the tests that are not of that shape: a check that cannot be tricked from the answer
cell, models that learned, a failed answer cell, progress."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from answers import (
    FEEDBACK_LINE,
    case_id,
    every_exercise,
    every_mistake,
    exercises_of,
    gives,
    lesson_module,
    notebook_shell,
    run,
    run_cell,
    shared_course,
    trains,
)
from course.catalog import LESSONS, ROOT, ZH_TW, answer_tags
from helpers.exercises import ____, lesson01, lesson02, lesson05
from helpers.exercises.carry import dumps, loads
from helpers.i18n import set_language

LESSON = {lesson.number: lesson for lesson in LESSONS}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return shared_course(tmp_path_factory)


@pytest.fixture
def chinese():
    set_language("zh-TW")
    yield
    set_language("en")


# --- every exercise, from the catalog -------------------------------------------------------------------


@pytest.mark.parametrize("lesson, exercise", every_exercise(), ids=case_id)
def test_the_reference_solution_is_accepted(lesson, exercise, course, capsys):
    namespace = course.student(lesson, exercise)
    feedback = exercise.evaluate(namespace)
    assert feedback.status == "correct", feedback.message
    assert feedback.message.startswith("Correct! ")
    capsys.readouterr()  # what the solution itself printed
    exercise.check(namespace)
    assert capsys.readouterr().out.startswith(f"{exercise.label}: Correct! ")


@pytest.mark.parametrize("lesson, exercise", every_exercise(), ids=case_id)
def test_the_placeholder_is_not_answered_yet(lesson, exercise, course):
    """The untouched ____ placeholder, and an answer name never assigned, are both not answered yet."""
    namespace = course.before(lesson, exercise)
    namespace[exercise.answer_name] = ____
    feedback = exercise.evaluate(namespace)
    assert feedback.status == "unanswered"
    assert feedback.message.startswith("Not answered yet: replace ____")
    del namespace[exercise.answer_name]
    assert exercise.evaluate(namespace).status == "unanswered"


@pytest.mark.parametrize("lesson, exercise, mistake", every_mistake(), ids=case_id)
def test_a_known_mistake_gets_its_message_in_both_languages(lesson, exercise, mistake, course):
    """Graded wrong, with its own message and no traceback; the same data judged in Chinese gives
    the message's translation."""
    namespace = course.student(lesson, exercise, mistake.code)
    feedback = exercise.evaluate(namespace)
    assert feedback.status == "wrong", feedback.message
    assert feedback.message.startswith("Not quite: ")
    assert gives(feedback.message, mistake.message), f"{feedback.message!r} is not {mistake.message!r}"
    assert "Traceback" not in feedback.message
    carried = loads(dumps(exercise.carry(namespace)))
    set_language("zh-TW")
    try:
        chinese = exercise.judge(carried, namespace)
        assert chinese.message.startswith("還不對。"), chinese.message
        assert gives(chinese.message, mistake.message), f"{chinese.message!r} is not the translation"
    finally:
        set_language("en")


def answers_of(exercise) -> list[tuple[str, str]]:
    """(what, code): the solution and every known mistake of an exercise."""
    return [("solution", exercise.solution_code)] + [("mistake", mistake.code) for mistake in exercise.mistakes]


ANSWERS = [
    (lesson, exercise, kind, code) for lesson, exercise in every_exercise() for kind, code in answers_of(exercise)
]


@pytest.mark.parametrize(
    "lesson, exercise, kind, code",
    ANSWERS,
    ids=[
        f"{case_id(lesson)}-{exercise.answer_name}-{kind}-{index}"
        for index, (lesson, exercise, kind, _) in enumerate(ANSWERS)
    ],
)
def test_the_verdict_is_the_same_in_the_graders_clean_namespace(lesson, exercise, kind, code, course):
    """The class grader judges the carried answer in a kernel that ran only the course's cells:
    no name the answer's code created (reloaded_model, a student's helper variable...)."""
    namespace = course.student(lesson, exercise, code)
    carried = loads(dumps(exercise.carry(namespace)))
    own = exercise.judge(carried, namespace)
    clean = course.namespace(lesson)
    created = set(namespace) - set(clean)
    assert exercise.answer_name in created and not created & set(clean)
    graders = exercise.judge(carried, clean)
    assert (graders.status, graders.message) == (own.status, own.message)
    assert own.status == ("correct" if kind == "solution" else "wrong"), own.message


def test_every_exercise_has_its_known_mistakes():
    """Each exercise lists at least two typical wrong answers, each with its own code."""
    for _lesson, exercise in every_exercise():
        codes = [mistake.code for mistake in exercise.mistakes]
        assert len(codes) >= 2, f"{exercise.answer_name}: list its usual mistakes"
        assert len(set(codes)) == len(codes) and exercise.solution_code not in codes, exercise.answer_name


def test_an_index_confusion_is_a_known_mistake_wherever_the_answer_is_an_index():
    """The most confident mistake (an index into the validation split) and the best epoch (found by an
    index into the evaluations): the position in the list searched is recognised as such."""
    lesson04, lesson05_ = (lesson_module(LESSON[4]), lesson_module(LESSON[5]))
    messages = [mistake.message for mistake in lesson04.q3.mistakes + lesson05_.q2.mistakes]
    assert lesson04.POSITION_AMONG_MISTAKES in messages
    assert lesson05_.POSITION_AMONG_EVALUATIONS in messages and lesson05_.POSITION_IN_LOG_HISTORY in messages


# --- a check cannot be tricked from the answer cell ----------------------------------------------------

TAMPERING = """
import helpers.exercises as E
import helpers.exercises.lesson02 as L

E.Exercise.evaluate = lambda self, namespace=None: E.Feedback("correct", "ok")
E.Exercise.judge = lambda self, carried, namespace: E.Feedback("correct", "ok")
L.q2 = E.Exercise("Exercise 2", "total_steps", lambda answer, namespace: "ok", "", "")
total_steps = 690
"""

# The student's kernel: the course's cells of notebook 2, the answer cell, then what the grader asks there.
STUDENT_KERNEL = """
import json, sys
from helpers.exercises import ____
import helpers.exercises.lesson02 as lesson02

namespace = {"__name__": "__main__", "____": ____}
exec(sys.stdin.read(), namespace)
print(json.dumps({"own": lesson02.q2.evaluate(namespace).status, "carried": lesson02.q2.carry(namespace)}))
"""


def test_an_answer_that_patches_the_checks_gets_no_correct_from_the_judge(course):
    """In the student's own kernel the patches work; the carried answer, judged by the course's
    checks in a namespace of the course's cells, is still wrong."""
    done = subprocess.run(
        [sys.executable, "-c", STUDENT_KERNEL],
        input=TAMPERING,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    student = json.loads(done.stdout.strip().splitlines()[-1])
    assert student["own"] == "correct", "the patch should have fooled the student's own kernel"
    clean = course.namespace(LESSON[2])
    feedback = lesson02.q2.judge(loads(json.dumps(student["carried"])), clean)
    assert feedback.status == "wrong"
    assert feedback.message == f"Not quite: {lesson02.BATCHES}"


# --- models that learned ----------------------------------------------------------------------------------


def validation_accuracy(model, tokenizer, validation) -> float:
    """The model's accuracy on the validation pairs, in evaluation mode (its mode is put back)."""
    import torch

    was_training = model.training
    model.eval()
    right = 0
    try:
        for start in range(0, len(validation), 32):
            rows = validation[start : start + 32]
            batch = tokenizer(rows["sentence1"], rows["sentence2"], padding=True, truncation=True, return_tensors="pt")
            with torch.no_grad():
                predicted = model(**batch.to(model.device)).logits.argmax(dim=-1).cpu().numpy()
            right += int((predicted == np.asarray(rows["label"])).sum())
    finally:
        model.train(was_training)
    return right / len(validation)


@pytest.mark.parametrize("lesson", [lesson for lesson in LESSONS if trains(lesson)], ids=case_id)
def test_an_exercise_notebook_that_trains_ends_with_a_model_that_beats_the_majority_class(lesson, course):
    """The notebook's own training cells, run here: the model is right more often than always
    answering the most frequent label of the validation pairs."""
    namespace = course.namespace(lesson)
    validation = namespace["raw_datasets"]["validation"]
    labels = np.asarray(validation["label"])
    majority = np.bincount(labels).max() / len(labels)
    accuracy = validation_accuracy(namespace["trainer"].model, namespace["tokenizer"], validation)
    print(f"{lesson.exercise_name}: validation accuracy {accuracy:.4f}, majority class {majority:.4f}")
    assert accuracy > majority


def test_the_notebooks_that_train_are_found():
    assert [lesson.number for lesson in LESSONS if trains(lesson)] == [4, 5, 7, 8]


# --- the checks of single exercises -----------------------------------------------------------------------


def other_run_log_history():
    """What another 4-epoch run logs: best F1 at epoch 2, best accuracy at epoch 3, lowest validation
    loss at epoch 1, and the last epoch none of these (notebook 5's run improves on all at once)."""
    rows = [(0.40, 0.80, 0.85), (0.42, 0.82, 0.88), (0.47, 0.84, 0.87), (0.50, 0.83, 0.86)]
    history = []
    for epoch, (loss, accuracy, f1) in enumerate(rows, start=1):
        history.append({"loss": 0.6 / epoch, "epoch": float(epoch), "step": 60 * epoch})
        evaluation = {"eval_loss": loss, "eval_accuracy": accuracy, "eval_f1": f1}
        history.append({**evaluation, "epoch": float(epoch), "step": 60 * epoch})
    return history


@pytest.mark.parametrize(
    "answer, message",
    [(3, "BEST_ACCURACY"), (1, "LOWEST_LOSS"), (4, "LAST_EPOCH"), (2, None)],
)
def test_the_best_epoch_check_tells_the_other_columns_apart(answer, message):
    """The messages the notebook's own run cannot bring out: on it, every column is best at the last epoch."""
    feedback = lesson05.q2.evaluate({"log_history": other_run_log_history(), "best_epoch": answer})
    if message is None:
        assert feedback.status == "correct", feedback.message
    else:
        assert feedback.message == f"Not quite: {getattr(lesson05, message)}"


def test_a_function_that_still_returns_the_placeholder_is_not_answered(course):
    namespace = course.student(LESSON[5], lesson05.q1, "def compute_metrics_prf(eval_preds):\n    return ____")
    assert lesson05.q1.evaluate(namespace).status == "unanswered"


def test_an_error_in_the_students_code_is_a_message_not_a_traceback(course):
    namespace = course.student(LESSON[5], lesson05.q1, "def compute_metrics_prf(eval_preds):\n    return 1 / 0")
    feedback = lesson05.q1.evaluate(namespace)
    assert feedback.status == "wrong"
    assert feedback.message == "Not quite: checking `compute_metrics_prf` raised ZeroDivisionError: division by zero"


def test_a_missing_earlier_cell_is_named(course):
    namespace = course.student(LESSON[1], lesson01.q1, "segment_b_start = 12")
    del namespace["tokenizer"]
    message = lesson01.q1.evaluate(namespace).message
    assert "`tokenizer` is not defined yet. Run the notebook's cells from the top first." in message


def test_an_answer_that_is_no_data_is_named_by_its_type(course):
    """A function cannot be carried as data; the message still names its type."""
    namespace = course.student(LESSON[1], lesson01.q1, "segment_b_start = lambda: 13")
    assert lesson01.q1.evaluate(namespace).message.endswith("not function.")


def test_progress_counts_and_lists_the_open_ones(course, capsys):
    namespace = course.student(LESSON[2], lesson02.q1)
    namespace["total_steps"] = 690
    lesson02.progress(namespace)
    assert capsys.readouterr().out.splitlines() == [
        "1/3 correct",
        "  still open: Exercise 2 (total_steps): not correct yet",
        "  still open: Exercise 3 (lr_at_step_100): not answered yet",
    ]


def test_lesson2_numbers_match_the_trainer_and_scheduler():
    """The expected answers of lesson 2 agree with what transformers itself computes."""
    import torch
    from transformers import get_scheduler

    assert lesson02.optimizer_steps() == math.ceil(math.ceil(3668 / 16) / 2) * 3
    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=2e-5)
    total = lesson02.optimizer_steps()
    scheduler = get_scheduler(
        "linear", optimizer=optimizer, num_warmup_steps=math.ceil(0.1 * total), num_training_steps=total
    )
    for _ in range(100):
        optimizer.step()
        scheduler.step()
    assert scheduler.get_last_lr()[0] == pytest.approx(
        lesson02.learning_rate_at(100, total, math.ceil(0.1 * total)), rel=1e-9
    )


def tiny_trainer_run(folder, tokenized, tokenizer, **arguments):
    """A Trainer on 40 tokenized pairs (5 batches of 8 an epoch) with a 1-layer BERT: its state and checkpoints."""
    from transformers import (
        BertConfig,
        BertForSequenceClassification,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    set_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=2,
    )
    args = TrainingArguments(output_dir=str(folder), report_to="none", use_cpu=True, disable_tqdm=True, **arguments)
    trainer = Trainer(
        model=BertForSequenceClassification(config),
        args=args,
        train_dataset=tokenized["train"].select(range(40)),
        data_collator=DataCollatorWithPadding(tokenizer=tokenizer),
    )
    trainer.train()
    return trainer.state, sorted(path.name for path in folder.glob("checkpoint-*"))


def test_what_lesson2_says_of_step_counting_arguments_holds_for_a_real_trainer(tmp_path, tokenized, tokenizer):
    """Notebook 2's prose: with the default logging_steps and save_steps of 500, a shorter run still logs its
    train_loss and saves its last step; gradient accumulation divides each epoch's batches, rounded up;
    max_steps overrides num_train_epochs; eval_steps left unset takes logging_steps."""
    from transformers import TrainingArguments

    batches, epochs = math.ceil(40 / 8), 3
    state, checkpoints = tiny_trainer_run(tmp_path / "defaults", tokenized, tokenizer)
    assert state.global_step == batches * epochs
    logged = state.log_history
    assert len(logged) == 1 and "train_loss" in logged[0] and "loss" not in logged[0], "only the final train_loss"
    assert checkpoints == [f"checkpoint-{batches * epochs}"], "the last step is saved"

    state, _ = tiny_trainer_run(tmp_path / "accumulated", tokenized, tokenizer, gradient_accumulation_steps=2)
    assert state.global_step == math.ceil(batches / 2) * epochs  # 9, not ceil(15 / 2) = 8

    state, _ = tiny_trainer_run(tmp_path / "quick", tokenized, tokenizer, max_steps=4, num_train_epochs=epochs)
    assert state.global_step == 4

    every_10 = TrainingArguments(output_dir=str(tmp_path / "every_10"), eval_strategy="steps", logging_steps=10)
    assert every_10.eval_steps == 10


def test_the_exercises_of_each_lesson_are_its_modules():
    """The catalog's lessons, each with three to five exercises whose names are their notebook's."""
    for lesson in LESSONS:
        names = [exercise.answer_name for exercise in exercises_of(lesson)]
        assert 3 <= len(names) <= 5
        notebook = lesson.exercise_notebook().read_text(encoding="utf-8")
        assert all(f"{name} = ____" in notebook or f"def {name}(" in notebook for name in names), names


# --- an answer cell that fails, run as a notebook's kernel runs it ------------------------------------------


@pytest.fixture
def notebook(course, monkeypatch):
    """An IPython shell with notebook 1's exercise names, whose cells are followed as in a notebook's kernel."""
    with notebook_shell(course.namespace(LESSON[1]), monkeypatch) as shell:
        yield shell


# Lesson 1, exercise 2, as students wrote it: the collator also gets the text columns and raises.
COLLATOR_GETS_TEXT = """
    samples = tokenized_datasets["train"][8:16]
    batch = data_collator(samples)
    pad_count = int((batch["attention_mask"] == 0).sum())
"""


def test_a_failed_answer_cell_is_named_not_unanswered(notebook, capsys):
    run_cell(notebook, "pad_count = ____", capsys)
    assert run_cell(notebook, "q2.check()", capsys).startswith("Exercise 2: Not answered yet")
    assert "ValueError" in run_cell(notebook, COLLATOR_GETS_TEXT, capsys)  # the traceback the student sees
    out = run_cell(notebook, "q2.check()", capsys)
    assert out.startswith(
        "Exercise 2: Your answer cell failed: the last cell that sets `pad_count` stopped with ValueError: "
        "Unable to create tensor"
    ), out
    assert (
        "so `pad_count` was never set. Fix that cell, run it again without an error, then run this check again." in out
    )
    assert "leave out sentence1, sentence2, label and idx (the text columns cannot become a tensor)." in out
    assert "Not answered yet" not in out
    assert "(pad_count): its answer cell failed" in run_cell(notebook, "progress()", capsys)

    run_cell(notebook, lesson01.q2.solution_code, capsys)  # fixed and run again: checked as usual
    assert run_cell(notebook, "q2.check()", capsys).startswith("Exercise 2: Correct! ")


def test_an_answer_cell_that_fails_after_a_good_run_does_not_pass_on_the_old_value(notebook, capsys):
    run_cell(notebook, lesson01.q2.solution_code, capsys)
    run_cell(notebook, COLLATOR_GETS_TEXT, capsys)
    out = run_cell(notebook, "q2.check()", capsys)
    assert "Your answer cell failed" in out and "still holds the value of an earlier run" in out


def test_a_syntax_error_in_the_answer_cell_is_a_failed_cell(notebook, capsys):
    run_cell(notebook, "segment_b_start = tokenizer(sentence1, sentence2)['token_type_ids'].index(1", capsys)
    out = run_cell(notebook, "q1.check()", capsys)
    assert out.startswith(
        "Exercise 1: Your answer cell failed: the last cell that sets `segment_b_start` stopped with SyntaxError"
    )


def test_a_failing_cell_that_does_not_set_the_answer_changes_nothing(notebook, capsys):
    run_cell(notebook, "pad_count = ____", capsys)
    run_cell(notebook, "1 / 0", capsys)
    assert run_cell(notebook, "q2.check()", capsys).startswith("Exercise 2: Not answered yet")


def test_the_failed_cell_message_in_chinese(notebook, capsys, chinese):
    run_cell(notebook, "pad_count = ____", capsys)
    run_cell(notebook, COLLATOR_GETS_TEXT, capsys)
    out = run_cell(notebook, "q2.check()", capsys)
    assert out.startswith("練習 2：你的作答儲存格執行失敗：最後一個設定 `pad_count` 的儲存格因為 ValueError: ")
    assert "所以 `pad_count` 從來沒有被設定。請修正那個儲存格，重新執行到沒有錯誤，再執行一次這個檢查。" in out
    assert "拿掉 sentence1、sentence2、label 和 idx" in out


def test_the_names_a_cell_sets():
    from helpers.exercises import assigned_names

    code = "import math\nx, (y, z) = 1, (2, 3)\ndef f(a):\n    inner = a\n    return inner\n"
    code += "for i in range(3):\n    w = i\n"
    assert assigned_names(code) == {"math", "x", "y", "z", "f", "i", "w"}
    assert assigned_names("total_steps = math.ceil(3668 / 16\n") == {"total_steps"}  # does not parse
    assert assigned_names("[v for v in range(3)]\nlambda q: q") == set()


def test_run_leaves_the_course_namespace_alone(course):
    """A student's answer runs in a copy: the next student starts from the course's cells again."""
    namespace = run("segment_b_start = 1", course.namespace(LESSON[1]))
    assert "segment_b_start" in namespace and "segment_b_start" not in course.namespace(LESSON[1])


# --- the zh-TW exercise notebooks ---------------------------------------------------------------------------
# A zh-TW exercise notebook has the English code but the language line (tests/test_zh_tw.py), so a kernel of
# its own would redo all of its English twin's work, which nbval runs. Instead, each of its committed outputs
# is checked here: an output that is the English one stands on the English run; any other (the checks,
# progress() and whatever else prints Chinese) must be what that cell prints when it runs, in Chinese, in a
# notebook shell on the course's objects, its answer cells (the placeholders) run before it as in the notebook.


def committed_outputs(cell: dict) -> tuple[str, list[dict]]:
    """What a committed cell printed (its stdout) and displayed (each output's data but images, as text)."""
    printed = "".join("".join(o["text"]) for o in cell.get("outputs", []) if o.get("name") == "stdout")
    shown = [
        {key: "".join(value) for key, value in o["data"].items() if not key.startswith("image/")}
        for o in cell.get("outputs", [])
        if "data" in o
    ]
    return printed, shown


def ran_outputs(shell, code: str) -> tuple[str, list[dict]]:
    """What ``code`` prints and displays when it runs as a notebook cell in ``shell``."""
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        result = shell.run_cell(code, store_history=False)
    assert result.success, f"the cell raised {result.error_in_exec!r}:\n{code}"
    shown = [dict(output.data) for output in captured.outputs]
    if result.result is not None:
        shown.append(shell.display_formatter.format(result.result)[0])
    shown = [{key: value for key, value in data.items() if not key.startswith("image/")} for data in shown]
    return captured.stdout, shown


def twin_cells_to_run(english: list[dict], twin: list[dict]) -> list[tuple[int, dict]]:
    """The twin's code cells that run here, in order: its answer and feedback cells, and any other cell whose
    committed outputs are not the English ones (a cell nbval ignores the output of is left out)."""
    from test_zh_tw import as_the_twins_run, text_outputs

    chosen = []
    for index, (en, zh) in enumerate(zip(english, twin, strict=True)):
        if zh["cell_type"] != "code" or "nbval-ignore-output" in zh["metadata"].get("tags", []):
            continue
        code = "".join(zh["source"])
        answer_or_feedback = answer_tags(zh["metadata"].get("tags", [])) or all(
            FEEDBACK_LINE.match(line.strip()) for line in code.splitlines()
        )
        if answer_or_feedback or text_outputs(zh) != as_the_twins_run(text_outputs(en)):
            chosen.append((index, zh))
    return chosen


@pytest.mark.parametrize("lesson", LESSONS, ids=case_id)
def test_a_zh_tw_exercise_notebooks_outputs_are_the_english_ones_or_what_it_prints_in_chinese(
    lesson, course, monkeypatch
):
    english = json.loads(lesson.exercise_notebook().read_text(encoding="utf-8"))["cells"]
    path = lesson.exercise_notebook(ZH_TW)
    twin = json.loads(path.read_text(encoding="utf-8"))["cells"]
    cells = twin_cells_to_run(english, twin)
    assert sum("".join(cell["source"]) == "q1.check()" for _, cell in cells) == 1, "no check cell found"
    set_language("zh-TW")
    try:
        with course.offline(), notebook_shell(course.namespace(lesson), monkeypatch) as shell:
            for index, cell in cells:
                got = ran_outputs(shell, "".join(cell["source"]))
                assert got == committed_outputs(cell), f"{path.name} cell {index}: run `make notebooks`"
    finally:
        set_language("en")
