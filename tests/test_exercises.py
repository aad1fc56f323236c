"""Every exercise's check: the reference solution is accepted, typical wrong answers get
their intended message, and the untouched placeholder says "not answered yet"."""

from __future__ import annotations

import math
import sys
import textwrap

import numpy as np
import pytest
from transformers import DataCollatorWithPadding

from answers import assert_placeholder_unanswered, assert_solution_accepted, assert_wrong_with_message, run
from helpers.exercises import ____, failed_cells, lesson01, lesson02, lesson03, lesson04, lesson05, watch_answer_cells

LESSONS = {1: lesson01, 2: lesson02, 3: lesson03, 4: lesson04, 5: lesson05}
ALL = [(number, exercise) for number, lesson in LESSONS.items() for exercise in lesson.exercises.exercises]


def log_history():
    """What a 3-epoch Trainer run with eval_strategy='epoch' logs: best F1 at epoch 2, best accuracy at
    epoch 3, lowest validation loss at epoch 1."""
    return [
        {"loss": 0.6, "epoch": 1.0, "step": 60},
        {"eval_loss": 0.40, "eval_accuracy": 0.80, "eval_f1": 0.85, "epoch": 1.0, "step": 60},
        {"loss": 0.4, "epoch": 2.0, "step": 120},
        {"eval_loss": 0.42, "eval_accuracy": 0.82, "eval_f1": 0.88, "epoch": 2.0, "step": 120},
        {"loss": 0.2, "epoch": 3.0, "step": 180},
        {"eval_loss": 0.47, "eval_accuracy": 0.84, "eval_f1": 0.87, "epoch": 3.0, "step": 180},
    ]


@pytest.fixture(scope="module")
def predictions(trained):
    return trained["predictions"]


@pytest.fixture
def namespace(offline_profile, tokenizer, tokenized, predictions, monkeypatch, tmp_path):
    """What the exercise notebooks define before the exercises, for every lesson at once."""
    from helpers import load_mrpc_metric

    monkeypatch.chdir(tmp_path)  # quick runs write their output folder here
    monkeypatch.setenv("COURSE_OUTPUT_DIR", str(tmp_path / "runs"))
    return {
        "np": np,
        "profile": offline_profile,
        "tokenizer": tokenizer,
        "tokenized_datasets": tokenized,
        "data_collator": DataCollatorWithPadding(tokenizer=tokenizer),
        "sentence1": lesson01.PAIR[0],
        "sentence2": lesson01.PAIR[1],
        "predictions": predictions,
        "metric": load_mrpc_metric(offline_profile),
        "log_history": log_history(),
        "total_steps": 345,  # exercise 2 of lesson 2 comes before exercise 3
    }


@pytest.mark.parametrize("lesson, exercise", ALL, ids=lambda value: getattr(value, "answer_name", str(value)))
def test_the_reference_solution_is_accepted(lesson, exercise, namespace, capsys):
    assert_solution_accepted(exercise, namespace, capsys)


@pytest.mark.parametrize("lesson, exercise", ALL, ids=lambda value: getattr(value, "answer_name", str(value)))
def test_the_placeholder_is_not_answered_yet(lesson, exercise, namespace):
    assert_placeholder_unanswered(exercise, namespace)


def test_a_function_that_still_returns_the_placeholder_is_not_answered(namespace):
    run("def compute_metrics_prf(eval_preds):\n    return ____", {**namespace, "____": ____})
    namespace["compute_metrics_prf"] = lambda eval_preds: ____
    assert lesson05.q1.evaluate(namespace).status == "unanswered"


def expected_position(namespace):
    return namespace["tokenizer"](lesson01.PAIR[0], lesson01.PAIR[1])["token_type_ids"].index(1)


def validation_lengths(namespace):
    return [len(ids) for ids in namespace["tokenized_datasets"]["validation"]["input_ids"]]


