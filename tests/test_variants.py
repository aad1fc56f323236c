"""Graded on inputs the student never saw: every exercise whose answer is computed from the notebook's
inputs is also judged on a variant of them, chosen per student. The course's solution is right on
every student's variant, an answer typed in (or hard-coded) is right on the notebook's inputs only
and gets its own message in both languages, neighbours get different variants, the message shows
nothing of the variant, ``q1.check()`` tries the cell on a variant in a notebook, the grader's
cells carry the variant's answer and judge it, and the class report counts the typed answers.

Lessons 4, 5, 7 and 8 train a model before their exercises; here their exercises read what they need
without that training (predictions of random logits, a made-up log history, the pretrained model
with a new head, random labels as predictions): the variants only need the shapes of those objects,
not a good model.
"""

from __future__ import annotations

import json
import re
import textwrap

import numpy as np
import pandas as pd
import pytest

from answers import (
    course_cells,
    exercises_of,
    gives,
    notebook_shell,
    run,
    run_cell,
    run_cells,
    shared_course,
    training_cell_index,
)
from course.catalog import LESSONS, ROOT
from course.grade import in_kernel, report
from course.grade import messages as M
from course.grade.lessons import course_lessons
from course.grade.plan import student_plan
from helpers.exercises import Exercise, ____, lesson01, lesson02, lesson07, round_trip
from helpers.exercises.carry import from_data, to_data
from helpers.exercises.variants import (
    NOT_TRIED,
    OTHER_WRONG,
    RAISED,
    TYPED,
    Variant,
    variant_seed,
)
from helpers.i18n import set_language

LESSON = {lesson.number: lesson for lesson in LESSONS}
STUDENTS = ("ada", "ben", "cleo")
# The exercises without a variant, and why (docs/exercises.md gives the same reasons).
WITHOUT_VARIANT = {
    (2, "every_50_steps"): "a configuration",
    (3, "new_head_weights"): "a fact of the checkpoint",
    (3, "quick_run"): "a training run",
    (5, "overfitting_choice"): "a choice",
}
ALL_EXERCISES = [(lesson, exercise) for lesson in LESSONS for exercise in exercises_of(lesson)]
VARIANT_EXERCISES = [(lesson, exercise) for lesson, exercise in ALL_EXERCISES if exercise.variant is not None]


def case(value) -> str:
    return value.exercise_module.rsplit(".", 1)[1] if hasattr(value, "exercise_module") else value.answer_name


def module_name(lesson, exercise) -> str:
    """``q1`` for a lesson's first exercise: the name the grader and the seed use."""
    return f"q{exercises_of(lesson).index(exercise) + 1}"


def seed_of(student: str, lesson, exercise) -> str:
    return variant_seed(f"{student}/{lesson.exercise_name}.ipynb", module_name(lesson, exercise))


def solution(exercise) -> str:
    return textwrap.dedent(exercise.solution_code).strip()


# --- the namespaces: the course's, or for lessons that train, what the exercises read ---------------------


def made_up_log_history() -> list[dict]:
    """A 3-epoch run's log history, evaluated after each epoch (best F1 at epoch 3)."""
    history = []
    for epoch, (loss, accuracy, f1) in enumerate([(0.55, 0.70, 0.80), (0.48, 0.74, 0.83), (0.46, 0.76, 0.85)], 1):
        history.append({"loss": 0.6 / epoch, "epoch": float(epoch), "step": 60 * epoch})
        history.append({"eval_loss": loss, "eval_accuracy": accuracy, "eval_f1": f1, "epoch": float(epoch)})
    return history


