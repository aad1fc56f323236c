"""The committed notebooks: ordered, each opening the same way, executed, and clean
(no paths of the machine that ran them, no run-specific metadata)."""

from __future__ import annotations

import json
import re

import pytest

from course.catalog import EDITIONS, EN, ZH_TW, colab_url, notebook_names, notebook_paths

NOTEBOOKS = notebook_paths(EN)
# The zh-TW twins are executed and committed the same way: the same checks of their outputs.
BOTH_EDITIONS = NOTEBOOKS + notebook_paths(ZH_TW)
EXERCISE_NOTEBOOKS = [path for path in NOTEBOOKS if path.stem.endswith("_exercises")]
# Things that betray the machine that executed a notebook.
MACHINE_TRACES = re.compile(r"(/home/|/root/|/Users/|/tmp/|/work/|site-packages|C:\\\\)")


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("edition", EDITIONS, ids=lambda edition: edition.code)
def test_the_notebooks_are_the_catalogs_in_reading_order(edition):
    """Each edition's folder holds exactly the catalog's notebooks, and their numbers follow the reading order."""
    on_disk = sorted(path.stem for path in edition.folder.glob("*.ipynb"))
    assert on_disk == sorted(notebook_names()), "a notebook is missing from course/catalog.py, or from the folder"
    assert notebook_names() == sorted(notebook_names()), "the file names' numbers follow the reading order"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_opens_with_badge_setup_and_banner(path):
    notebook = cells(path)
    assert colab_url(f"notebooks/{path.name}") in source(notebook[0])
    code = [source(cell) for cell in notebook if cell["cell_type"] == "code"]
    assert "google.colab" in code[0] and "KAGGLE_KERNEL_RUN_TYPE" in code[0], "the first code cell is the set-up cell"
    assert "show_banner(profile)" in code[1], "the second code cell prints the profile banner"


def edition_id(path):
    return f"{path.parent.name}/{path.stem}" if path.parent.name == "zh-TW" else path.stem


@pytest.mark.parametrize("path", BOTH_EDITIONS, ids=edition_id)
def test_committed_with_outputs_in_order(path):
    counts = [cell.get("execution_count") for cell in cells(path) if cell["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1)), "run top to bottom once before committing (`make notebooks`)"


@pytest.mark.parametrize("path", BOTH_EDITIONS, ids=edition_id)
def test_no_machine_paths_errors_or_metadata(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert set(notebook["metadata"]) <= {"kernelspec", "language_info"}
    for index, cell in enumerate(notebook["cells"]):
        assert set(cell.get("metadata", {})) <= {"tags"}, f"cell {index} carries run metadata"
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"cell {index} failed"
            text = json.dumps({key: value for key, value in output.get("data", {}).items() if key != "image/png"})
            text += "".join(output.get("text", ""))
            assert not MACHINE_TRACES.search(text), f"cell {index} output shows a machine path"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_prose_keeps_up_with_the_code(path):
    notebook = cells(path)
    assert notebook[0]["cell_type"] == "markdown"
    markdown_cells = sum(cell["cell_type"] == "markdown" for cell in notebook)
    code_cells = len(notebook) - markdown_cells
    assert markdown_cells * 2 >= code_cells, "explain each step in a markdown cell before it"


@pytest.mark.parametrize("path", EXERCISE_NOTEBOOKS, ids=lambda path: path.stem)
def test_exercise_notebooks_pair_each_answer_with_its_check(path):
    notebook = cells(path)
    code = [source(cell) for cell in notebook if cell["cell_type"] == "code"]
    answers = [cell for cell in notebook if any(tag.startswith("answer-") for tag in cell["metadata"].get("tags", []))]
    numbers = [tag.removeprefix("answer-q") for cell in answers for tag in cell["metadata"]["tags"]]
    assert 3 <= len(numbers) <= 5 and numbers == [str(n) for n in range(1, len(numbers) + 1)]
    for number, cell in zip(numbers, answers, strict=True):
        assert "____" in source(cell), f"answer cell q{number} is committed without its placeholder"
        assert f"q{number}.check()" in code, f"q{number} has no check cell"
        assert f"# q{number}.hint()" in "\n".join(code) and f"# q{number}.solution()" in "\n".join(code)
    assert code[-1] == "progress()", "an exercise notebook ends with progress()"
    last_output = "".join(notebook[-1]["outputs"][0]["text"])
    assert last_output.startswith(f"0/{len(numbers)} correct"), "committed untouched: nothing answered"
