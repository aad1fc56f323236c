"""The training cache's second key (course/training_cache.py, training_fingerprint): two trainers
built by different code into the same state share one fingerprint, and one entry; anything that
can change the training changes it; a trainer whose effect cannot be read as data has none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import Trainer

from course import training_cache
from training import make_trainer

pytestmark = pytest.mark.slow  # loads the offline model several times and trains a few steps

SMALL = dict(train_pairs=16, max_steps=2)


@pytest.fixture
def build(offline_profile, tokenizer, tokenized, tmp_path):
    def trainer(folder: str = "run", **changes) -> Trainer:
        return make_trainer(offline_profile, tokenizer, tokenized, tmp_path / folder, **{**SMALL, **changes})

    return trainer


def test_other_code_that_builds_the_same_training_gives_the_same_fingerprint(build):
    """Another output folder and run name, another evaluation batch, label names, the progress bar
    off, and random numbers drawn before the Trainer (which seeds itself): the same training."""
    first = build("first")
    np.random.rand(3)
    torch.rand(3)
    second = build("second", per_device_eval_batch_size=16, run_name="another", disable_tqdm=False)
    second.model.config.id2label = {0: "not_equivalent", 1: "equivalent"}
    assert training_cache.training_fingerprint(first) is not None
    assert training_cache.training_fingerprint(first) == training_cache.training_fingerprint(second)


def nudge_a_weight(trainer: Trainer) -> None:
    with torch.no_grad():
        trainer.model.classifier.bias[0] += 1e-6


def draw_a_random_number(trainer: Trainer) -> None:
    torch.rand(1)


def change_a_training_row(trainer: Trainer) -> None:
    def other_label(row, index):
        return {"label": 1 - row["label"]} if index == 0 else {}

    trainer.train_dataset = trainer.train_dataset.map(other_label, with_indices=True)


@pytest.mark.parametrize(
    "changes, after",
    [
        (dict(learning_rate=1e-3), None),
        (dict(logging_steps=1), None),
        (dict(train_pairs=15), None),
        ({}, nudge_a_weight),
        ({}, draw_a_random_number),
        ({}, change_a_training_row),
    ],
    ids=["learning rate", "logging", "fewer rows", "a weight", "the random state", "a label"],
)
def test_whatever_can_change_the_training_changes_the_fingerprint(build, changes, after):
    reference = training_cache.training_fingerprint(build("reference"))
    changed = build("changed", **changes)
    if after:
        after(changed)
    assert training_cache.training_fingerprint(changed) not in (None, reference)


class OwnTrainer(Trainer):
    pass


def weighted_loss(outputs, labels, num_items_in_batch=None):
    return torch.nn.functional.cross_entropy(outputs.logits, labels)


@pytest.mark.parametrize(
    "changes",
    [dict(eval_strategy="steps", eval_steps=1), dict(subclass=True), dict(loss=True)],
    ids=["evaluation while training", "a Trainer subclass", "a custom loss"],
)
def test_a_trainer_whose_effect_is_code_has_no_fingerprint(build, changes):
    subclass, loss = changes.pop("subclass", False), changes.pop("loss", False)
    trainer = build(**changes)
    if subclass:
        trainer.__class__ = OwnTrainer
    if loss:
        trainer.compute_loss_func = weighted_loss
    assert training_cache.training_fingerprint(trainer) is None


def last_line(capsys) -> str:
    return capsys.readouterr().out.splitlines()[-1]


def test_the_same_training_under_another_key_is_restored_from_the_first_entry(build, tmp_path, capsys):
    """A writable process trains under its key and links the fingerprint; another key with the same
    fingerprint is restored from that entry (bit for bit) and linked; a changed training trains; a
    read-only process (a student's kernel) never looks a fingerprint up."""
    cache = tmp_path / "cache"
    first = build("first")
    training_cache.train_or_restore(first, str(cache / "key-one"))
    assert last_line(capsys) == f"{training_cache.TRAINING_MARKER} trained"

    second = build("second", per_device_eval_batch_size=16)
    output = training_cache.train_or_restore(second, str(cache / "key-two"))
    assert last_line(capsys) == f"{training_cache.TRAINING_MARKER} restored"
    assert (cache / "key-two").is_symlink() and (cache / "key-two").resolve() == (cache / "key-one").resolve()
    assert output.global_step == first.state.global_step == 2
    assert second.state.log_history == first.state.log_history
    restored = second.model.state_dict()
    for name, trained in first.model.state_dict().items():
        assert torch.equal(trained, restored[name]), name

    training_cache.train_or_restore(build("third", learning_rate=1e-3), str(cache / "key-three"))
    assert last_line(capsys) == f"{training_cache.TRAINING_MARKER} trained"
    training_cache.train_or_restore(build("fourth"), str(cache / "key-four"), writable=False)
    assert last_line(capsys) == f"{training_cache.TRAINING_MARKER} trained"
    assert not Path(cache / "key-four").exists()


def test_the_checkpoints_a_run_saves_do_not_change_its_fingerprint(build):
    """Saving writes files; it does not change the training (its weights, losses and random state:
    the next test), so lesson 3, which saves a checkpoint each epoch, shares lesson 8's fine-tune."""
    saving = build("saving", save_strategy="steps", save_steps=1, save_total_limit=1)
    assert training_cache.training_fingerprint(saving) == training_cache.training_fingerprint(build("plain"))


def files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()
    }