def untrained(lesson) -> dict:
    """Lesson 4's, 5's, 7's or 8's namespace without its training: the course's cells before the training
    cell, then what the exercises read from it, made without training (and lesson 8's cells after it,
    which read nothing from it)."""
    sources = course_cells(lesson)
    training = training_cell_index(sources)
    namespace = run_cells(sources[:training], lesson.exercise_name)
    if lesson.number == 4:
        from transformers.trainer_utils import PredictionOutput

        rng = np.random.default_rng(0)
        logits = rng.normal(size=(120, 2)).astype(np.float32)
        namespace["predictions"] = PredictionOutput(logits, rng.integers(0, 2, 120), {})
    elif lesson.number == 5:
        namespace["log_history"] = made_up_log_history()
    elif lesson.number == 8:
        rng = np.random.default_rng(0)  # a model right on about three quarters of the pairs
        for split in ("train", "validation"):
            labels = namespace[f"{split}_labels"]
            namespace[f"{split}_predictions"] = np.where(rng.random(len(labels)) < 0.75, labels, 1 - labels)
        for source in sources[training + 1 :]:  # the rank of exercise 1
            exec(source, namespace)
    else:
        from transformers import AutoModelForSequenceClassification, set_seed

        set_seed(42)  # a random head that splits the pairs between the two labels
        namespace["model"] = AutoModelForSequenceClassification.from_pretrained(
            namespace["profile"].checkpoint,
            num_labels=2,
            id2label=namespace["id2label"],
            label2id=namespace["label2id"],
        )
        namespace["sentence1"], namespace["sentence2"] = lesson07.PAIR
    return namespace


class Namespaces:
    """The course's namespace of each lesson (lessons 4, 5, 7 and 8: :func:`untrained`), and a student's."""

    def __init__(self, course):
        self.course = course
        self.made: dict[int, dict] = {}

    def clean(self, lesson) -> dict:
        if lesson.number not in (4, 5, 7, 8):
            return self.course.namespace(lesson)
        if lesson.number not in self.made:
            with self.course.offline():
                self.made[lesson.number] = untrained(lesson)
        return dict(self.made[lesson.number])

    def student(self, lesson, exercise, code: str | None = None) -> dict:
        """The clean namespace, the earlier exercises' solutions (not a training), then ``code``
        (by default the exercise's solution)."""
        namespace = self.clean(lesson)
        exercises = exercises_of(lesson)
        with self.course.offline():
            for earlier in exercises[: exercises.index(exercise)]:
                if earlier.answer_name != "quick_run":
                    run(earlier.solution_code, namespace)
            return run(solution(exercise) if code is None else code, namespace)


@pytest.fixture(scope="module")
def namespaces(tmp_path_factory):
    return Namespaces(shared_course(tmp_path_factory))


def typed(exercise, namespace: dict) -> str:
    """An answer cell that types in the right answer on the notebook's inputs: the solution, then the
    answer's value written out (a function answer: one that returns what the solution returned)."""
    name, value = exercise.answer_name, namespace[exercise.answer_name]
    if callable(value):
        result = from_data(exercise.carry(namespace)["value"])["result"]
        return f"def {name}(*args):\n    return { ({key: float(score) for key, score in result.items()})!r}"
    if hasattr(value, "detach"):
        literal = f"torch.tensor({value.tolist()!r})"
    elif isinstance(value, np.ndarray):
        literal = f"np.array({value.tolist()!r})"
    else:
        literal = repr(value)
    return f"{solution(exercise)}\n{name} = {literal}"


def carried_both(exercise, namespace: dict, code: str, seed: str) -> dict:
    """What the grader's carry cell carries: the answer, and what ``code`` gives on the variant."""
    carried = round_trip(exercise.carry(namespace))
    carried["variant"] = round_trip(exercise.carry_variant(code, seed, namespace))
    return carried


def judged(exercise, namespace: dict, code: str, seed: str, clean: dict):
    """The grader's verdict: the answer and its variant's, carried as JSON from the student's
    namespace, judged in the course's (clean) namespace."""
    return exercise.judge(carried_both(exercise, namespace, code, seed), clean, seed)


# --- which exercises have a variant ---------------------------------------------------------------------


def test_every_exercise_has_a_variant_but_a_configuration_a_choice_a_fact_or_a_training():
    without = {(lesson.number, exercise.answer_name) for lesson, exercise in ALL_EXERCISES if not exercise.variant}
    assert without == set(WITHOUT_VARIANT)


