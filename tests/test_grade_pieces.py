"""The class grader's stages, one at a time: finding a notebook's lesson and answers, what can change
a training, the training cache restoring exactly what training gave, the points file, the sandbox's
choice, and (one kernel, without the sandbox) what the sandbox is for. The LMS rosters and import
files: test_lms_formats.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from course.grade import synthetic as sc
from course.grade.lessons import Lesson, course_lessons
from course.grade.plan import affects_training, changes_training, course_plan, names_up_to, student_plan, template_cells
from course.grade.points import COURSE_POINTS, PointsError, read_points
from course.grade.sandbox import SandboxError, choose
from course.grade.submissions import find_lesson, notebook_language, student_answers

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sc.exercise_stems()


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


def test_a_notebooks_language_is_its_editions():
    assert notebook_language(sc.student_notebook(sc.template_path(LESSONS[0], "zh-TW"))) == "zh-TW"
    assert notebook_language(sc.student_notebook(sc.template_path(LESSONS[0]))) == "en"
    zh = sc.student_notebook(sc.template_path(LESSONS[0], "zh-TW"))
    zh.cells = [cell for cell in zh.cells if "set_language" not in cell.source]  # the line deleted: the prose tells
    assert notebook_language(zh) == "zh-TW"


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


def training_cell(plan):
    return next(cell for cell in plan if cell.training)


def test_a_student_restores_the_course_kernels_training_unless_an_answer_may_change_it(tmp_path):
    """Only the course kernel writes the cache; a student's kernel reads the same entry, or trains alone."""
    course = training_cell(course_plan(lesson(5), str(tmp_path), "identity")).source
    assert "writable=True" in course and "trainer.train()" not in course
    neutral = student_plan(
        lesson(5), {"q1": "def compute_metrics_prf(p):\n    return 2"}, set(), set(), str(tmp_path), "identity"
    )
    restored = training_cell(neutral).source
    assert "writable=False" in restored
    assert (
        restored.split("train_or_restore(trainer, ")[1].split(",")[0]
        == course.split("train_or_restore(trainer, ")[1].split(",")[0]
    )
    changing = student_plan(lesson(5), {"q1": "metric = None"}, set(), set(), str(tmp_path), "identity")
    assert (
        "_course_training.train_alone(trainer)" in training_cell(changing).source
        and "train_or_restore" not in training_cell(changing).source
    )
    plan = template_cells(lesson(5))
    assert not changes_training(plan, next(i for i, cell in enumerate(plan) if cell.training))
    assert [cell.kind for cell in neutral[-3:]] == ["carry"] * 3


@pytest.mark.slow
def test_a_restored_training_gives_the_same_predictions_state_and_checks(
    offline_profile, tokenizer, tokenized, tmp_path, capsys
):
    """Train once through the cache, restore it into a fresh Trainer (as a student's kernel does, read-only):
    the same predictions bit for bit, the same log_history, and the same verdicts of lesson 4's and 5's checks.
    The entry holds no pickle. A student who trains alone gets the same, and the log says so."""
    from course import training_cache as grading
    from helpers import load_mrpc_metric
    from helpers.exercises import lesson04, lesson05
    from training import make_trainer

    cache = str(tmp_path / "cache" / "key")
    settings = dict(train_pairs=32, max_steps=4, eval_strategy="steps", eval_steps=2, logging_steps=2)

    def run(cached: bool, writable: bool = True) -> dict:
        trainer = make_trainer(offline_profile, tokenizer, tokenized, tmp_path / "run", **settings)
        output = grading.train_or_restore(trainer, cache, writable=writable) if cached else grading.train_alone(trainer)
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

    trained, restored = run(cached=True), run(cached=True, writable=False)
    assert (Path(cache) / "done.json").is_file()
    assert not list(Path(cache).glob("*.pkl")), "no pickle in the cache: loading an entry runs no code"
    assert np.array_equal(
        trained["namespace"]["predictions"].predictions, restored["namespace"]["predictions"].predictions
    )
    assert trained["namespace"]["log_history"] == restored["namespace"]["log_history"]
    assert trained["output"] == restored["output"] and trained["training"] == restored["training"]
    assert trained["verdicts"] == restored["verdicts"]
    assert [v.status for v in restored["verdicts"][:5]] == ["correct"] * 5
    capsys.readouterr()
    plain = run(cached=False)  # and training alone (a plain train()) gives what the cache holds
    assert f"{grading.TRAINING_MARKER} alone" in capsys.readouterr().out.splitlines()
    assert np.array_equal(
        plain["namespace"]["predictions"].predictions, restored["namespace"]["predictions"].predictions
    )
    assert plain["verdicts"] == restored["verdicts"]


