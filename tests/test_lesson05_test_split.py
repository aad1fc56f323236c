"""Lesson 5 scores its best model on the test split, the pairs nothing was chosen on, and only where
that split has labels: GLUE's own test.tsv has none (the course reads each of its labels as -1), and
then the cell says so instead of reporting a score. The committed run (the bundled pairs) takes the
first way only, so the cell's code is run here on both kinds of data, with a stand-in trainer.

The Hub's copy, which the full profile loads, has the MSR corpus's test labels: huggingface/datasets
pull request 2216 ("added real label for glue/mrpc to test set", glue.py, 2021), and issue 6506
there finds every other GLUE task's test labels at -1 and MRPC's real."""

from __future__ import annotations

import contextlib
import io
import json

from course.catalog import ROOT
from glue_files import write_tsv
from helpers import BUNDLED_DATA_DIR, load_mrpc_folder

LESSON = ROOT / "notebooks" / "05_compute_metrics.ipynb"


def lesson_test_split_cell() -> str:
    cells = json.loads(LESSON.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    found = [source for source in sources if 'metric_key_prefix="test"' in source]
    assert len(found) == 1, "lesson 5 has one cell that evaluates on the test split"
    return found[0]


class StandInTrainer:
    """Records what trainer.evaluate was asked, and answers with made-up test scores."""

    def __init__(self):
        self.calls = []

    def evaluate(self, eval_dataset=None, metric_key_prefix="eval"):
        self.calls.append((len(eval_dataset), metric_key_prefix))
        return {f"{metric_key_prefix}_loss": 0.5, f"{metric_key_prefix}_accuracy": 0.75, f"{metric_key_prefix}_f1": 0.8}


def run_cell(datasets):
    trainer = StandInTrainer()
    namespace = {"tokenized_datasets": datasets, "trainer": trainer}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(lesson_test_split_cell(), namespace)
    return namespace["test_result"], printed.getvalue(), trainer.calls


def test_a_labelled_test_split_is_scored():
    result, printed, calls = run_cell(load_mrpc_folder(BUNDLED_DATA_DIR))
    assert calls == [(120, "test")]
    assert result["test_accuracy"] == 0.75
    assert printed == "test accuracy 0.7500, F1 0.8000 (120 pairs)\n"


def test_glues_unlabelled_test_split_gets_no_score(tmp_path):
    pair = "1\t1\t2\tShares rose 5 percent .\tThe stock gained 5 percent ."
    write_tsv(tmp_path / "train.tsv", [pair])
    write_tsv(tmp_path / "dev.tsv", [pair])
    # GLUE's own test.tsv: an index column instead of labels.
    unlabelled = ["0\t3\t4\tThe COO of PCCW quit .\tPCCW 's chief operating officer resigned .", "1" + pair[1:]]
    write_tsv(tmp_path / "test.tsv", unlabelled, header="index\t#1 ID\t#2 ID\t#1 String\t#2 String")
    result, printed, calls = run_cell(load_mrpc_folder(tmp_path))
    assert calls == [], "no score on labels that are all -1"
    assert result is None
    assert printed == "all 2 test labels are -1: this copy of MRPC has no test labels, so no test score\n"
