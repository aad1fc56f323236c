"""make test-colab (python -m course colab) without building a twin: the runtime files of Colab and
Kaggle parse and meet the course's floors, pyproject.toml lists their Pythons, a bad runtime file,
a missing Python or a floor above a runtime's version stops it with one line naming the fix, and a
lesson's summary is judged against the committed one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.version import Version

from course.catalog import HOSTED_RUNTIMES, LESSONS, ROOT
from course.colab.cli import committed_summary, summary_problems
from course.colab.runtime import TwinError, check_floors, declared, parse_runtime

tomllib = pytest.importorskip("tomllib")

GOOD = """\
# a comment
runtime: Colab
source: https://example.org/pip-freeze.txt
date: 2026-08-19
python==3.13.15
torch==2.11.0
transformers==5.15.0   # Colab's
datasets==4.0.0
"""


def write(tmp_path: Path, text: str, name: str = "runtime.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def course_colab(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "course", "colab", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def assert_one_line(done: subprocess.CompletedProcess, *phrases: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Fix:" in lines[0]
    for phrase in phrases:
        assert phrase in lines[0]


@pytest.mark.parametrize("file", HOSTED_RUNTIMES)
def test_each_hosted_runtime_parses_and_meets_the_floors(file):
    runtime = parse_runtime(ROOT / file)
    assert runtime.source.startswith("https://") and runtime.python.count(".") == 2
    assert runtime.version("torch") and runtime.version("transformers")
    check_floors(runtime)  # raises TwinError when a floor rose above the runtime's version


def test_pyproject_lists_the_pythons_the_course_is_tested_on():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    prefix = "Programming Language :: Python :: "
    listed = {c.removeprefix(prefix) for c in project["classifiers"] if c.startswith(prefix + "3.")}
    tested = {parse_runtime(ROOT / file).python_minor for file in HOSTED_RUNTIMES}
    tested.add(declared()[0])  # make test runs on the requires-python floor, 3.11
    assert tested <= listed, f"pyproject.toml's classifiers lack Python {sorted(tested - listed)}"
    assert project["requires-python"] == ">=3.11"


def test_a_good_file_reads_back(tmp_path):
    runtime = parse_runtime(write(tmp_path, GOOD + "upgrade: datasets\n"))
    assert (runtime.name, runtime.date, runtime.python) == ("Colab", "2026-08-19", "3.13.15")
    assert runtime.python_minor == "3.13"
    assert runtime.packages == {"torch": "2.11.0", "transformers": "5.15.0", "datasets": "4.0.0"}
    assert runtime.upgrades == ("datasets",)
    assert runtime.python_variable == "COLAB_PYTHON" and runtime.venv == ROOT / ".venv-colab"


@pytest.mark.parametrize(
    "text, phrases",
    [
        (GOOD + "transformers 5.15.0\n", ["line 9", "'transformers 5.15.0' is neither name==version"]),
        (GOOD + "torch==2.11\n", ["line 9", "torch is named twice"]),
        (GOOD.replace("datasets==4.0.0", "datasets==four"), ["line 8", "'four' is not a version"]),
        (GOOD.replace("date: 2026-08-19", "date: August 2026"), ["not YYYY-MM-DD"]),
        (GOOD.replace("source: https://example.org/pip-freeze.txt\n", ""), ["no 'source:' line"]),
        (GOOD.replace("python==3.13.15\n", ""), ["no python== line"]),
        (GOOD.replace("torch==2.11.0\n", ""), ["no torch== line"]),
        (GOOD.replace("python==3.13.15", "python==3"), ["needs a minor version"]),
        (GOOD + "upgrade: evaluate\n", ["'upgrade: evaluate' names no library"]),
        (GOOD + "owner: me\n", ["'owner: me' is neither"]),
    ],
)
def test_a_malformed_file_names_the_line_and_the_fix(tmp_path, text, phrases):
    with pytest.raises(TwinError) as raised:
        parse_runtime(write(tmp_path, text))
    message = str(raised.value)
    assert "Fix:" in message and "\n" not in message
    for phrase in phrases:
        assert phrase in message


def test_the_command_stops_on_a_malformed_file_with_one_line(tmp_path):
    path = write(tmp_path, GOOD + "transformers 5.15.0\n")
    assert_one_line(course_colab(str(path), "--check"), str(path), "line 9")
    assert_one_line(course_colab(str(tmp_path / "missing.txt"), "--check"), "no such runtime file")


def test_a_missing_python_names_the_variable(tmp_path):
    path = write(tmp_path, GOOD.replace("python==3.13.15", "python==3.99.1"))
    done = course_colab(str(path), "--check", env={"COLAB_PYTHON": ""})
    assert_one_line(done, "no Python 3.99 at 'python3.99'", "COLAB_PYTHON=")
    done = course_colab(str(path), "--check", env={"COLAB_PYTHON": str(tmp_path / "python3.99")})
    assert_one_line(done, "no Python 3.99 at", "install Python 3.99")


def test_a_python_of_another_version_is_refused(tmp_path):
    path = write(tmp_path, GOOD.replace("python==3.13.15", "python==3.99.1"))
    done = course_colab(str(path), "--check", env={"COLAB_PYTHON": sys.executable})
    running = "{}.{}".format(*sys.version_info[:2])
    assert_one_line(done, f"is Python {running}.", "has Python 3.99.1", "COLAB_PYTHON=")


def test_a_version_below_a_floor_names_the_floor_and_the_fixes(tmp_path):
    # The hosted runtime with a library just below its floor: the set-up cell's pip would replace it.
    floor = declared()[1]["transformers"]
    below = "5.5.0"
    assert Version(below) < Version(floor)
    text = (ROOT / HOSTED_RUNTIMES[0]).read_text()
    original = parse_runtime(ROOT / HOSTED_RUNTIMES[0]).version("transformers")
    path = write(tmp_path, text.replace(f"transformers=={original}", f"transformers=={below}"))
    done = course_colab(str(path), "--check")
    assert_one_line(
        done,
        f"transformers {below} is below the course's floor transformers>={floor}",
        "make test-floors",
        "'upgrade: transformers'",
    )
    # Expected, it passes the floors (and the twin then checks that pip did upgrade it).
    check_floors(parse_runtime(write(tmp_path, path.read_text() + "upgrade: transformers\n", "expected.txt")))


def test_a_python_below_requires_python_is_refused(tmp_path):
    with pytest.raises(TwinError, match=r"Python 3\.10\.4 is below the course's requires-python >=3\.11"):
        check_floors(parse_runtime(write(tmp_path, GOOD.replace("python==3.13.15", "python==3.10.4"))))


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.name)
def test_each_lesson_commits_a_summary_that_passes_against_itself(lesson):
    committed = committed_summary(lesson.notebook())
    assert committed, f"{lesson.name}: no summary in its last cell's output"
    assert summary_problems(committed, committed) == []


def test_a_summary_is_judged_against_the_committed_one():
    committed = {"global_step": 180, "training_loss": 0.4818, "train seconds": 59.4, "reproduced": True}
    committed["device"] = "cpu"
    sane = {"global_step": 180, "training_loss": 0.47, "train seconds": 12.0, "reproduced": True, "device": "cuda:0"}
    assert summary_problems(sane, committed) == []
    assert summary_problems({}, committed) == ["no summary"]
    problems = summary_problems(
        {"global_step": 179, "training_loss": 0.69, "train seconds": 0, "reproduced": False, "new": 1}, committed
    )
    assert problems[:2] == ["summary lacks 'device'", "summary has 'new', which the committed notebook does not"]
    assert sorted(problems[2:]) == [
        "'global_step' is 179, the committed notebook's is 180",
        "'reproduced' is False, the committed notebook's is True",
        "'train seconds' is 0, not a positive number",
        "'training_loss' is 0.69, more than 0.05 from the committed 0.4818",
    ]


def test_a_notebook_runs_in_the_kernel_of_a_folder_of_specs_which_is_shut_down_after(tmp_path):
    # How the twin's notebooks run: run_notebook(kernels=folder) starts the spec python3 of that folder
    # (here this environment's Python, with an environment variable of its own), not the default one.
    import json

    import nbformat

    from course.notebooks import run_notebook

    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3", "language": "python", "env": {"COURSE_PROBE": "twin"}}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import os\nsummary = {'probe': os.environ.get('COURSE_PROBE')}")]
    )
    nbformat.write(notebook, tmp_path / "probe.ipynb")
    sockets = tmp_path / "sockets"
    sockets.mkdir()
    status, _, figures = run_notebook(
        tmp_path / "probe.ipynb", tmp_path / "out.ipynb", tmp_path, sockets, kernels=spec.parent
    )
    assert (status, figures) == ("ok", {"probe": "twin"})
    # Shut down like the default kernel: its connection file is gone.
    assert not (sockets / "kernel.json").exists()
