"""python -m course local-copies: GLUE MRPC written in GLUE's TSV layout reads back exactly, and
without the Hub the script stops with one message naming the fix."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from course.data.local_copies import write_glue_folder
from helpers import load_mrpc_folder
from helpers.data import NO_LABEL


def test_a_written_copy_reads_back_as_the_same_pairs(bundled, tmp_path):
    # The Hub's test split has no labels (-1); make the bundled one look the same.
    hub_like = bundled.copy()
    hub_like["test"] = bundled["test"].map(lambda pair: {"label": NO_LABEL})
    counts = write_glue_folder(hub_like, tmp_path / "glue-mrpc")
    assert counts == {"train": 480, "validation": 120, "test": 120}
    assert (tmp_path / "glue-mrpc" / "test.tsv").read_text().startswith("index\t#1 ID")

    copy = load_mrpc_folder(tmp_path / "glue-mrpc")
    for split in ("train", "validation", "test"):
        for column in ("sentence1", "sentence2", "label"):
            assert copy[split][column] == hub_like[split][column], (split, column)
    assert all(copy[split].features == bundled["train"].features for split in copy)


@pytest.mark.slow
def test_without_the_hub_it_names_the_fix(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "course", "local-copies", str(tmp_path / "copies")],
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "needs the Hugging Face Hub, but HF_HUB_OFFLINE is set" in done.stderr and "Fix:" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "copies").exists()
