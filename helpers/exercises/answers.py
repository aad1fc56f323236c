"""What the checks of several lessons share: reading an answer as a number, softmax, the
scikit-learn scores, a small table of logits and labels (and its variant, another table drawn
per student), and calling a function answer.

Each exists once; the lesson modules import them. The messages here name what they read
through ``what`` or ``name`` (already translated by the caller), so that one template serves
every lesson.
"""

from __future__ import annotations

import numpy as np

from ..i18n import N_
from . import CarriedError, NotAnswered, blank, wrong
from .carry import type_name

# Logits and labels of 10 pairs that the checks of function answers feed them (lesson 5's
# compute_metrics, lesson 6's evaluation loop), chosen so that the usual mistakes give other
# scores than the right answer: predictions 0110110101 against labels 0101111110.
LOGITS = np.array(
    [
        [2.0, -1.0],
        [0.5, 1.5],
        [-0.3, 0.2],
        [1.0, 0.0],
        [0.1, 0.9],
        [-1.0, 2.0],
        [0.3, -0.2],
        [0.0, 1.0],
        [1.2, 0.4],
        [-0.5, 0.5],
    ],
    dtype=np.float32,
)
LABELS = np.array([0, 1, 0, 1, 1, 1, 1, 1, 1, 0])
# The name under which a variant gives those checks other logits and labels (a function answer is
# called on inputs of the check's own: its variant is another table).
CHECK_TABLE = "_check_logits_and_labels"

NOT_WHOLE_FLOAT = N_("give {what} as one whole number (an int), not the float {answer}.")
NOT_WHOLE = N_("give {what} as one whole number (an int), not {type}.")
NOT_A_NUMBER = N_("give {what} as one number, not {type}.")
NOT_AN_ARRAY = N_("{name} should be a NumPy array (or a torch tensor), not {type}.")
NOT_A_FUNCTION = N_("{name} should be a function, not {type}.")


def whole_number(answer, what: str) -> int:
    """The answer as an int (a NumPy or torch integer too); else WrongAnswer naming ``what``
    (already translated, e.g. ``_("the position")``)."""
    if isinstance(answer, bool) or not isinstance(answer, int):
        if getattr(answer, "ndim", None) == 0 and float(answer.item()).is_integer():  # a NumPy or torch scalar
            return int(answer.item())
        if isinstance(answer, float):
            raise wrong(NOT_WHOLE_FLOAT, what=what, answer=answer)
        raise wrong(NOT_WHOLE, what=what, type=type_name(answer))
    return answer


def number(answer, what: str) -> float:
    """The answer as a float; else WrongAnswer naming ``what`` (already translated)."""
    try:
        return float(answer)
    except (TypeError, ValueError):
        raise wrong(NOT_A_NUMBER, what=what, type=type_name(answer)) from None


def as_array(answer, name: str) -> np.ndarray:
    """A NumPy array or a torch tensor as a float or integer NumPy array; else WrongAnswer."""
    if hasattr(answer, "detach"):  # a torch tensor
        answer = answer.detach().cpu()
        answer = (answer.float() if answer.is_floating_point() else answer).numpy()
    if not isinstance(answer, np.ndarray):
        raise wrong(NOT_AN_ARRAY, name=name, type=type_name(answer))
    return answer


def softmax(logits, axis: int = -1) -> np.ndarray:
    """Probabilities from logits along ``axis``, with each slice's maximum subtracted first."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def scores(predictions, references) -> dict[str, float]:
    """Accuracy, and the F1, precision and recall of class 1, by scikit-learn."""
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    return {
        "accuracy": float(accuracy_score(references, predictions)),
        "f1": float(f1_score(references, predictions, zero_division=0)),
        "precision": float(precision_score(references, predictions, zero_division=0)),
        "recall": float(recall_score(references, predictions, zero_division=0)),
    }


def same_scores(got: dict, expected: dict, keys) -> bool:
    return all(np.isclose(got[key], expected[key]) for key in keys)


# --- the table a function answer is called on, and its variant ------------------------------------------


def table_of(namespace: dict) -> tuple[np.ndarray, np.ndarray]:
    """Copies of the logits and labels the check calls a function answer on: LOGITS and LABELS, or
    the variant's where it put others under CHECK_TABLE."""
    logits, labels = namespace.get(CHECK_TABLE, (LOGITS, LABELS))
    return np.array(logits, dtype=np.float32), np.array(labels)


def table_scores(namespace: dict) -> dict[str, float]:
    """The scores of the check's table: what a right function answer returns for it."""
    logits, labels = table_of(namespace)
    return scores(logits.argmax(axis=-1), labels)


def another_table(rng, namespace: dict) -> dict:
    """A variant of the check's table: 12 to 20 pairs of logits (one decimal, no ties) and labels,
    both classes among the labels and among the predictions."""
    while True:
        size = rng.randint(12, 20)
        logits = np.array(
            [[rng.randint(-20, 20) / 10, rng.randint(-20, 20) / 10] for _row in range(size)], dtype=np.float32
        )
        labels = np.array([rng.randint(0, 1) for _row in range(size)])
        predicted = logits.argmax(axis=-1)
        if (logits[:, 0] != logits[:, 1]).all() and {0, 1} <= set(labels) and {0, 1} <= set(predicted):
            return {CHECK_TABLE: (logits, labels)}


# --- function answers: called where they live (a probe), judged as data ------------------------------


def call(function, *args) -> dict:
    """What calling a function answer gives, as data for its checker: ``{"callable": False,
    "type": ...}`` for an answer that is no function, ``{"callable": True, "result": ...}``, or
    ``{"callable": True, "raised": [error type, message]}``. NotAnswered while it returns ____."""
    if not callable(function):
        return {"callable": False, "type": type_name(function)}
    try:
        result = function(*args)
    except Exception as error:  # the student's code: its error is data for the checker
        return {"callable": True, "raised": [type(error).__name__, str(error)]}
    if blank(result):
        raise NotAnswered
    return {"callable": True, "result": result}


def called(data: dict, name: str):
    """The result that :func:`call` carried. WrongAnswer for an answer that is no function; a
    :class:`CarriedError` (with the original type's name) for a call that raised."""
    if not data.get("callable"):
        raise wrong(NOT_A_FUNCTION, name=name, type=data.get("type", "?"))
    if "raised" in data:
        raise CarriedError(*data["raised"])
    return data["result"]