@pytest.mark.parametrize("path", ["docs/exercises.md", "docs/zh-TW/exercises.md"])
def test_the_docs_list_the_exercises_graded_on_variants(path):
    """docs/exercises.md's table (and its zh-TW twin's) has one row per exercise: graded on a variant or not."""
    rows = re.findall(r"^\| (\d) \| `(\w+)` \| (yes|no|是|否) \|", (ROOT / path).read_text(encoding="utf-8"), re.M)
    listed = {(int(number), name): answer in ("yes", "是") for number, name, answer in rows}
    assert listed == {(lesson.number, e.answer_name): e.variant is not None for lesson, e in ALL_EXERCISES}


# --- every exercise with a variant, on the course's data ------------------------------------------------------


@pytest.mark.parametrize("lesson, exercise", VARIANT_EXERCISES, ids=case)
def test_the_solution_is_right_on_every_students_variant(lesson, exercise, namespaces):
    namespace, clean = namespaces.student(lesson, exercise), namespaces.clean(lesson)
    with namespaces.course.offline():
        for student in STUDENTS:
            feedback = judged(exercise, namespace, solution(exercise), seed_of(student, lesson, exercise), clean)
            assert feedback.status == "correct", f"{student}: {feedback.message}"


@pytest.mark.parametrize("lesson, exercise", VARIANT_EXERCISES, ids=case)
def test_a_typed_answer_is_right_on_the_notebooks_inputs_only(lesson, exercise, namespaces):
    """The issue's student who types the numbers: correct without the variant, wrong with it, with
    the typed-answer message in English and in Chinese."""
    code = typed(exercise, namespaces.student(lesson, exercise))
    namespace, clean = namespaces.student(lesson, exercise, code), namespaces.clean(lesson)
    assert exercise.judge(round_trip(exercise.carry(namespace)), clean).status == "correct"
    seed = seed_of("ada", lesson, exercise)
    with namespaces.course.offline():
        carried = carried_both(exercise, namespace, code, seed)
        feedback = exercise.judge(carried, clean, seed)
    assert (feedback.status, feedback.notebook_only) == ("wrong", True), feedback.message
    assert feedback.message.startswith("Not quite: right for ") and gives(feedback.message, TYPED), feedback.message
    set_language("zh-TW")
    try:
        chinese = exercise.judge(carried, clean, seed)
        assert chinese.message.startswith("還不對。") and gives(chinese.message, TYPED), chinese.message
    finally:
        set_language("en")


def fingerprint(value) -> str:
    """What makes a variant's value itself: a Dataset's fingerprint (select changes it), a model's
    configuration, a dataclass's fields, or the value as data."""
    if isinstance(value, dict) and all(hasattr(split, "_fingerprint") for split in value.values()):
        return json.dumps({name: split._fingerprint for name, split in value.items()})
    if hasattr(value, "config"):
        return value.config.to_json_string()
    if hasattr(value, "__dataclass_fields__"):
        return repr(value)
    return json.dumps(to_data(value))


@pytest.mark.parametrize("lesson, exercise", VARIANT_EXERCISES, ids=case)
def test_neighbours_get_different_variants_and_a_student_always_the_same(lesson, exercise, namespaces):
    clean = namespaces.clean(lesson)

    def variant_of(student: str) -> dict:
        values = exercise.variant.inputs(seed_of(student, lesson, exercise), clean)
        return {name: fingerprint(value) for name, value in values.items()}

    assert variant_of("ada") == variant_of("ada")
    assert variant_of("ada") != variant_of("ben")
    assert {name: fingerprint(clean.get(name)) for name in exercise.variant.names} != variant_of("ada")


def test_the_message_shows_nothing_of_the_variant(namespaces):
    """The typed-answer message names the inputs to compute from, never the other pair or its answer."""
    lesson, exercise = LESSON[1], lesson01.q1
    code = typed(exercise, namespaces.student(lesson, exercise))
    namespace, clean = namespaces.student(lesson, exercise, code), namespaces.clean(lesson)
    seed = seed_of("ada", lesson, exercise)
    message = judged(exercise, namespace, code, seed, clean).message
    other = exercise.variant.inputs(seed, clean)
    assert other["sentence1"] not in message and other["sentence2"] not in message
    assert str(lesson01.segment_b_start_of({**clean, **other})) not in message
    assert message == (
        "Not quite: right for the notebook's pair, but your cell gives the same answer for another pair: "
        "compute it from `sentence1`, `sentence2`, do not type it."
    )