# (exercise, code that defines a typical wrong answer, what the message must say)
WRONG_ANSWERS = [
    (
        lesson01.q1,
        "segment_b_start = tokenizer(sentence1, sentence2)['token_type_ids'].index(1) - 1",
        "closes sentence 1",
    ),
    (lesson01.q1, "segment_b_start = tokenizer(sentence1, sentence2)['token_type_ids'].index(1) + 1", "one too far"),
    (lesson01.q1, "segment_b_start = len(tokenizer.tokenize(sentence1))", "sentence 1's tokens only"),
    (lesson01.q1, "segment_b_start = tokenizer(sentence1, sentence2)", "one whole number"),
    (
        lesson01.q2,
        "lengths = [len(x) for x in tokenized_datasets['train'][8:16]['input_ids']]\npad_count = sum(lengths)",
        "counts the real tokens",
    ),
    (
        lesson01.q2,
        "lengths = [len(x) for x in tokenized_datasets['train'][8:16]['input_ids']]\npad_count = 8 * max(lengths)",
        "every token of the padded batch",
    ),
    (
        lesson01.q3,
        "lengths = [len(x) for x in tokenized_datasets['validation']['input_ids']]\n"
        "per_batch = sum(len(lengths[i:i+8]) * max(lengths[i:i+8]) for i in range(0, len(lengths), 8))\n"
        "tokens_saved = len(lengths) * 512 - per_batch",
        "padding to 512",
    ),
    (
        lesson01.q3,
        "lengths = [len(x) for x in tokenized_datasets['validation']['input_ids']]\n"
        "tokens_saved = len(lengths) * max(lengths) - sum(lengths)",
        "no padding at all",
    ),
    (lesson02.q1, "every_50_steps = dict(evaluation_strategy='steps', eval_steps=50, save_steps=50)", "2023 name"),
    (
        lesson02.q1,
        "every_50_steps = dict(eval_strategy='epoch', save_strategy='steps', save_steps=50)",
        "must be 'steps'",
    ),
    (
        lesson02.q1,
        "every_50_steps = dict(eval_strategy='steps', save_strategy='steps', save_steps=50)",
        "eval_steps is 500",
    ),
    (lesson02.q1, "every_50_steps = dict(eval_strategy='steps', eval_steps=50)", "save every 50 steps too"),
    (lesson02.q1, "every_50_steps = dict(eval_strategy='often')", "TrainingArguments refuses"),
    (lesson02.q2, "total_steps = 230 * 3", "number of batches"),
    (lesson02.q2, "total_steps = 229 // 2 * 3", "last, smaller batch"),
    (lesson02.q2, "total_steps = 230 * 3 * 2", "not multiply"),
    # 3 x 3668 / 16 = 687.75 rounded: no accumulation, and one rounding for the whole run instead of per epoch.
    (
        lesson02.q2,
        "total_steps = 688",
        "688 is 3,668 x 3 / 16 rounded once: the batches of the whole run. Two things are missing.",
    ),
    (lesson02.q2, "total_steps = 3668 * 3 // 16", "687 is 3,668 x 3 / 16 rounded once"),
    (lesson02.q2, "import math\ntotal_steps = math.ceil(3668 * 3 / 32)", "round per epoch, not over the whole run"),
    (lesson02.q2, "total_steps = 3668 / 16 / 2 * 3", "not the float 343.875"),
    (lesson02.q3, "lr_at_step_100 = 2e-5", "that is the peak"),
    (lesson02.q3, "lr_at_step_100 = 2e-5 * (345 - 100) / 345", "left out the warm-up"),
    (lesson02.q3, "lr_at_step_100 = 2e-5 * (345 - 100) / (345 - 34)", "rounds up"),
    (lesson03.q1, "new_head_weights = ['classifier.weight', 'classifier.bias']", "not sorted"),
    (lesson03.q1, "new_head_weights = ['bert.pooler.dense.weight']", "missing_keys"),
    (lesson03.q1, "new_head_weights = 'classifier'", "list of weight names"),
    (lesson03.q2, "steps_per_epoch = len(tokenized_datasets['train'])", "number of training pairs"),
    (lesson03.q2, "steps_per_epoch = len(tokenized_datasets['train']) / 7", "whole number"),
    (lesson04.q1, "probabilities = predictions.predictions", "logits themselves"),
    (
        lesson04.q1,
        "e = np.exp(predictions.predictions)\nprobabilities = e / e.sum(axis=0, keepdims=True)",
        "wrong axis",
    ),
    (lesson04.q1, "probabilities = 1 / (1 + np.exp(-predictions.predictions))", "sigmoid"),
    (
        lesson04.q2,
        "accuracy = float((predictions.predictions.argmax(-1) != predictions.label_ids).mean())",
        "error rate",
    ),
    (
        lesson04.q2,
        "accuracy = 100 * float((predictions.predictions.argmax(-1) == predictions.label_ids).mean())",
        "percentage",
    ),
    (
        lesson04.q3,
        "p = predictions.predictions\nright = np.flatnonzero(p.argmax(-1) == predictions.label_ids)\n"
        "most_confident_mistake = int(right[0])",
        "got pair",
    ),
    (
        lesson05.q1,
        "from sklearn.metrics import precision_score, recall_score\n"
        "def compute_metrics_prf(eval_preds):\n"
        "    logits, labels = eval_preds\n"
        "    predictions = np.argmax(logits, axis=-1)\n"
        "    scores = metric.compute(predictions=labels, references=predictions)\n"
        "    scores['precision'] = precision_score(predictions, labels)\n"
        "    scores['recall'] = recall_score(predictions, labels)\n"
        "    return scores",
        "precision and recall are swapped",
    ),
    (
        lesson05.q1,
        "def compute_metrics_prf(eval_preds):\n"
        "    logits, labels = eval_preds\n"
        "    return metric.compute(predictions=np.argmax(logits, axis=-1), references=labels)",
        "lacks 'precision', 'recall'",
    ),
    (
        lesson05.q1,
        "from sklearn.metrics import f1_score, precision_score, recall_score\n"
        "def compute_metrics_prf(eval_preds):\n"
        "    logits, labels = eval_preds\n"
        "    p = np.argmax(logits, axis=-1)\n"
        "    return {'accuracy': (p == labels).mean(), 'f1': f1_score(labels, p, pos_label=0),\n"
        "            'precision': precision_score(labels, p), 'recall': recall_score(labels, p)}",
        "F1 of class 0",
    ),
    (lesson05.q1, "compute_metrics_prf = {'accuracy': 1.0}", "should be a function"),
    # The logits (2 scores per pair) straight into scikit-learn, or into the GLUE metric, without argmax.
    (
        lesson05.q1,
        "from sklearn.metrics import precision_score, recall_score\n"
        "def compute_metrics_prf(eval_preds):\n"
        "    logits, labels = eval_preds\n"
        "    scores = metric.compute(predictions=np.argmax(logits, axis=-1), references=labels)\n"
        "    scores['precision'] = precision_score(labels, logits)\n"
        "    scores['recall'] = recall_score(labels, logits)\n"
        "    return scores",
        "the metric got the logits, two scores per pair, where it expects one predicted class per pair "
        "(ValueError: Classification metrics can't handle a mix of binary and continuous-multioutput targets). "
        "Take the class first, predictions = np.argmax(logits, axis=-1)",
    ),
    (
        lesson05.q1,
        "def compute_metrics_prf(eval_preds):\n"
        "    logits, labels = eval_preds\n"
        "    return metric.compute(predictions=logits, references=labels)",
        "the metric got the logits, two scores per pair",
    ),
    (lesson05.q2, "best_epoch = 3", "best accuracy"),
    (lesson05.q2, "best_epoch = 1", "lowest validation loss"),
    (lesson05.q3, "overfitting_choice = 'a'", "underfitting shows as a high training loss"),
    (lesson05.q3, "overfitting_choice = 'b'", "validation loss rises from 0.41 to 0.68"),
    (lesson05.q3, "overfitting_choice = 'e'", "one letter"),
]


