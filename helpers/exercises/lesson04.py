"""Exercises for notebook 4: softmax over all predictions, accuracy, the most confident mistake."""

from __future__ import annotations

import numpy as np

from ..i18n import N_, _
from . import Exercise, ExerciseSet, WrongAnswer, needs
from .lesson01 import whole_number


def softmax(logits, axis=-1):
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def as_array(answer, name: str) -> np.ndarray:
    if hasattr(answer, "detach"):  # a torch tensor
        answer = answer.detach().cpu().numpy()
    if not isinstance(answer, np.ndarray):
        raise WrongAnswer(
            _("{name} should be a NumPy array (or a torch tensor), not {type}.").format(
                name=name, type=type(answer).__name__
            )
        )
    return answer


def logits_and_labels(namespace):
    predictions = needs(namespace, "predictions")
    return np.asarray(predictions.predictions), np.asarray(predictions.label_ids)


def check_probabilities(answer, namespace) -> str:
    logits, _labels = logits_and_labels(namespace)
    answer = as_array(answer, "probabilities")
    if answer.shape != logits.shape:
        raise WrongAnswer(
            _(
                "probabilities has shape {shape}; it should have the logits' shape {expected}: "
                "one row of class probabilities per pair. Apply softmax to the whole array at once."
            ).format(shape=answer.shape, expected=logits.shape)
        )
    if np.allclose(answer, logits):
        raise WrongAnswer(_("those are the logits themselves. Softmax turns them into probabilities."))
    if np.allclose(answer, softmax(logits, axis=0), atol=1e-6):
        raise WrongAnswer(
            _(
                "softmax over the wrong axis: your columns sum to 1. Each row (one pair) should sum to 1: "
                "use axis=-1 (or dim=-1 in torch)."
            )
        )
    if np.allclose(answer, 1 / (1 + np.exp(-logits)), atol=1e-6):
        raise WrongAnswer(_("that is the sigmoid of each logit; softmax compares the two logits of a pair."))
    if not np.allclose(answer, softmax(logits), atol=1e-5):
        raise WrongAnswer(_("the rows are not the softmax of the logits: exp(x - max) / sum of exp(x - max), per row."))
    return _(
        "{rows} rows that each sum to 1: row i holds the model's probability of "
        "not_equivalent and equivalent for pair i."
    ).format(rows=answer.shape[0])


def check_accuracy(answer, namespace) -> str:
    logits, labels = logits_and_labels(namespace)
    expected = float((logits.argmax(axis=-1) == labels).mean())
    try:
        answer = float(answer)
    except (TypeError, ValueError):
        raise WrongAnswer(
            _("give the accuracy as one number, not {type}.").format(type=type(answer).__name__)
        ) from None
    if np.isclose(answer, 1 - expected) and not np.isclose(expected, 0.5):
        raise WrongAnswer(_("that is the error rate, the share of mistakes. Accuracy is the share of right answers."))
    if np.isclose(answer, expected * 100):
        raise WrongAnswer(_("that is a percentage; give the accuracy as a fraction between 0 and 1."))
    if np.isclose(answer, np.bincount(labels).max() / len(labels)) and not np.isclose(answer, expected):
        raise WrongAnswer(
            _(
                "that is the majority-class rate, the accuracy of always answering the most frequent label. "
                "Compare the argmax of the logits with label_ids."
            )
        )
    if not np.isclose(answer, expected):
        raise WrongAnswer(
            _(
                "{answer:.4f} is not it. Predictions are the argmax over the last axis of the logits; accuracy "
                "is the mean of (predictions == label_ids)."
            ).format(answer=answer)
        )
    return _("{expected:.4f}: the share of validation pairs whose largest logit is the true label.").format(
        expected=expected
    )


def check_most_confident_mistake(answer, namespace) -> str:
    logits, labels = logits_and_labels(namespace)
    probabilities = softmax(logits)
    predicted = probabilities.argmax(axis=-1)
    confidence = probabilities.max(axis=-1)
    wrong = np.flatnonzero(predicted != labels)
    if len(wrong) == 0:
        if answer is None:
            return _("The model made no mistakes here, so there is none to show.")
        raise WrongAnswer(_("the model made no mistake on these pairs: the answer is None."))
    expected = int(wrong[np.argmax(confidence[wrong])])
    answer = whole_number(answer, _("the index of the pair"))
    if not 0 <= answer < len(labels):
        raise WrongAnswer(
            _("{answer} is not an index of the validation split (0 to {last}).").format(
                answer=answer, last=len(labels) - 1
            )
        )
    if predicted[answer] == labels[answer]:
        raise WrongAnswer(
            _("the model got pair {answer} right. Look only among the mistakes: predictions != label_ids.").format(
                answer=answer
            )
        )
    if answer == int(wrong[np.argmin(confidence[wrong])]) and answer != expected:
        raise WrongAnswer(_("that is the least confident mistake; take the mistake with the highest confidence."))
    if answer != expected:
        raise WrongAnswer(
            _(
                "pair {answer} is a mistake, but not the most confident one ({confidence:.3f}); "
                "take the largest probability of the predicted class among the mistakes."
            ).format(answer=answer, confidence=confidence[answer])
        )
    return _(
        "Pair {expected}: wrong with {confidence:.3f} confidence. Confident mistakes show what "
        "the model has not learned; read the two sentences."
    ).format(expected=expected, confidence=confidence[expected])


q1 = Exercise(
    label=N_("Exercise 1"),
    answer_name="probabilities",
    checker=check_probabilities,
    hint_text=N_(
        "The notebook's softmax(x, axis=-1) works on a whole array: subtract each row's max, exp, "
        "divide by each row's sum. Or F.softmax(torch.tensor(logits), dim=-1)."
    ),
    solution_code="""
        logits = predictions.predictions
        shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=-1, keepdims=True)
    """,
)

q2 = Exercise(
    label=N_("Exercise 2"),
    answer_name="accuracy",
    checker=check_accuracy,
    hint_text=N_(
        "np.argmax(predictions.predictions, axis=-1) gives the predicted classes; compare them with "
        "predictions.label_ids and take the mean."
    ),
    solution_code="""
        predicted = np.argmax(predictions.predictions, axis=-1)
        accuracy = float((predicted == predictions.label_ids).mean())
    """,
)

q3 = Exercise(
    label=N_("Exercise 3"),
    answer_name="most_confident_mistake",
    checker=check_most_confident_mistake,
    hint_text=N_(
        "Confidence is the probability of the predicted class: probabilities.max(axis=-1). "
        "np.flatnonzero(predicted != labels) gives the indices of the mistakes; pick the one whose confidence "
        "is largest."
    ),
    solution_code="""
        logits = predictions.predictions
        shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=-1, keepdims=True)
        predicted = probabilities.argmax(axis=-1)
        confidence = probabilities.max(axis=-1)
        mistakes = np.flatnonzero(predicted != predictions.label_ids)
        most_confident_mistake = int(mistakes[np.argmax(confidence[mistakes])])
    """,
)

exercises = ExerciseSet(q1, q2, q3)
progress = exercises.progress
