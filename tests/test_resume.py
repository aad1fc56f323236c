"""A run that dies mid-training resumes from its checkpoint and ends where an
uninterrupted run with the same seed ends: same global step, same metrics."""

from __future__ import annotations

import pytest
from transformers import TrainerCallback

from helpers import resumable_checkpoint

from training import make_trainer

# Small on purpose: 64 pairs, batch 8 -> 8 steps per epoch, 2 epochs = 16 steps.
SETTINGS = dict(
    train_pairs=64,
    per_device_train_batch_size=8,
    num_train_epochs=2,
    logging_steps=1,
    save_strategy="steps",
    save_steps=5,
)
CRASH_AT_STEP = 7  # mid-epoch, two steps after the last checkpoint


class SessionDropped(Exception):
    """Stands for a Colab runtime that disconnects."""


class DropSessionAt(TrainerCallback):
    def __init__(self, step):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise SessionDropped(f"session dropped at step {state.global_step}")


def losses_by_step(trainer):
    return {entry["step"]: entry["loss"] for entry in trainer.state.log_history if "loss" in entry}


def test_interrupted_run_resumes_to_the_same_result(offline_profile, tokenizer, tokenized, tmp_path):
    uninterrupted = make_trainer(offline_profile, tokenizer, tokenized, tmp_path / "straight", **SETTINGS)
    uninterrupted.train()
    expected = uninterrupted.evaluate()

    folder = tmp_path / "dropped"
    dropped = make_trainer(
        offline_profile, tokenizer, tokenized, folder, callbacks=[DropSessionAt(CRASH_AT_STEP)], **SETTINGS
    )
    with pytest.raises(SessionDropped):
        dropped.train()
    checkpoint = resumable_checkpoint(folder)
    assert checkpoint is not None and checkpoint.endswith("checkpoint-5")

    # A new session: fresh model and Trainer, then resume.
    resumed = make_trainer(offline_profile, tokenizer, tokenized, folder, **SETTINGS)
    resumed.train(resume_from_checkpoint=checkpoint)
    result = resumed.evaluate()

    assert resumed.state.global_step == uninterrupted.state.global_step == 16
    assert result["eval_accuracy"] == expected["eval_accuracy"]
    assert result["eval_f1"] == expected["eval_f1"]
    assert result["eval_loss"] == pytest.approx(expected["eval_loss"], abs=1e-5)
    # The steps after the checkpoint were trained on the same batches as before.
    straight = losses_by_step(uninterrupted)
    for step, loss in losses_by_step(resumed).items():
        if step > 5:
            assert loss == pytest.approx(straight[step], abs=1e-4), step
    assert resumable_checkpoint(folder) is None  # finished: nothing left to resume
