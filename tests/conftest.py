"""Shared fixtures: the offline profile, the bundled data (raw and tokenized once), the
tokenizer and a model fine-tuned once for every test that needs one. GLUE-layout files:
``glue_files.py``. The Trainer factory for the training tests is in ``training.py``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from course import training_cache
from helpers import load_mrpc, quiet_library_output, resolve_profile


@pytest.fixture(scope="session")
def offline_profile():
    return resolve_profile({"COURSE_PROFILE": "offline"})


@pytest.fixture(scope="session")
def bundled(offline_profile):
    return load_mrpc(offline_profile)


@pytest.fixture(scope="session")
def tokenizer(offline_profile):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(offline_profile.checkpoint)


@pytest.fixture(scope="session")
def tokenized(bundled, tokenizer):
    quiet_library_output()
    return bundled.map(lambda batch: tokenizer(batch["sentence1"], batch["sentence2"], truncation=True), batched=True)


@pytest.fixture(scope="session")
def trained(offline_profile, tokenizer, tokenized, tmp_path_factory):
    """The offline fine-tune with the notebooks' settings, trained once for all the tests that need a
    trained model (about a minute and a half on a 2-core CPU; under make test, once for every test
    process, through the run's training cache): its validation metrics and predictions, and the
    model itself (tests that change it work on a copy).

    Both are computed right after training: a Trainer built later (by another test) resets the
    shared Accelerate state that this Trainer's evaluate() would need.
    """
    from training import make_trainer

    trainer = make_trainer(offline_profile, tokenizer, tokenized, tmp_path_factory.mktemp("trained"))
    cache = os.environ.get(training_cache.CACHE_VARIABLE)
    if cache:  # make test: one training for every test process of the run
        import torch

        code = [Path(__file__).with_name("training.py").read_text(encoding="utf-8"), "the trained fixture"]
        entry = training_cache.entry(cache, training_cache.key(code, training_cache.identity(torch.get_num_threads())))
        training_cache.train_or_restore(trainer, str(entry))
    else:
        trainer.train()
    return {
        "evaluation": trainer.evaluate(),
        "predictions": trainer.predict(tokenized["validation"]),
        "model": trainer.model,
    }
