"""The exercises of lessons 6 and 7: the reference solution is accepted, typical wrong answers get
their intended message, the untouched placeholder says "not answered yet", and every message a
student reads goes through ``_()`` as a template (labels and hints are marked with ``N_()`` and
translated when shown)."""

from __future__ import annotations

import ast
import copy
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import DataCollatorWithPadding

from answers import assert_placeholder_unanswered, assert_solution_accepted, assert_wrong_with_message, run
from helpers.exercises import ____, lesson06, lesson07

LESSONS = {6: lesson06, 7: lesson07}
ALL = [(number, exercise) for number, lesson in LESSONS.items() for exercise in lesson.exercises.exercises]


@pytest.fixture(scope="module")
def labelled_model(trained, bundled):
    """The shared fine-tuned model (a copy), with label names in its config as notebook 7 gives them."""
    model = copy.deepcopy(trained["model"]).eval()
    names = bundled["train"].features["label"].names
    model.config.id2label = dict(enumerate(names))
    model.config.label2id = {name: index for index, name in enumerate(names)}
    return model


@pytest.fixture
def namespace(offline_profile, tokenizer, tokenized, bundled, labelled_model, monkeypatch, tmp_path):
    """What the exercise notebooks of lessons 6 and 7 define before the exercises."""
    from helpers import load_mrpc_metric

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_OUTPUT_DIR", str(tmp_path / "runs"))
    return {
        "math": math,
        "np": np,
        "torch": torch,
        "profile": offline_profile,
        "raw_datasets": bundled,
        "tokenizer": tokenizer,
        "tokenized_datasets": tokenized,
        "data_collator": DataCollatorWithPadding(tokenizer=tokenizer),
        "metric": load_mrpc_metric(offline_profile),
        "model": labelled_model,
        "sentence1": lesson07.PAIR[0],
        "sentence2": lesson07.PAIR[1],
    }


@pytest.mark.parametrize("lesson, exercise", ALL, ids=lambda value: getattr(value, "answer_name", str(value)))
def test_the_reference_solution_is_accepted(lesson, exercise, namespace, capsys):
    assert_solution_accepted(exercise, namespace, capsys)


@pytest.mark.parametrize("lesson, exercise", ALL, ids=lambda value: getattr(value, "answer_name", str(value)))
def test_the_placeholder_is_not_answered_yet(lesson, exercise, namespace):
    assert_placeholder_unanswered(exercise, namespace)


def test_an_evaluation_loop_that_still_returns_the_placeholder_is_not_answered(namespace):
    run("def evaluate_model(model, dataloader):\n    return ____", {**namespace, "____": ____})
    namespace["evaluate_model"] = lambda model, dataloader: ____
    assert lesson06.q2.evaluate(namespace).status == "unanswered"


def test_the_expected_answers_on_the_bundled_data():
    """480 training pairs in batches of 16: 30 batches, 8 optimizer steps per epoch (the last on 2
    leftover batches). 120 validation pairs in batches of 8 on 2 processes: 15 batches, so the second
    process's 8th batch is all copies."""
    assert lesson06.loop_counts(480) == (30, 8)
    assert lesson06.gathered_counts(120) == (128, 8)
    assert lesson06.gathered_counts(408) == (416, 26)  # GLUE MRPC's validation split


def evaluation_loop(*, argmax="argmax(dim=-1)", eval_mode=True, no_grad=True, compute_inside=False, early=False):
    """A student's evaluation loop, with one of the usual mistakes switched on."""
    lines = ["def evaluate_model(model, dataloader):"]
    if eval_mode:
        lines.append("    model.eval()")
    lines.append("    for batch in dataloader:")
    if no_grad:
        lines += ["        with torch.no_grad():", "            outputs = model(**batch)"]
    else:
        lines.append("        outputs = model(**batch)")
    lines.append(f"        predictions = outputs.logits{'.' + argmax if argmax else ''}")
    if compute_inside:
        lines.append("        result = metric.compute(predictions=predictions, references=batch['labels'])")
        lines.append("    return result")
        return "\n".join(lines)
    lines.append("        metric.add_batch(predictions=predictions, references=batch['labels'])")
    if early:
        lines.append("        return metric.compute()")
    lines.append("    return metric.compute()")
    return "\n".join(lines)


