"""The local GLUE MRPC metric gives what scikit-learn gives, through evaluate.load."""

from __future__ import annotations

import evaluate
import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from helpers import compute_metrics, load_mrpc_metric
from helpers.profiles import LOCAL_METRIC_DIR


@pytest.fixture(scope="module")
def metric(offline_profile):
    return load_mrpc_metric(offline_profile)


@pytest.mark.parametrize("seed", range(5))
def test_matches_scikit_learn_on_random_labels(metric, seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(5, 500))
    references = rng.integers(0, 2, size)
    predictions = np.where(rng.random(size) < 0.7, references, 1 - references)
    result = metric.compute(predictions=predictions, references=references)
    assert set(result) == {"accuracy", "f1"}
    assert result["accuracy"] == pytest.approx(accuracy_score(references, predictions))
    assert result["f1"] == pytest.approx(f1_score(references, predictions))


def test_no_positive_class_gives_f1_zero_like_scikit_learn(metric):
    result = metric.compute(predictions=[0, 0, 0], references=[0, 0, 0])
    assert result == {"accuracy": 1.0, "f1": f1_score([0, 0, 0], [0, 0, 0], zero_division=0.0)}


def test_evaluate_load_of_the_folder_works_offline():
    metric = evaluate.load(str(LOCAL_METRIC_DIR), "mrpc")
    assert metric.compute(predictions=[0, 1, 1, 0, 1], references=[0, 1, 0, 0, 1]) == pytest.approx(
        {"accuracy": 0.8, "f1": 0.8}
    )


def test_unknown_config_is_refused():
    with pytest.raises(KeyError, match="only knows the 'mrpc' config"):
        evaluate.load(str(LOCAL_METRIC_DIR), "cola")


def test_compute_metrics_takes_argmax_of_logits(metric):
    logits = np.array([[2.0, -1.0], [0.5, 1.5], [-0.3, 0.2], [1.0, 0.0]])
    labels = np.array([0, 1, 0, 1])
    result = compute_metrics((logits, labels), metric)
    assert result["accuracy"] == pytest.approx(0.5)
    assert result["f1"] == pytest.approx(f1_score(labels, [0, 1, 1, 0]))