# --- q1.check() in a notebook --------------------------------------------------------------------------------


@pytest.fixture
def notebook(namespaces, monkeypatch):
    """An IPython shell with notebook 1's names, whose cells are followed as in a notebook's kernel."""
    from helpers.exercises.cells import answer_cells

    answer_cells.clear()
    with notebook_shell(namespaces.clean(LESSON[1]), monkeypatch) as shell:
        yield shell
    answer_cells.clear()


def test_check_tries_the_answer_cell_on_another_pair(notebook, capsys):
    run_cell(notebook, "segment_b_start = 13", capsys)
    out = run_cell(notebook, "q1.check()", capsys)
    assert out.startswith("Exercise 1: Not quite: right for the notebook's pair, but your cell gives the same answer")
    run_cell(notebook, solution(lesson01.q1), capsys)
    assert run_cell(notebook, "q1.check()", capsys).startswith("Exercise 1: Correct! Sentence 2 starts at position 13")
    # The variant ran in a copy: the notebook's pair and answer are as they were, and nothing was printed.
    assert notebook.user_ns["sentence1"] == lesson01.PAIR[0] and notebook.user_ns["segment_b_start"] == 13
    run_cell(notebook, "print('the pair is', sentence1)\n" + solution(lesson01.q1), capsys)
    assert run_cell(notebook, "q1.check()", capsys).count("the pair is") == 0


def test_check_in_chinese_says_it_too(notebook, capsys):
    set_language("zh-TW")
    try:
        run_cell(notebook, "segment_b_start = 13", capsys)
        out = run_cell(notebook, "q1.check()", capsys)
    finally:
        set_language("en")
    assert out.startswith("練習 1：還不對。對筆記本裡的句子對是對的，但換成另一個句子對，你的儲存格給出一樣的答案"), out


# --- the rules, on an exercise of a few lines --------------------------------------------------------------


def twice(answer, namespace) -> str:
    if answer != 2 * namespace["x"]:
        from helpers.exercises import WrongAnswer

        raise WrongAnswer(f"{answer} is not twice x")
    return "twice x"


def other_x(rng, namespace) -> dict:
    return {"x": rng.randint(1, 50)}


def doubling(**variant) -> Exercise:
    """An exercise: ``double = 2 * x``, with a variant of ``x``."""
    fields = dict(names=("x",), here="the notebook's x", other="another x", uses=("x",), pick=other_x)
    return Exercise("Exercise 1", "double", twice, "", "double = 2 * x", variant=Variant(**{**fields, **variant}))


@pytest.mark.parametrize(
    "code, status, template",
    [
        ("double = 2 * x", "correct", None),
        ("double = 14", "wrong", TYPED),
        ("double = 14 if x == 7 else 0", "wrong", OTHER_WRONG),
        ("double = 14 if x == 7 else 1 / 0", "wrong", RAISED),
        ("if x == 7:\n    double = 14", "wrong", OTHER_WRONG),  # not set on the variant: not answered there
    ],
)
def test_an_answer_is_correct_only_if_right_on_both(code, status, template):
    exercise = doubling(expected=lambda namespace: 2 * namespace["x"])
    namespace = {"x": 7}
    exec(code, namespace)
    feedback = exercise.evaluate(namespace, code=code)
    assert feedback.status == status, feedback.message
    assert exercise.evaluate(namespace).status == "correct", "without the cell's code, the notebook's inputs only"
    if template:
        assert gives(feedback.message, template) and feedback.notebook_only, feedback.message
    if template == RAISED:
        assert feedback.message.endswith("raised ZeroDivisionError: compute the answer from `x`, for any input.")
    assert namespace["x"] == 7 and namespace["double"] == 14, "the variant ran in a copy"


def test_a_variant_is_drawn_again_while_its_answer_is_the_notebooks():
    """x = -7 gives the notebook's answer through another formula (abs): never chosen for x = 7."""
    exercise = doubling(pick=lambda rng, namespace: {"x": rng.choice((7, -7, 7, 9))}, expected=lambda ns: 2 * ns["x"])
    seeds = [f"student{number}" for number in range(20)]
    assert {exercise.variant.inputs(seed, {"x": 7})["x"] for seed in seeds} <= {-7, 9}


