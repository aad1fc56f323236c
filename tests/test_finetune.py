"""End to end: fine-tuning the offline model on the bundled data learns the task.

Same settings as the notebooks (the offline profile's epochs, batch size and learning
rate); the run is the session's ``trained`` fixture, shared with the exercise tests.
"""

from __future__ import annotations

import numpy as np


def test_offline_finetune_beats_the_majority_class(trained, tokenized):
    result = trained["evaluation"]

    labels = np.array(tokenized["validation"]["label"])
    majority = np.bincount(labels).max() / len(labels)
    print(f"validation accuracy {result['eval_accuracy']:.4f}, F1 {result['eval_f1']:.4f}, majority {majority:.4f}")
    assert result["eval_accuracy"] >= majority + 0.10
    # Always answering "equivalent" has F1 = 2p / (1 + p) with p the share of paraphrases.
    assert result["eval_f1"] > 2 * majority / (1 + majority)
