"""Resuming: a run that dies mid-training resumes from its checkpoint and ends where an
uninterrupted run ends, but only when it is the same run. Another learning rate, model
or data folder starts afresh, says so in one line, and trains to its own end."""

from __future__ import annotations

import shutil

import pytest
from transformers import TrainerCallback

from helpers import latest_unfinished_checkpoint, load_mrpc, resolve_profile, resumable_checkpoint
from helpers.profiles import BUNDLED_DATA_DIR
from training import make_trainer, save_tiny_bert

pytestmark = pytest.mark.slow  # five short trainings

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


@pytest.fixture(scope="module")
def dropped_run(offline_profile, tokenizer, tokenized, tmp_path_factory):
    """A run of the course's settings that died at step 7, leaving checkpoint-5."""
    folder = tmp_path_factory.mktemp("dropped")
    trainer = make_trainer(
        offline_profile, tokenizer, tokenized, folder, callbacks=[DropSessionAt(CRASH_AT_STEP)], **SETTINGS
    )
    assert resumable_checkpoint(trainer.args, offline_profile) is None  # nothing yet: a fresh start
    with pytest.raises(SessionDropped):
        trainer.train()
    assert latest_unfinished_checkpoint(folder).endswith("checkpoint-5")
    return folder


def copy_of(folder, tmp_path):
    return shutil.copytree(folder, tmp_path / "run")


def test_the_same_run_resumes_to_the_same_result(offline_profile, tokenizer, tokenized, dropped_run, tmp_path, capsys):
    uninterrupted = make_trainer(offline_profile, tokenizer, tokenized, tmp_path / "straight", **SETTINGS)
    uninterrupted.train()
    expected = uninterrupted.evaluate()

    # A new session: fresh model and Trainer with the same settings, then resume.
    folder = copy_of(dropped_run, tmp_path)
    resumed = make_trainer(offline_profile, tokenizer, tokenized, folder, **SETTINGS)
    checkpoint = resumable_checkpoint(resumed.args, offline_profile)
    assert checkpoint is not None and checkpoint.endswith("checkpoint-5")
    assert "Resuming the unfinished run" in capsys.readouterr().out
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
    assert resumable_checkpoint(resumed.args, offline_profile) is None  # finished: nothing left to resume


def start_again(profile, tokenizer, tokenized, folder, capsys, **changes):
    """Start the run again with changes; return the Trainer after training, and the one line said."""
    trainer = make_trainer(profile, tokenizer, tokenized, folder, **{**SETTINGS, **changes})
    checkpoint = resumable_checkpoint(trainer.args, profile)
    said = capsys.readouterr().out
    assert checkpoint is None, "another run's checkpoint must not be resumed"
    assert said.startswith("Starting afresh:") and said.count("\n") == 1, said
    assert not list(folder.glob("checkpoint-*")), "the other run's checkpoints were left behind"
    trainer.train(resume_from_checkpoint=checkpoint)
    return trainer, said


def test_a_changed_learning_rate_starts_afresh(offline_profile, tokenizer, tokenized, dropped_run, tmp_path, capsys):
    folder = copy_of(dropped_run, tmp_path)
    trainer, said = start_again(
        offline_profile, tokenizer, tokenized, folder, capsys, learning_rate=5e-4, num_train_epochs=3
    )
    assert "learning_rate 0.0001 -> 0.0005" in said and "num_train_epochs 2 -> 3" in said
    assert trainer.state.global_step == 24  # its own end: 3 epochs of 8 steps, from step 1
    logged = [entry for entry in trainer.state.log_history if "learning_rate" in entry]
    assert logged[0]["step"] == 1
    # The schedule peaks at the new learning rate; a resumed old run never passes 1e-4.
    assert max(entry["learning_rate"] for entry in logged) == pytest.approx(5e-4, rel=0.05)


def test_a_changed_model_starts_afresh(offline_profile, tokenizer, tokenized, dropped_run, tmp_path, capsys):
    # A different (tiny, randomly initialized) BERT with the same vocabulary.
    save_tiny_bert(tmp_path / "tiny-bert", tokenizer)
    tiny = resolve_profile({"COURSE_PROFILE": "offline", "COURSE_MODEL": str(tmp_path / "tiny-bert")})
    folder = copy_of(dropped_run, tmp_path)
    trainer, said = start_again(tiny, tokenizer, tokenized, folder, capsys)
    assert "checkpoint" in said and "tiny-bert" in said
    assert trainer.state.global_step == 16


def test_a_changed_data_folder_starts_afresh(tokenizer, dropped_run, tmp_path, capsys):
    data_copy = shutil.copytree(BUNDLED_DATA_DIR, tmp_path / "my-mrpc")
    profile = resolve_profile({"COURSE_PROFILE": "offline", "COURSE_MRPC_DIR": str(data_copy)})
    tokenized = load_mrpc(profile).map(
        lambda batch: tokenizer(batch["sentence1"], batch["sentence2"], truncation=True), batched=True
    )
    folder = copy_of(dropped_run, tmp_path)
    trainer, said = start_again(profile, tokenizer, tokenized, folder, capsys)
    assert "data" in said and "my-mrpc" in said
    assert trainer.state.global_step == 16