def test_without_another_answer_the_variant_never_refuses_a_right_one():
    """A variant whose every draw has the notebook's answer is used all the same: a right cell stays right."""
    exercise = doubling(pick=lambda rng, namespace: {"x": 7}, expected=lambda namespace: 14)
    namespace = {"x": 7, "double": 14}
    assert exercise.variant.inputs("ada", namespace) == {"x": 7}
    assert exercise.evaluate(namespace, code="double = 2 * x").status == "correct"


def test_an_answer_whose_variant_did_not_come_back_is_not_correct():
    """The grader's judge draws the variant itself and needs the variant's answer: carried data without
    one (a student's kernel that dropped it, or whose notebook lost a name the variant needs) is wrong."""
    exercise = doubling(expected=lambda namespace: 2 * namespace["x"])
    carried = round_trip(exercise.carry({"x": 7, "double": 14}))
    feedback = exercise.judge(carried, {"x": 7}, seed="ada")
    assert feedback.status == "wrong" and gives(feedback.message, NOT_TRIED), feedback.message
    assert "no answer came back" in feedback.message
    lost = exercise.carry_variant("double = 2 * x", "ada", {"double": 14})  # no x in that namespace
    assert lost["state"] == "not_set"
    carried["variant"] = lost
    assert exercise.judge(carried, {"x": 7}, seed="ada").message.endswith(
        "could not be tried on another x (KeyError): keep `x` as the notebook's cells define them, and run the "
        "notebook from the top."
    )


def test_a_check_that_cannot_draw_a_variant_says_so_and_does_not_raise():
    def broken(rng, namespace):
        raise ValueError("the data is gone")

    exercise = doubling(pick=broken)
    feedback = exercise.evaluate({"x": 7, "double": 14}, code="double = 2 * x")
    assert feedback.status == "wrong" and "could not be tried on another x (ValueError)" in feedback.message


def test_an_answer_cell_that_checks_itself_runs_once_on_the_variant():
    """q1.check() in the answer cell itself: run again on the variant, that check tries no variant of its
    own (which would run the cell again, and again)."""
    exercise = doubling(expected=lambda namespace: 2 * namespace["x"])
    code = "double = 2 * x\nverdicts.append(exercise.evaluate(globals(), code=code).status)"
    namespace = {"x": 7, "double": 14, "exercise": exercise, "code": code, "verdicts": []}
    assert exercise.evaluate(namespace, code=code).status == "correct"
    assert namespace["verdicts"] == ["correct"]  # the cell ran once, on the variant, and its check tried none


def test_a_costly_variant_is_left_to_the_grader():
    exercise = doubling(cheap=False)
    assert exercise.evaluate({"x": 7, "double": 14}, code="double = 14").status == "correct"
    assert lesson07.q2.variant.cheap is False


def test_a_pick_must_give_the_names_it_declares():
    exercise = doubling(pick=lambda rng, namespace: {"y": 1})
    with pytest.raises(RuntimeError, match=r"the variant gave \['y'\], not \['x'\]"):
        exercise.variant.inputs("ada", {"x": 7})


# --- the grader's cells: the student's kernel carries, the course kernel judges ----------------------------


def lesson2_namespace() -> dict:
    """What lesson 2's course cells define (its run's numbers), without a notebook."""
    sources = course_cells(LESSON[2])
    return run_cells([source for source in sources if "show_banner" not in source], "lesson 2")


@pytest.mark.parametrize(
    "code, status, notebook_only",
    [(solution(lesson02.q2), "correct", False), ("total_steps = 345", "wrong", True)],
)
def test_the_graders_cells_carry_the_variants_answer_and_judge_it(code, status, notebook_only, capsys):
    student, course = lesson2_namespace(), lesson2_namespace()
    exec(code, student)
    seed = variant_seed("ada/02.ipynb", "q2")
    in_kernel.print_carried("helpers.exercises.lesson02", "q2", student, seed=seed, code=code)
    carried = capsys.readouterr().out.strip().removeprefix(in_kernel.CARRY_MARKER)
    assert json.loads(carried)["variant"]["state"] == "answer"
    in_kernel.print_verdict("helpers.exercises.lesson02", "q2", carried, "en", course, seed=seed)
    verdict = json.loads(capsys.readouterr().out.strip().removeprefix(in_kernel.VERDICT_MARKER))
    assert (verdict["status"], verdict["notebook_only"]) == (status, notebook_only), verdict["message"]
    # The judge draws the variant from the seed the grader gives it, not from what the kernel carried:
    # judged on another student's variant, the answer carried for this one is wrong, computed or not.
    in_kernel.print_verdict("helpers.exercises.lesson02", "q2", carried, "en", course, seed="ben/02.ipynb|q2")
    other = json.loads(capsys.readouterr().out.strip().removeprefix(in_kernel.VERDICT_MARKER))
    assert (other["status"], other["notebook_only"]) == ("wrong", True)


