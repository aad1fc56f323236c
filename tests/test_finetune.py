"""End to end: fine-tuning the offline model on the bundled data learns the task.

Same settings as the notebooks (the offline profile's epochs, batch size and learning
rate). About a minute on a 2-core CPU.
"""

from __future__ import annotations

import numpy as np

from training import make_trainer


def test_offline_finetune_beats_the_majority_class(offline_profile, tokenizer, tokenized, tmp_path):
    trainer = make_trainer(offline_profile, tokenizer, tokenized, tmp_path)
    trainer.train()
    result = trainer.evaluate()

    labels = np.array(tokenized["validation"]["label"])
    majority = np.bincount(labels).max() / len(labels)
    print(f"validation accuracy {result['eval_accuracy']:.4f}, F1 {result['eval_f1']:.4f}, majority {majority:.4f}")
    assert result["eval_accuracy"] >= majority + 0.10
    # Always answering "equivalent" has F1 = 2p / (1 + p) with p the share of paraphrases.
    assert result["eval_f1"] > 2 * majority / (1 + majority)
