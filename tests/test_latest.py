"""make test-latest (course/latest.py, .github/workflows/latest.yml) without installing anything: the names it
upgrades come from requirements.txt, the deprecation check finds a new warning in a notebook's output (and
only a new one), and the make target and the workflow say what docs/development.md says they do."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess

import nbformat
import pytest

from course import latest
from course.catalog import LESSONS, ROOT
from course.latest import NewWarning, deprecations, new_warnings, pins, requirement_names

yaml = pytest.importorskip("yaml")

TRAINER_WARNING = (
    "/opt/venv/lib/python3.11/site-packages/transformers/trainer.py:812: FutureWarning: "
    "`evaluation_strategy` is deprecated and will be removed in version 6.0. Use `eval_strategy` instead.\n"
    "  warnings.warn(\n"
)


def notebook(*outputs_per_cell: list[dict]) -> dict:
    """A notebook: a markdown cell, then one code cell per list of outputs."""
    cells = [nbformat.v4.new_markdown_cell("A step, and why.")]
    for number, outputs in enumerate(outputs_per_cell, start=1):
        cell = nbformat.v4.new_code_cell(f"step_{number}()\nmore()")
        cell.outputs = [nbformat.from_dict(output) for output in outputs]
        cells.append(cell)
    return nbformat.v4.new_notebook(cells=cells)


def stream(text: str, name: str = "stderr") -> dict:
    return {"output_type": "stream", "name": name, "text": text}


# --- requirements.txt ------------------------------------------------------------------------------


def test_the_names_to_upgrade_are_requirements_txt_s_but_torch():
    text = (ROOT / "requirements.txt").read_text()
    names = requirement_names(text)
    assert names == [name for name in pins(text) if name != "torch"]
    assert {"transformers", "accelerate", "datasets", "evaluate", "huggingface_hub"} <= set(names)
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", name) for name in names), names


def test_a_line_that_is_not_a_requirement_names_the_fix():
    assert requirement_names("# pins\ntorch==2.13.0\nnumpy>=2  # floor\nfoo[extra]==1\n") == ["numpy", "foo"]
    with pytest.raises(ValueError, match="Fix:"):
        requirement_names("transformers 5.24.0\n")


# --- the deprecation check -------------------------------------------------------------------------


def test_a_new_future_warning_is_named_with_its_notebook_and_cell():
    committed = notebook([stream("ok\n", "stdout")], [])
    executed = notebook([stream("ok\n", "stdout")], [stream(TRAINER_WARNING)])
    found = new_warnings(executed, committed, "notebooks/03_trainer_training.ipynb")
    warning = (
        "FutureWarning: `evaluation_strategy` is deprecated and will be removed in version 6.0. "
        "Use `eval_strategy` instead."
    )
    assert found == [NewWarning("notebooks/03_trainer_training.ipynb", 3, "step_2()", warning)]
    assert str(found[0]) == f"notebooks/03_trainer_training.ipynb, cell 3 (step_2()): {warning}"


def test_a_warning_the_committed_notebook_shows_is_not_new_wherever_python_put_it():
    moved = TRAINER_WARNING.replace("/opt/venv/lib", "/home/me/.venv-latest/lib").replace(":812:", ":903:")
    committed = notebook([stream(TRAINER_WARNING)], [])
    executed = notebook([], [stream(moved)])
    assert new_warnings(executed, committed, "n.ipynb") == []


@pytest.mark.parametrize(
    "text",
    [
        "x.py:3: DeprecationWarning: datetime.utcnow() is deprecated\n",
        "x.py:3: PendingDeprecationWarning: this path goes away\n",
        "`tokenizer` is deprecated and will be removed in version 6.0.0 for `Trainer.__init__`. "
        "Use `processing_class` instead.\n",
        "\x1b[33mThe `foo` argument will be removed in accelerate 2.0.\x1b[0m\n",
    ],
)
def test_every_kind_of_deprecation_is_found(text):
    found = new_warnings(notebook([stream(text)]), notebook([]), "n.ipynb")
    assert len(found) == 1 and "\x1b" not in found[0].warning and ".py:3:" not in found[0].warning


def test_ordinary_output_is_not_a_warning():
    result = {
        "output_type": "execute_result",
        "execution_count": 1,
        "metadata": {},
        "data": {"text/plain": "'deprecated'"},
    }
    executed = notebook(
        [stream("accuracy 0.8917\nUserWarning: a note\n", "stdout")],
        [result],
        [stream("x.py:9: UserWarning: not a deprecation\n  warnings.warn('is deprecated')\n")],
    )
    assert new_warnings(executed, notebook([]), "n.ipynb") == []


def test_a_warning_is_counted_once_per_cell_and_the_source_line_is_not_a_warning():
    text = TRAINER_WARNING + TRAINER_WARNING.replace(":812:", ":820:")
    assert deprecations(text) == [
        "FutureWarning: `evaluation_strategy` is deprecated and will be removed in version 6.0. "
        "Use `eval_strategy` instead."
    ]


@pytest.fixture
def executed_copies(tmp_path, monkeypatch):
    """build/latest/ in tmp_path, holding an executed copy of lesson 1 and its two exercise notebooks: the
    committed notebooks themselves, so that nothing in them is new."""
    monkeypatch.setattr(latest, "OUT", tmp_path)
    pairs = [pair for pair in latest.latest_notebooks() if pair[0].stem.startswith("01_tokenization")]
    assert [str(source.relative_to(ROOT)) for source, _ in pairs] == [
        "notebooks/01_tokenization.ipynb",
        "notebooks/01_tokenization_exercises.ipynb",
        "notebooks/zh-TW/01_tokenization_exercises.ipynb",
    ]
    for source, target in pairs:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    return pairs


def test_the_check_passes_on_the_committed_notebooks(executed_copies, capsys):
    assert latest.check_warnings(run=False, only=["01_tokenization"]) == 0
    assert "no new deprecation warning in 3 notebooks" in capsys.readouterr().out


def test_the_check_fails_on_a_notebook_output_with_a_new_future_warning(executed_copies, capsys):
    source, target = executed_copies[2]
    executed = nbformat.read(target, as_version=4)
    number, cell = next((n, c) for n, c in enumerate(executed.cells, start=1) if c.cell_type == "code")
    cell.outputs.append(nbformat.from_dict(stream(TRAINER_WARNING)))
    nbformat.write(executed, target)

    assert latest.check_warnings(run=False, only=["01_tokenization"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    where = f"notebooks/zh-TW/01_tokenization_exercises.ipynb, cell {number} ("
    assert lines[0].startswith(f"new deprecation warning: {where}")
    assert lines[0].endswith(
        "FutureWarning: `evaluation_strategy` is deprecated and will be removed in version 6.0. "
        "Use `eval_strategy` instead."
    )
    assert "Fix:" in lines[-1] and "Traceback" not in "\n".join(lines)


def test_a_missing_executed_copy_names_the_fix(executed_copies, capsys):
    executed_copies[0][1].unlink()
    assert latest.check_warnings(run=False, only=["01_tokenization"]) == 1
    err = capsys.readouterr().err
    assert "no executed copy of notebooks/01_tokenization.ipynb" in err and "Fix: run" in err


def test_the_command_refuses_an_unknown_notebook_with_one_line(capsys):
    assert latest.main(["warnings", "--no-run", "--only", "99_nothing"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Fix:" in err[0]


def test_a_committed_notebook_against_itself_has_nothing_new():
    for source, _ in latest.latest_notebooks():
        committed = nbformat.read(source, as_version=4)
        assert new_warnings(copy.deepcopy(committed), committed, str(source)) == []


# --- the make target and the workflow --------------------------------------------------------------


def make_n(*variables: str) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    done = subprocess.run([make, "-n", "test-latest", *variables], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_make_target_installs_the_newest_releases_then_runs_the_tests_and_the_check():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\.PHONY:.* test-latest\b", makefile, re.MULTILINE)
    assert re.search(r"^## .*\n(?:##.*\n|[A-Z_]+ [?:]?= .*\n|\n)*test-latest:", makefile, re.MULTILINE)
    commands = make_n()
    assert "rm -rf .venv-latest" in commands
    assert '--index-url https://download.pytorch.org/whl/cpu "torch"' in commands
    assert "pip install --quiet --upgrade $names" in commands
    assert "python -m course latest requirements" in commands
    assert "pip install --quiet --no-deps -e ." in commands
    assert "python -m course latest versions" in commands
    # The tests as `make test` runs them, in that environment: the offline profile, a training cache, every
    # notebook that `make test` gives nbval (Makefile's NBVAL_NOTEBOOKS: not the zh-TW exercise notebooks,
    # whose outputs tests/test_exercises.py checks), and tests/.
    pytest_command = " ".join(
        commands[commands.index("COURSE_PROFILE=offline") :].split("|| status=1")[0].replace("\\\n", " ").split()
    )
    assert ".venv-latest/bin/python -m pytest" in pytest_command and pytest_command.endswith(" tests")
    assert "--dist loadscope --no-loadscope-reorder --nbval --nbval-current-env" in pytest_command
    english = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "notebooks").glob("[0-9]*.ipynb"))
    chinese = [path.relative_to(ROOT).as_posix() for path in (ROOT / "notebooks" / "zh-TW").glob("*_exercises.ipynb")]
    assert len(english) == 2 * len(LESSONS) and len(chinese) == len(LESSONS)  # each lesson and its exercises
    lessons = ["notebooks/zh-TW/01_tokenization.ipynb", "notebooks/zh-TW/02_training_arguments.ipynb"]
    for path in [*english, *lessons]:
        assert f" {path} " in pytest_command, path
    for path in chinese:  # their outputs are checked in tests/test_exercises.py, as under make test
        assert f" {path} " not in pytest_command, path
    assert commands.index("-m pytest") < commands.index("course latest warnings")


def test_the_torch_spec_and_its_index_can_be_changed():
    commands = make_n("LATEST_TORCH=torch==2.13.0", "LATEST_TORCH_INDEX=")
    torch_line = next(line for line in commands.splitlines() if '"torch==2.13.0"' in line)
    assert "--index-url" not in torch_line


def test_the_workflow_runs_the_target_weekly_at_another_hour_than_colab():
    def read(name):
        data = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
        return data, data.get("on", data.get(True))  # YAML 1.1 reads the key `on` as True

    workflow, on = read("latest.yml")
    _, colab_on = read("colab.yml")
    assert "workflow_dispatch" in on
    hour = on["schedule"][0]["cron"].split()[1]
    assert hour != colab_on["schedule"][0]["cron"].split()[1]
    steps = workflow["jobs"]["latest"]["steps"]
    python = next(step for step in steps if step.get("uses", "").startswith("actions/setup-python"))
    assert str(python["with"]["python-version"]) == "3.11"
    run = next(step for step in steps if step.get("run") == "make test-latest")
    assert run["env"]["LATEST_TORCH_INDEX"] == "https://download.pytorch.org/whl/cpu"