RELOAD = """
from transformers import AutoModelForSequenceClassification
from helpers import output_dir
folder = output_dir("07_exercise_model")
model.save_pretrained(folder)
reloaded_model = AutoModelForSequenceClassification.from_pretrained(folder)
pairs = raw_datasets["validation"][:8]
batch = tokenizer(pairs["sentence1"], pairs["sentence2"], padding=True, truncation=True, return_tensors="pt")
with torch.no_grad():
    logits = reloaded_model(**batch).logits
"""
QUANTIZE = """
import copy, io
from torch.ao.quantization import quantize_dynamic
def saved_size(m):
    buffer = io.BytesIO()
    torch.save(m.state_dict(), buffer)
    return buffer.tell()
cpu_model = copy.deepcopy(model).to("cpu").eval()
quantized_model = quantize_dynamic(cpu_model, {torch.nn.Linear}, dtype=torch.qint8)
ratio = saved_size(quantized_model) / saved_size(cpu_model)
"""
PIPELINE = """
from transformers import pipeline
classifier = pipeline("text-classification", model=model, tokenizer=tokenizer)
"""

# (exercise, code that defines a typical wrong answer, what the message must say)
WRONG_ANSWERS = [
    (lesson06.q1, "optimizer_steps = math.ceil(480 / 16) * 3", "is the number of batches"),
    (lesson06.q1, "optimizer_steps = math.ceil(480 / 16) * 3 * 4", "fewer optimizer steps, not more"),
    (lesson06.q1, "optimizer_steps = (480 // 16 // 4) * 3", "you rounded down"),
    (lesson06.q1, "optimizer_steps = math.ceil(480 / 16 * 3 / 4)", "rounded over the whole run"),
    (lesson06.q1, "optimizer_steps = math.ceil(480 / 16 / 4)", "the count for one epoch"),
    (lesson06.q1, "optimizer_steps = 25", "off by one"),
    (lesson06.q1, "optimizer_steps = 24.5", "one whole number"),
    (lesson06.q2, evaluation_loop(argmax=""), "add_batch got the logits"),
    (lesson06.q2, evaluation_loop(argmax="argmax(dim=0)"), "dim=-1, not over the pairs"),
    (lesson06.q2, evaluation_loop(compute_inside=True), "the scores of one batch"),
    (lesson06.q2, evaluation_loop(early=True), "the loop stopped early"),
    (lesson06.q2, evaluation_loop(eval_mode=False), "call model.eval()"),
    (lesson06.q2, evaluation_loop(no_grad=False), "torch.no_grad()"),
    (lesson06.q2, "def evaluate_model(model, dataloader):\n    return metric", "the metric itself"),
    (lesson06.q2, "evaluate_model = {'accuracy': 0.5, 'f1': 0.5}", "should be a function"),
    (lesson06.q3, "gathered_with_copies = 120", "what gather_for_metrics returns"),
    (lesson06.q3, "gathered_with_copies = 64", "what one process computes"),
    (lesson06.q3, "gathered_with_copies = 60", "one process's share"),
    (lesson06.q3, "gathered_with_copies = 240", "each pair goes to one process only"),
    (lesson06.q3, "gathered_with_copies = 8", "the number of copies"),
    (
        lesson07.q1,
        PIPELINE + "predicted_label = classifier({'text': sentence1, 'text_pair': sentence2})",
        "the pipeline's whole answer, a dict",
    ),
    (
        lesson07.q1,
        PIPELINE + "predicted_label = classifier([{'text': sentence1, 'text_pair': sentence2}])",
        "answer[0]['label']",
    ),
    (
        lesson07.q1,
        "logits = model(**tokenizer(sentence1, sentence2, return_tensors='pt')).logits\n"
        "predicted_label = int(logits.argmax())",
        "is a label id, a number",
    ),
    (lesson07.q1, "predicted_label = 'LABEL_1'", "default name of a model without label names"),
    (lesson07.q1, "predicted_label = 'paraphrase'", "not one of the model's labels: not_equivalent, equivalent"),
    (lesson07.q2, RELOAD + "reloaded_logits = logits.softmax(dim=-1)", "those are probabilities"),
    (lesson07.q2, RELOAD + "reloaded_logits = logits.argmax(dim=-1)", "the predicted classes"),
    (lesson07.q2, RELOAD + "reloaded_logits = logits[:1]", "should be (8, 2)"),
    (
        lesson07.q2,
        RELOAD + "reloaded_logits = torch.allclose(logits, model(**batch).logits)",
        "the result of a comparison",
    ),
    (lesson07.q2, RELOAD + "reloaded_logits = logits == model(**batch).logits", "the result of a comparison"),
    (lesson07.q2, RELOAD + "reloaded_logits = logits + 1", "not the fine-tuned model's logits"),
    (lesson07.q2, RELOAD + "reloaded_model = model\nreloaded_logits = logits", "is `model` itself"),
    (
        lesson07.q2,
        RELOAD + "reloaded_model = AutoModelForSequenceClassification.from_pretrained(profile.checkpoint, "
        "num_labels=2)\nreloaded_logits = logits",
        "loaded from profile.checkpoint",
    ),
    (lesson07.q3, QUANTIZE + "size_ratio = 1 / ratio", "upside down"),
    (lesson07.q3, QUANTIZE + "size_ratio = 100 * ratio", "a percentage"),
    (lesson07.q3, QUANTIZE + "size_ratio = 1 - ratio", "the share saved"),
    (lesson07.q3, "size_ratio = 8 / 32", "8 bits out of 32"),
    (
        lesson07.q3,
        QUANTIZE + "quantize_dynamic(model.cpu(), {torch.nn.Linear}, dtype=torch.qint8)\n"
        "size_ratio = saved_size(model) / saved_size(cpu_model)",
        "was the model quantized before saving?",
    ),
    (
        lesson07.q3,
        QUANTIZE + "size_ratio = sum(p.numel() for p in quantized_model.parameters()) / "
        "sum(p.numel() for p in cpu_model.parameters())",
        "counting parameters misses the int8 weights",
    ),
    (lesson07.q3, "size_ratio = 'about two thirds'", "one number"),
]