def test_each_students_plan_carries_their_own_variant():
    lesson = course_lessons()["helpers.exercises.lesson02"]
    answers = {"q2": "total_steps = 345"}

    def carries(notebook: str) -> list[str]:
        return [
            cell.source
            for cell in student_plan(lesson, answers, set(), set(), None, "", notebook)
            if cell.kind == "carry"
        ]

    ada, ben = carries("ada/02.ipynb"), carries("ben/02.ipynb")
    assert "seed='ada/02.ipynb|q2', code='total_steps = 345'" in ada[1]
    assert "seed='ben/02.ipynb|q2'" in ben[1] and ada[1] != ben[1]
    assert "code='every_50_steps = ____  # a dict, e.g. dict(name=value, ...)'" in ada[0]


# --- the class report counts the answers right only on the notebook's inputs -------------------------------


def test_the_report_counts_the_answers_right_on_the_notebooks_inputs_only():
    from course.grade.results import GRADE_COLUMNS

    rows = [
        ("ada", "correct", "Correct! Sentence 2 starts at position 13.", ""),
        ("ben", "wrong", "Not quite: right for the notebook's pair, but ...", "yes"),
        ("cleo", "wrong", "Not quite: that position holds the [SEP] ...", ""),
    ]
    grades = pd.DataFrame(
        [
            dict(zip(GRADE_COLUMNS, [student, "01_tokenization", "q1", status, 0, 1, "en", message, only], strict=True))
            for student, status, message, only in rows
        ]
    )
    lessons = course_lessons()
    table = report.exercise_table(grades, lessons)
    assert table.loc[0, ["correct", "wrong", "notebook_only"]].tolist() == [1, 2, 1]
    page = report.report_html(grades, [], {}, lessons, [], 1.0, "none", None, None)
    assert "<th>notebook's inputs only</th>" in page
    assert '<td class="num">2</td><td class="num">1</td>' in page  # wrong, then notebook's inputs only


def test_a_verdict_right_only_on_the_notebooks_inputs_is_marked_in_grades_csv():
    """The course kernel's verdict keeps the mark (messages.NotebookOnly) up to grades.csv's column."""
    from course.grade.points import COURSE_POINTS, read_points
    from course.grade.results import NotebookResult, grade_rows
    from course.grade.submissions import ClassFolder, Job

    lessons = course_lessons()
    job = Job("ben", "ben/01.ipynb", "ben/01.ipynb", lessons["helpers.exercises.lesson01"], {}, "en")
    verdicts = {
        "q1": ("wrong", M.NotebookOnly("Not quite: right for the notebook's pair, but ...")),
        "q2": ("correct", "Correct! 79 [PAD] tokens."),
        "q3": ("wrong", "Not quite: 1 is not it."),
    }
    folder = ClassFolder(["ben"], [job], {}, [])
    rows = grade_rows(folder, [NotebookResult(job, verdicts)], lessons, read_points(COURSE_POINTS, lessons))
    assert [(row["status"], row["notebook_inputs_only"]) for row in rows] == [
        ("wrong", "yes"),
        ("correct", ""),
        ("wrong", ""),
    ]
    assert rows[0]["message"] == "Not quite: right for the notebook's pair, but ..."


def test_blank_answers_are_not_tried():
    """Nothing to try on a variant while the placeholder is there."""
    exercise = doubling()
    assert exercise.evaluate({"x": 7, "double": ____}, code="double = ____").status == "unanswered"