# --- points ----------------------------------------------------------------------------------------


def test_the_course_points_file_gives_every_exercise_its_points():
    points = read_points(COURSE_POINTS, course_lessons())
    assert len(points) == 3 * len(LESSONS)
    assert points[("01_tokenization", "q1")] == 1 and points[("07_use_and_share", "q3")] == 2


@pytest.mark.parametrize(
    "text, message",
    [
        ("[points.01_tokenization]\nq1 = 'many'", "q1 = 'many' is not a number of points. Fix: give a number"),
        ("[points.01_tokenization]\nq9 = 1", "q9 is not an exercise of that lesson. Fix: use one of: q1, q2, q3"),
        ("[points.99_nothing]\nq1 = 1", "[points.99_nothing] is not a lesson of the course. Fix: use one of:"),
        ("[points.01_tokenization]\nq1 = -1", "q1 = -1 is not a number of points"),
        ("[points.01_tokenization\nq1 = 1", "is not valid TOML"),
        ("[grades]\nq1 = 1", "unknown table 'grades'"),
    ],
)
def test_a_bad_points_file_is_one_line_naming_the_fix(tmp_path, text, message):
    path = tmp_path / "points.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PointsError, match="Fix:") as caught:
        read_points(path, course_lessons())
    assert message in str(caught.value)


def test_an_unlisted_exercise_is_worth_one_point(tmp_path):
    path = tmp_path / "points.toml"
    path.write_text("[points.01_tokenization]\nq3 = 5\n", encoding="utf-8")
    points = read_points(path, course_lessons())
    assert points[("01_tokenization", "q3")] == 5 and points[("01_tokenization", "q1")] == 1
    assert points[("02_training_arguments", "q3")] == 1


# --- the sandbox -------------------------------------------------------------------------------------


