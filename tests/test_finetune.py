"""End to end: lesson 4's own fine-tune of the offline model on the bundled data learns the task.

The notebook's code cells, up to and including its ``trainer.train()``, run here as in its
kernel; under ``make test`` that training is served from the run's training cache under the
notebook's own key, so the notebook and this test train once between them.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from answers import run_cells, training_cell_index
from course.catalog import ROOT
from helpers import compute_metrics, load_mrpc_metric

pytestmark = pytest.mark.slow  # it trains (or restores lesson 4's training)

LESSON_4 = ROOT / "notebooks" / "04_predictions_softmax.ipynb"


def cells_through_training(path) -> list[str]:
    """The notebook's code cells, in order, up to and including the first that trains."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    return cells[: training_cell_index(cells) + 1]


def test_the_lessons_fine_tune_beats_the_majority_class(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "offline")
    monkeypatch.setenv("COURSE_OUTPUT_DIR", str(tmp_path / "runs"))
    monkeypatch.chdir(tmp_path)
    namespace = run_cells(cells_through_training(LESSON_4), LESSON_4.name)

    validation = namespace["tokenized_datasets"]["validation"]
    predictions = namespace["trainer"].predict(validation)
    scores = compute_metrics((predictions.predictions, predictions.label_ids), load_mrpc_metric(namespace["profile"]))

    labels = np.array(validation["label"])
    majority = np.bincount(labels).max() / len(labels)
    print(f"validation accuracy {scores['accuracy']:.4f}, F1 {scores['f1']:.4f}, majority {majority:.4f}")
    assert scores["accuracy"] >= majority + 0.10
    # Always answering "equivalent" has F1 = 2p / (1 + p) with p the share of paraphrases.
    assert scores["f1"] > 2 * majority / (1 + majority)