@pytest.mark.parametrize(
    "exercise, code, message", WRONG_ANSWERS, ids=[f"{e.answer_name}-{i}" for i, (e, _, _) in enumerate(WRONG_ANSWERS)]
)
def test_a_typical_wrong_answer_gets_its_message(exercise, code, message, namespace):
    assert_wrong_with_message(exercise, code, message, namespace)


def test_every_exercise_has_at_least_one_wrong_answer_tested():
    tested = {id(exercise) for exercise, _, _ in WRONG_ANSWERS}
    untested = [f"lesson {n} {e.answer_name}" for n, e in ALL if id(e) not in tested]
    # Exercise 3 of lesson 3 trains; its wrong answers are tested below.
    assert untested == ["lesson 3 quick_run"] or not untested, untested


def test_quick_run_wrong_answers(namespace):
    from transformers import Trainer, TrainingArguments

    solution = lesson03.q3.solution_code
    run(solution.replace("max_steps=10,", "num_train_epochs=3,"), namespace)  # 3 epochs of 80 pairs
    feedback = lesson03.q3.evaluate(namespace)
    assert feedback.status == "wrong" and "it trained for whole epochs. Set max_steps=10" in feedback.message
    namespace["quick_run"] = namespace["trainer"]
    assert "that is the Trainer" in lesson03.q3.evaluate(namespace).message
    assert isinstance(namespace["trainer"], Trainer) and isinstance(namespace["trainer"].args, TrainingArguments)


