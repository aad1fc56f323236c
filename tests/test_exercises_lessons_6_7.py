"""The checks of lessons 6 and 7 beyond what every exercise is tested for (tests/test_exercises.py):
the bundled data's expected answers, the label of a pair read as one text, the notebook's metric
and model left as they were; and, for every lesson, every message a student reads goes through
``_()`` as a template, or is a constant marked with ``N_()`` that ``wrong()`` translates (labels
and hints are marked with ``N_()`` and translated when shown)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from answers import lesson_module, shared_course
from course.catalog import LESSONS
from helpers.exercises import lesson06, lesson07

LESSON = {lesson.number: lesson for lesson in LESSONS}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return shared_course(tmp_path_factory)


def test_the_expected_answers_on_the_bundled_data():
    """480 training pairs in batches of 16: 30 batches, 8 optimizer steps per epoch (the last on 2
    leftover batches). 120 validation pairs in batches of 8 on 2 processes: 15 batches, so the second
    process's 8th batch is all copies."""
    assert lesson06.loop_counts(480) == (30, 8)
    assert lesson06.gathered_counts(120) == (128, 8)
    assert lesson06.gathered_counts(408) == (416, 26)  # GLUE MRPC's validation split


def test_the_pair_read_as_one_text_or_the_other_label(course):
    """The wrong label gets the message for sentences joined into one text when that is what they give."""
    namespace = course.student(LESSON[7], lesson07.q1)
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


def test_the_evaluation_loop_check_leaves_the_notebooks_metric_alone(course):
    namespace = course.student(LESSON[6], lesson06.q2)
    metric = namespace["metric"]
    assert lesson06.q2.evaluate(namespace).status == "correct"
    assert namespace["metric"] is metric
    del namespace["metric"]
    assert lesson06.q2.evaluate(namespace).status == "correct"
    assert "metric" not in namespace


def test_a_check_never_raises_on_a_model_left_in_training_mode(course):
    """The checks run the notebook's model in evaluation mode and give it back as they found it."""
    namespace = course.student(LESSON[7], lesson07.q2)
    model = namespace["model"]
    was_training = model.training
    model.train()
    try:
        assert lesson07.q2.evaluate(namespace).status == "correct"
        assert model.training
    finally:
        model.train(was_training)


def test_progress_of_lesson_7(course, capsys):
    namespace = course.namespace(LESSON[7])
    namespace["size_ratio"] = course.student(LESSON[7], lesson07.q3)["size_ratio"]
    namespace["predicted_label"] = 1
    lesson07.progress(namespace)
    assert capsys.readouterr().out.splitlines() == [
        "1/3 correct",
        "  still open: Exercise 1 (predicted_label): not correct yet",
        "  still open: Exercise 2 (reloaded_logits): not answered yet",
    ]


# --- every message through _() -------------------------------------------------------------------------------

MODULES = [Path(lesson_module(lesson).__file__) for lesson in LESSONS]
SHARED = Path(lesson06.__file__).with_name("answers.py")  # helpers/exercises/answers.py


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


def marked_constants(tree: ast.AST) -> set[str]:
    """The module-level names bound to an ``N_("...")`` text: the messages ``wrong()`` raises."""
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign) and marked_for_catalog(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def own_returns(function: ast.AST):
    """The return statements of ``function`` itself, not of the functions defined inside it."""
    for node in ast.iter_child_nodes(function):
        if isinstance(node, ast.Return):
            yield node
        elif not isinstance(node, (ast.FunctionDef, ast.Lambda)):
            yield from own_returns(node)


def calls_of(tree: ast.AST, name: str):
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", "") == name]


@pytest.mark.parametrize("path", [*MODULES, SHARED], ids=lambda path: path.stem)
def test_every_student_facing_message_is_a_translated_template(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = marked_constants(tree) | marked_constants(ast.parse(SHARED.read_text(encoding="utf-8")))
    found = [("WrongAnswer", node.args[0], node.lineno) for node in calls_of(tree, "WrongAnswer")]
    # whole_number() and number() name the answer in their message: a translated text too.
    found += [(name, node.args[1], node.lineno) for name in ("whole_number", "number") for node in calls_of(tree, name)]
    for function in (node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)):
        if function.name.startswith("check_"):
            found += [("return", node.value, node.lineno) for node in own_returns(function)]
    untranslated = [f"{kind} at line {line}" for kind, node, line in found if not translated(node)]
    assert not untranslated, f"{path.name}: not a _() template: {untranslated}"
    raised = calls_of(tree, "wrong")
    unmarked = [
        node.lineno for node in raised if not (isinstance(node.args[0], ast.Name) and node.args[0].id in constants)
    ]
    assert not unmarked, f"{path.name}: wrong() takes a constant marked with N_(), at lines {unmarked}"
    assert len(found) + len(raised) >= 5
    for node in calls_of(tree, "_"):  # a literal, or a name holding an N_() text (no f-string, no "..." + x)
        assert len(node.args) == 1 and isinstance(node.args[0], (ast.Constant, ast.Name, ast.Subscript)), (
            f"{path.name}, line {node.lineno}: _() takes one plain string literal (no f-string)"
        )


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.exercise_module)
def test_labels_and_hints_are_marked_for_the_catalog(lesson):
    """Labels and hints exist before the notebook chooses its language: marked with N_(), translated when shown."""
    path = Path(lesson_module(lesson).__file__)
    marked = [
        (node.arg, node.value, node.value.lineno)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.keyword) and node.arg in ("label", "hint_text")
    ]
    assert len(marked) == 2 * len(lesson_module(lesson).exercises.exercises)
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


@pytest.mark.parametrize(
    "code",
    [
        'predicted_label = classifier(sentence1 + " " + sentence2)["label"]',
        'predicted_label = classifier(f"{sentence1} {sentence2}")["label"]',
        'text = " ".join([sentence1, sentence2])\npredicted_label = classifier(text)["label"]',
        'predicted_label = classifier("{} {}".format(sentence1, sentence2))[0]["label"]',
    ],
)
def test_the_pair_joined_into_one_text_is_named_even_with_the_pairs_label(course, code):
    """Exercise 1 judges how the pair was given, in the answer cell: joined into one text, the label
    may still be the pair's, as it is for this pair on both profiles; the check says so all the same."""
    from helpers.exercises.cells import answer_cells, record_cell

    namespace = course.student(LESSON[7], lesson07.q1)
    assert lesson07.q1.evaluate(namespace).status == "correct"
    record_cell(code, None)
    try:
        message = lesson07.q1.evaluate(namespace).message
        assert "read as one text" in message, message
        record_cell('predicted_label = classifier({"text": sentence1, "text_pair": sentence2})["label"]', None)
        assert lesson07.q1.evaluate(namespace).status == "correct"
        record_cell('predicted_label = classifier(sentence1, text_pair=sentence2)["label"]', None)
        assert lesson07.q1.evaluate(namespace).status == "correct"
    finally:
        answer_cells.pop("predicted_label", None)