@pytest.mark.parametrize(
    "exercise, code, message", WRONG_ANSWERS, ids=[f"{e.answer_name}-{i}" for i, (e, _, _) in enumerate(WRONG_ANSWERS)]
)
def test_a_typical_wrong_answer_gets_its_message(exercise, code, message, namespace):
    assert_wrong_with_message(exercise, code, message, namespace)


def test_every_exercise_has_at_least_one_wrong_answer_tested():
    tested = {id(exercise) for exercise, _, _ in WRONG_ANSWERS}
    assert not [e.answer_name for _, e in ALL if id(e) not in tested]


def test_the_pair_read_as_one_text_or_the_other_label(namespace):
    """The wrong label gets the message for sentences joined into one text when that is what they give."""
    model, tokenizer = namespace["model"], namespace["tokenizer"]
    names = model.config.id2label
    for sentence1, sentence2 in [lesson07.PAIR, ("The deal closed on Friday .", "The deal fell through on Monday .")]:
        namespace["sentence1"], namespace["sentence2"] = sentence1, sentence2
        pair = int(lesson07.logits_of(model, tokenizer, [sentence1], [sentence2])[0].argmax())
        joined = int(lesson07.logits_of(model, tokenizer, [f"{sentence1} {sentence2}"])[0].argmax())
        namespace["predicted_label"] = names[1 - pair]
        message = lesson07.q1.evaluate(namespace).message
        expected = "read as one text" if joined != pair else "the model predicts the other label"
        assert expected in message, message


def test_the_evaluation_loop_check_leaves_the_notebooks_metric_alone(namespace):
    metric = namespace["metric"]
    run(lesson06.q2.solution_code, namespace)
    assert lesson06.q2.evaluate(namespace).status == "correct"
    assert namespace["metric"] is metric
    del namespace["metric"]
    assert lesson06.q2.evaluate(namespace).status == "correct"
    assert "metric" not in namespace


