"""The ``full`` profile with local copies and no Hub at all: what a university cluster or an
exam room without internet gets. A tiny BERT saved by the test stands in for bert-base-uncased
(same vocabulary, a few layers, so it trains in seconds) and a copy of the bundled pairs for a
GLUE MRPC download. ``HF_HUB_OFFLINE=1`` makes any Hub access fail, so a run that still
reached for the Hub (the model, the data or the GLUE metric) would fail here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course.notebooks import run_notebook
from helpers import BUNDLED_DATA_DIR

pytestmark = pytest.mark.slow  # trains, and runs lessons 3 and 5 in kernels

ROOT = Path(__file__).resolve().parent.parent

# The lessons whose code trains and evaluates with the profile's settings and metric.
TRAINING_LESSONS = ["03_trainer_training", "05_compute_metrics"]


@pytest.fixture(scope="module")
def local_copies(tmp_path_factory, offline_profile, tokenizer):
    """A tiny BERT folder (saved with save_pretrained, as a local bert-base copy would be) and a
    GLUE-layout MRPC folder; the environment of a full-profile run that uses only them."""
    from training import save_tiny_bert

    root = tmp_path_factory.mktemp("local-copies")
    save_tiny_bert(root / "tiny-bert", tokenizer)
    shutil.copytree(BUNDLED_DATA_DIR, root / "glue-mrpc")
    env = {
        "COURSE_PROFILE": "full",
        "COURSE_MODEL": str(root / "tiny-bert"),
        "COURSE_MRPC_DIR": str(root / "glue-mrpc"),
        "COURSE_OUTPUT_DIR": str(root / "runs"),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
    }
    return root, env


def test_the_training_script_runs_the_full_profile_from_local_copies(local_copies):
    root, env = local_copies
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_mrpc.py"), "--epochs", "1", "--output-dir", str(root / "out")],
        cwd=root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((root / "out" / "results.json").read_text())
    assert results["profile"] == "full"
    assert "(COURSE_MODEL)" in results["checkpoint"]
    # The full profile's own settings: batch 16 over the 480 pairs, one epoch.
    assert results["per_device_train_batch_size"] == 16 and results["global_step"] == 30
    assert 0 <= results["accuracy"] <= 1 and 0 <= results["f1"] <= 1


@pytest.mark.parametrize("lesson", TRAINING_LESSONS)
def test_the_lessons_training_code_runs_the_full_profile_from_local_copies(local_copies, lesson, monkeypatch):
    root, env = local_copies
    for key, value in env.items():
        monkeypatch.setenv(key, value)  # the notebook's kernel inherits this environment
    target = root / f"{lesson}.ipynb"
    status, _, figures = run_notebook(ROOT / "notebooks" / f"{lesson}.ipynb", target, root, str(root))
    assert status == "ok", f"{lesson} failed with the full profile and local copies"
    text = target.read_text()
    assert "Course profile: full (set by COURSE_PROFILE)" in text
    assert "the course's local copy (helpers/glue_mrpc" in text
    # It trained with the full profile's settings (batch 16: 30 steps per epoch over the 480 pairs)
    # and evaluated with the local metric.
    if lesson == "03_trainer_training":
        assert figures["global_step"] == 30 * 3
    else:
        assert 0 <= figures["validation accuracy"] <= 1 and 0 <= figures["validation F1"] <= 1
