"""Device, mixed precision and the choice of a checkpoint to resume from."""

from __future__ import annotations

import json

import pytest
import torch

from helpers import describe_device, mixed_precision, resumable_checkpoint


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU case")
def test_cpu_uses_full_precision_and_says_cpu():
    assert mixed_precision() == {"bf16": False, "fp16": False}
    assert describe_device().startswith("cpu (")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_uses_exactly_one_half_precision():
    flags = mixed_precision()
    assert flags["bf16"] != flags["fp16"]
    assert flags["bf16"] == torch.cuda.is_bf16_supported()


def make_checkpoint(folder, step, max_steps):
    checkpoint = folder / f"checkpoint-{step}"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": step, "max_steps": max_steps}))
    return checkpoint


def test_resume_from_newest_checkpoint_by_step_number(tmp_path):
    make_checkpoint(tmp_path, 9, 30)
    newest = make_checkpoint(tmp_path, 10, 30)  # sorts before 9 as text
    assert resumable_checkpoint(tmp_path) == str(newest)


def test_finished_run_is_not_resumed(tmp_path):
    make_checkpoint(tmp_path, 30, 30)
    assert resumable_checkpoint(tmp_path) is None


def test_half_written_checkpoint_is_passed_over(tmp_path):
    complete = make_checkpoint(tmp_path, 4, 30)
    (tmp_path / "checkpoint-8").mkdir()  # no trainer_state.json: the session dropped while saving
    assert resumable_checkpoint(tmp_path) == str(complete)


def test_nothing_to_resume(tmp_path):
    assert resumable_checkpoint(tmp_path / "absent") is None
    (tmp_path / "checkpoint-5").mkdir()
    assert resumable_checkpoint(tmp_path) is None