def test_a_check_never_raises_on_a_model_left_in_training_mode(namespace):
    """The checks run the notebook's model in evaluation mode and give it back as they found it."""
    namespace["model"].train()
    try:
        run(lesson07.q2.solution_code, namespace)
        assert lesson07.q2.evaluate(namespace).status == "correct"
        assert namespace["model"].training
    finally:
        namespace["model"].eval()


def test_progress_of_lesson_7(namespace, capsys):
    run(lesson07.q3.solution_code, namespace)
    namespace["predicted_label"] = 1
    lesson07.progress(namespace)
    assert capsys.readouterr().out.splitlines() == [
        "1/3 correct",
        "  still open: Exercise 1 (predicted_label): not correct yet",
        "  still open: Exercise 2 (reloaded_logits): not answered yet",
    ]


# --- every message through _() -------------------------------------------------------------------------------

MODULES = [Path(lesson06.__file__), Path(lesson07.__file__)]


def call_with_one_literal(node: ast.AST, function: str) -> bool:
    """``function("...")`` with one plain string literal (no f-string, no concatenation)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == function
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def translated(node: ast.AST) -> bool:
    """``_("...")`` or ``_("...").format(...)`` with a plain string literal."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        node = node.func.value
    return call_with_one_literal(node, "_")


def marked_for_catalog(node: ast.AST) -> bool:
    """``N_("...")`` with a plain string literal: in the catalog, translated by ``_()`` only when shown."""
    return call_with_one_literal(node, "N_")


def own_returns(function: ast.AST):
    """The return statements of ``function`` itself, not of the functions defined inside it."""
    for node in ast.iter_child_nodes(function):
        if isinstance(node, ast.Return):
            yield node
        elif not isinstance(node, (ast.FunctionDef, ast.Lambda)):
            yield from own_returns(node)


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.stem)
def test_every_student_facing_message_is_a_translated_template(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # whole_number() raises with the template its callers pass: those calls are checked instead.
    helper = {id(node) for f in ast.walk(tree) if getattr(f, "name", "") == "whole_number" for node in ast.walk(f)}
    found, marked = [], []
    for node in ast.walk(tree):
        if id(node) in helper:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "WrongAnswer":
            found.append(("WrongAnswer", node.args[0], node.lineno))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "whole_number":
            found.append(("whole_number", node.args[1], node.lineno))
        if isinstance(node, ast.keyword) and node.arg in ("label", "hint_text"):
            marked.append((node.arg, node.value, node.value.lineno))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_":
            assert len(node.args) == 1 and isinstance(node.args[0], ast.Constant), (
                f"{path.name}, line {node.lineno}: _() takes one plain string literal (no f-string)"
            )
    for function in (node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)):
        if function.name.startswith("check_"):
            found += [("return", node.value, node.lineno) for node in own_returns(function)]
    assert len(found) >= 20
    untranslated = [f"{kind} at line {line}" for kind, node, line in found if not translated(node)]
    assert not untranslated, f"{path.name}: not a _() template: {untranslated}"
    # Labels and hints exist before the notebook chooses its language: marked with N_(), translated when shown.
    assert len(marked) == 2 * len(LESSONS[int(path.stem[-1])].exercises.exercises)
    unmarked = [f"{kind} at line {line}" for kind, node, line in marked if not marked_for_catalog(node)]
    assert not unmarked, f"{path.name}: not an N_() text (translated when shown): {unmarked}"


def test_the_template_check_catches_an_f_string():
    bad = ast.parse('raise WrongAnswer(f"{answer} is not it")').body[0].exc
    assert not translated(bad.args[0])
    assert translated(ast.parse('_("{answer} is not it").format(answer=answer)').body[0].value)


def test_the_template_check_catches_a_hint_translated_at_import():
    """A hint through _() where it is defined would keep the language of the import."""
    assert not marked_for_catalog(ast.parse('_("Count the batches.")').body[0].value)
    assert not marked_for_catalog(ast.parse('"Exercise 1"').body[0].value)
    assert marked_for_catalog(ast.parse('N_("Count the batches.")').body[0].value)
