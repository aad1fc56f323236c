"""Shared fixtures: the offline profile, the bundled data (raw and tokenized once) and the
tokenizer. GLUE-layout files: ``glue_files.py``. The Trainer factory for the training tests is
in ``training.py``; running a notebook's cells in the test process, in ``answers.py``."""

from __future__ import annotations

import pytest

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