def test_without_bubblewrap_auto_says_so_and_on_refuses(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert "bubblewrap is not installed" in choose("auto").why and not choose("auto").on
    with pytest.raises(SandboxError, match=r"--sandbox on, but bubblewrap is not installed.*Fix: install bubblewrap"):
        choose("on")
    assert not choose("off").on


@pytest.mark.slow
def test_a_grade_run_says_its_sandbox_first_and_on_without_bwrap_stops(tmp_path):
    (tmp_path / "class").mkdir()
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # no bwrap on this PATH
    command = [sys.executable, "-m", "course", "grade", str(tmp_path / "class"), "--out", str(tmp_path / "out")]
    done = subprocess.run([*command, "--sandbox", "on"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--sandbox on, but bubblewrap is not installed" in done.stderr and "Fix: install bubblewrap" in done.stderr
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0].startswith("sandbox: none: bubblewrap is not installed")


@pytest.mark.parametrize("number", [4, 5, 7, 8])
def test_the_notebook_its_twin_and_the_graders_course_kernel_share_one_training(number, tmp_path):
    """The training cache's key of a lesson's exercise training is the same whether the grader's course
    kernel, the English notebook, its zh-TW twin or the exercise tests' namespace (tests/answers.py,
    which runs the notebook's own cells in the test process) runs it (make test shares the entry)."""
    from answers import course_cells, training_cell_index
    from course.catalog import EDITIONS
    from course.catalog import LESSONS as CATALOG
    from course.training_cache import entry, key
    from course.training_cache import normalized as plain

    grader = training_cell(course_plan(lesson(number), str(tmp_path), "identity")).source
    folder = grader.split("train_or_restore(trainer, ")[1].split(",")[0].strip("'")
    for edition in EDITIONS:
        cells = [
            c.source
            for c in sc.student_notebook(
                lesson(number).template.parent.parent / edition.notebook_path(f"{LESSONS[number - 1]}_exercises")
            ).cells
            if c.cell_type == "code"
        ]
        upto = training_cell_index(cells)
        assert str(entry(tmp_path, key(cells[: upto + 1], "identity"))) == folder, edition.code
    ours = course_cells(next(item for item in CATALOG if item.number == number))
    upto = training_cell_index(ours)
    assert str(entry(tmp_path, key(ours[: upto + 1], "identity"))) == folder, "the exercise tests' namespace"
    assert plain("from helpers.i18n import set_language\n\nset_language('zh-TW')\nx = 1") == plain("x = 1")


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["off", "auto"])
def test_a_kernel_is_gone_once_its_run_ends_even_one_stuck_in_a_loop(mode, tmp_path):
    """A kernel that outlived its student would keep a CPU busy for the rest of the class."""
    from course.grade.kernel import CellStuck, Kernel, Settings

    sandbox = choose(mode)
    if mode == "auto" and not sandbox.on:
        pytest.skip(sandbox.why)
    settings = Settings(10, 60, None, "", 1, str(tmp_path / "executed"), sandbox)
    with Kernel(tmp_path / "kernel", settings) as kernel:
        pid = int(kernel.run("import os\nprint(os.getpid(), flush=True)", 30).outputs[0]["text"])
        with pytest.raises(CellStuck):  # a loop that even Ctrl-C does not stop
            kernel.run("while True:\n    try:\n        pass\n    except KeyboardInterrupt:\n        pass", 2)
    # bwrap keeps this machine's process ids (no --unshare-pid): the pid is the kernel's here too.
    for _ in range(50):
        if not process_exists(pid):
            break
        time.sleep(0.1)
    assert not process_exists(pid), f"the kernel (pid {pid}) still runs after its Kernel was closed"


@pytest.mark.slow
@pytest.mark.parametrize("place", ["elsewhere", "inside the course's folder"])
def test_a_hidden_folder_that_does_not_exist_yet_is_made_and_stays_out_of_sight(place, tmp_path):
    """The output folder often does not exist when grading starts: the grader writes it while
    students' kernels run, so it must be hidden from the start, not left to appear inside them.
    An instructor may also keep the class and the grades inside the course's own folder."""
    from course.grade.kernel import Kernel, Settings

    if place == "elsewhere":
        base = tmp_path
    else:  # build/ does not exist yet in a fresh clone
        (ROOT / "build").mkdir(exist_ok=True)
        base = Path(tempfile.mkdtemp(prefix="hidden-test-", dir=ROOT / "build"))
    hidden = base / "grades"
    try:
        sandbox = choose("auto", hidden=[hidden])
        if not sandbox.on:
            pytest.skip(sandbox.why)
        settings = Settings(10, 60, None, "", 1, str(tmp_path / "executed"), sandbox)
        with Kernel(tmp_path / "kernel", settings) as kernel:
            (hidden / "grades.csv").write_text("someone's grades", encoding="utf-8")
            cell = kernel.run(f"import os\nprint(os.listdir({str(hidden)!r}))", 30)
        assert cell.outputs and cell.outputs[0].get("text", "").strip() == "[]", cell.outputs
    finally:
        if base != tmp_path:
            shutil.rmtree(base, ignore_errors=True)
