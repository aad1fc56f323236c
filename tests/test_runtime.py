"""Device, mixed precision and the choice of a checkpoint to resume from."""

from __future__ import annotations

import json

import pytest
import torch

from helpers import describe_device, in_kaggle, latest_unfinished_checkpoint, mixed_precision
from helpers.runtime import KAGGLE_GPU_HINT


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU case")
def test_cpu_uses_full_precision_and_says_cpu():
    assert mixed_precision() == {"bf16": False, "fp16": False}
    assert describe_device().startswith("cpu (")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_uses_exactly_one_half_precision():
    flags = mixed_precision()
    assert flags["bf16"] != flags["fp16"]
    assert flags["bf16"] == torch.cuda.is_bf16_supported()


def test_kaggle_is_detected_by_its_run_type_variable():
    assert in_kaggle({"KAGGLE_KERNEL_RUN_TYPE": "Interactive"})
    assert in_kaggle({"KAGGLE_KERNEL_RUN_TYPE": "Batch"})
    assert not in_kaggle({})
    assert not in_kaggle({"KAGGLE_KERNEL_RUN_TYPE": ""})


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU case")
def test_kaggle_without_gpu_names_kaggles_way_to_one(monkeypatch):
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    line = describe_device()
    assert "No GPU in this Kaggle session" in line and KAGGLE_GPU_HINT in line
    assert "Settings > Accelerator" in KAGGLE_GPU_HINT
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE")
    assert "Kaggle" not in describe_device()


def test_setup_cell_installs_the_course_on_kaggle(monkeypatch):
    """The notebooks' set-up cell (the same in all) acts on Kaggle as on Colab."""
    import json
    from pathlib import Path

    notebook = Path(__file__).resolve().parent.parent / "notebooks" / "01_tokenization.ipynb"
    cells = json.loads(notebook.read_text())["cells"]
    setup = next("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    commands = []
    monkeypatch.setattr("subprocess.run", lambda command, check: commands.append(command))
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)  # helpers not installed yet
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    exec(setup, {})
    assert len(commands) == 1 and commands[0][-1].startswith("git+https://github.com/")
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE")
    exec(setup, {})
    assert len(commands) == 1, "off Colab and Kaggle the set-up cell installs nothing"


def make_checkpoint(folder, step, max_steps):
    checkpoint = folder / f"checkpoint-{step}"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": step, "max_steps": max_steps}))
    return checkpoint


def test_resume_from_newest_checkpoint_by_step_number(tmp_path):
    make_checkpoint(tmp_path, 9, 30)
    newest = make_checkpoint(tmp_path, 10, 30)  # sorts before 9 as text
    assert latest_unfinished_checkpoint(tmp_path) == str(newest)


def test_finished_run_is_not_resumed(tmp_path):
    make_checkpoint(tmp_path, 30, 30)
    assert latest_unfinished_checkpoint(tmp_path) is None


def test_half_written_checkpoint_is_passed_over(tmp_path):
    complete = make_checkpoint(tmp_path, 4, 30)
    (tmp_path / "checkpoint-8").mkdir()  # no trainer_state.json: the session dropped while saving
    assert latest_unfinished_checkpoint(tmp_path) == str(complete)


def test_nothing_to_resume(tmp_path):
    assert latest_unfinished_checkpoint(tmp_path / "absent") is None
    (tmp_path / "checkpoint-5").mkdir()
    assert latest_unfinished_checkpoint(tmp_path) is None


def test_checkpoints_without_a_readable_record_are_not_resumed(tmp_path, capsys):
    """A course_run.json cut short (the session dropped while writing it) means: not provably this run."""
    from transformers import TrainingArguments

    from helpers import resolve_profile, resumable_checkpoint

    make_checkpoint(tmp_path, 5, 30)
    (tmp_path / "course_run.json").write_text('{"checkpoint": ')
    args = TrainingArguments(output_dir=str(tmp_path), report_to="none")
    assert resumable_checkpoint(args, resolve_profile({"COURSE_PROFILE": "offline"})) is None
    said = capsys.readouterr().out
    assert said.startswith("Starting afresh:") and "no readable course_run.json" in said
    assert not (tmp_path / "checkpoint-5").exists()
