"""Metrics for MRPC: ``evaluate.load`` that also works offline, and ``compute_metrics``."""

from __future__ import annotations

import numpy as np

from .profiles import LOCAL_METRIC_DIR, Profile


def load_mrpc_metric(profile: Profile | None = None):
    """``evaluate.load("glue", "mrpc")`` when the run uses the Hub; the bundled local copy otherwise
    (the offline profile, or any profile given local copies of the model and the data)."""
    # Imported here, not with the helpers: `import evaluate` brings in transformers' pipelines
    # (about 4 s on a 2-core CPU), which only the lessons that score predictions need.
    import evaluate

    path = profile.metric_path if profile is not None else str(LOCAL_METRIC_DIR)
    return evaluate.load(path, "mrpc")


def compute_metrics(eval_pred, metric=None):
    """Trainer hook: logits and labels in, ``{'accuracy': ..., 'f1': ...}`` out."""
    metric = metric or load_mrpc_metric()
    logits, labels = eval_pred
    predictions = np.argmax(logits, axis=-1)
    return metric.compute(predictions=predictions, references=labels)