def test_an_error_in_the_students_code_is_a_message_not_a_traceback(namespace):
    namespace["compute_metrics_prf"] = lambda eval_preds: 1 / 0
    feedback = lesson05.q1.evaluate(namespace)
    assert feedback.status == "wrong"
    assert feedback.message == "Not quite: checking `compute_metrics_prf` raised ZeroDivisionError: division by zero"


def test_a_missing_earlier_cell_is_named(namespace):
    del namespace["tokenizer"]
    namespace["segment_b_start"] = 12
    message = lesson01.q1.evaluate(namespace).message
    assert "`tokenizer` is not defined yet. Run the notebook's cells from the top first." in message


def test_progress_counts_and_lists_the_open_ones(namespace, capsys):
    run(lesson02.q1.solution_code, namespace)
    namespace["total_steps"] = 690
    namespace.pop("lr_at_step_100", None)
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


# --- an answer cell that fails, run as a notebook's kernel runs it ------------------------------------------


@pytest.fixture
def notebook(namespace, monkeypatch):
    """An IPython shell with the notebook's names, whose cells are followed as in a notebook's kernel."""
    from IPython.core.interactiveshell import InteractiveShell

    # The shell makes its namespace the __main__ module and installs hooks: all restored afterwards.
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    monkeypatch.setattr(sys, "displayhook", sys.displayhook)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    shell = InteractiveShell.instance()
    shell.user_ns.update(namespace, ____=____, q1=lesson01.q1, q2=lesson01.q2, progress=lesson01.progress)
    failed_cells.clear()
    assert watch_answer_cells(shell)
    yield shell
    failed_cells.clear()
    InteractiveShell.clear_instance()


def run_cell(shell, code: str, capsys) -> str:
    capsys.readouterr()
    shell.run_cell(textwrap.dedent(code))
    return capsys.readouterr().out


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


def test_the_failed_cell_message_in_chinese(notebook, capsys):
    from helpers.i18n import set_language

    run_cell(notebook, "pad_count = ____", capsys)
    run_cell(notebook, COLLATOR_GETS_TEXT, capsys)
    set_language("zh-TW")
    try:
        out = run_cell(notebook, "q2.check()", capsys)
    finally:
        set_language("en")
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