TIMINGS = ("_runtime", "_per_second")


def assert_same_training(trained: Trainer, restored: Trainer) -> None:
    import dataclasses

    def state(trainer: Trainer) -> dict:  # without the timings, which differ between two trainings
        fields = dataclasses.asdict(trainer.state)
        fields["log_history"] = [{k: v for k, v in e.items() if not k.endswith(TIMINGS)} for e in fields["log_history"]]
        return fields

    assert state(restored) == state(trained)
    restored_weights = restored.model.state_dict()
    for name, tensor in trained.model.state_dict().items():
        assert torch.equal(tensor, restored_weights[name]), name


def test_a_saving_run_restores_its_checkpoints_and_a_run_saving_none_restores_without_them(build, tmp_path, capsys):
    """Against the same runs trained for real: a run that saves the same checkpoints gets them, bit
    for bit, in its own output folder (``training_args.bin`` holds its own arguments), older ones
    removed past ``save_total_limit``; a run that saves none gets none and the state such a run
    leaves; a run that saves other checkpoints than the entry kept trains."""
    cache, saving = tmp_path / "cache", dict(save_strategy="steps", save_steps=1, save_total_limit=1)
    training_cache.train_or_restore(build("first", **saving), str(cache / "key-one"))
    assert last_line(capsys) == f"{training_cache.TRAINING_MARKER} trained"

    trained = build("trained", **saving)
    trained.train()
    (tmp_path / "restored" / "checkpoint-1").mkdir(parents=True)  # an older run's, which train() removes
    (tmp_path / "restored" / "checkpoint-1" / "trainer_state.json").write_text("{}")
    restored = build("restored", **saving)
    training_cache.train_or_restore(restored, str(cache / "key-two"))
    assert last_line(capsys) == f"{training_cache.TRAINING_MARKER} restored"
    assert_same_training(trained, restored)
    assert sorted(p.name for p in (tmp_path / "restored").iterdir()) == ["checkpoint-2"]
    written, kept = files(tmp_path / "trained"), files(tmp_path / "restored")
    arguments = "checkpoint-2/training_args.bin"  # pickled arguments: they name the output folder
    assert {**kept, arguments: b""} == {**written, arguments: b""}
    assert torch.load(tmp_path / "restored" / arguments, weights_only=False).to_dict() == restored.args.to_dict()

    trained_plain = build("trained-plain")
    trained_plain.train()
    plain = build("plain")
    training_cache.train_or_restore(plain, str(cache / "key-three"))
    assert last_line(capsys) == f"{training_cache.TRAINING_MARKER} restored"
    assert_same_training(trained_plain, plain)
    assert not list((tmp_path / "plain").glob("checkpoint-*")) and not list((tmp_path / "trained-plain").glob("*/"))

    other = build("other", save_strategy="steps", save_steps=2)
    training_cache.train_or_restore(other, str(cache / "key-four"))
    assert last_line(capsys) == f"{training_cache.TRAINING_MARKER} trained"
    assert sorted(p.name for p in (tmp_path / "other").iterdir()) == ["checkpoint-2"]


def test_a_cell_that_trains_twice_gets_two_entries(build, tmp_path, capsys):
    """Lesson 8 trains one model per seed in a loop, in one cell: the cells run so far are the same
    for both trainings, and the second must train, not restore the first."""
    cells = ["for seed in (1, 2): ..."]
    with training_cache.served_in_process(str(tmp_path / "cache"), cells):
        first, second = build("seed-1", seed=1), build("seed-2", seed=2)
        first.train()
        assert last_line(capsys) == f"{training_cache.TRAINING_MARKER} trained"
        second.train()
        assert last_line(capsys) == f"{training_cache.TRAINING_MARKER} trained"
    assert first.state.log_history[-1]["train_loss"] != second.state.log_history[-1]["train_loss"]
    assert len([entry for entry in (tmp_path / "cache").iterdir() if entry.is_dir() and not entry.is_symlink()]) == 2
