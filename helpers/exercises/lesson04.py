"""Exercises for notebook 4: softmax over all predictions, accuracy, the most confident mistake.
Each is also judged on a variant of ``predictions``: a subset of its rows, chosen per student."""

from __future__ import annotations

import numpy as np

from ..i18n import N_, _
from . import Exercise, ExerciseSet, Mistake, Variant, WrongAnswer, needs, wrong
from .answers import NOT_A_NUMBER, NOT_AN_ARRAY, NOT_WHOLE, as_array, number, softmax, whole_number
from .variants import some_rows

# The messages of the usual mistakes: each check raises them, each exercise's mistakes name them.
THE_LOGITS = N_("those are the logits themselves. Softmax turns them into probabilities.")
WRONG_AXIS = N_(
    "softmax over the wrong axis: your columns sum to 1. Each row (one pair) should sum to 1: "
    "use axis=-1 (or dim=-1 in torch)."
)
SIGMOID = N_("that is the sigmoid of each logit; softmax compares the two logits of a pair.")
ERROR_RATE = N_("that is the error rate, the share of mistakes. Accuracy is the share of right answers.")
PERCENTAGE = N_("that is a percentage; give the accuracy as a fraction between 0 and 1.")
MAJORITY_RATE = N_(
    "that is the majority-class rate, the accuracy of always answering the most frequent label. "
    "Compare the argmax of the logits with label_ids."
)
GOT_IT_RIGHT = N_("the model got pair {answer} right. Look only among the mistakes: predictions != label_ids.")
LEAST_CONFIDENT = N_("that is the least confident mistake; take the mistake with the highest confidence.")
CONFIDENCE_NOT_INDEX = N_(
    "{answer:.3f} is the confidence of the most confident mistake; store the index of its pair: "
    "max() gives the largest value, np.argmax() where it is."
)
POSITION_AMONG_MISTAKES = N_(
    "{answer} is where the most confident mistake sits in your array of mistakes, not the index of its "
    "pair in the validation split. Map the position back to the pair: mistakes[position]."
)


def logits_and_labels(namespace):
    predictions = needs(namespace, "predictions")
    return np.asarray(predictions.predictions), np.asarray(predictions.label_ids)


def some_predictions(rng, namespace) -> dict:
    """The variant of every exercise here: ``predictions`` with a subset of its rows (at least half,
    in their order), as ``trainer.predict`` would give them for those pairs."""
    from transformers.trainer_utils import PredictionOutput

    predictions = needs(namespace, "predictions")
    logits, labels = logits_and_labels(namespace)
    rows = some_rows(rng, len(labels))
    return {
        "predictions": PredictionOutput(predictions=logits[rows], label_ids=labels[rows], metrics=predictions.metrics)
    }


def probabilities_of(namespace) -> np.ndarray:
    return softmax(logits_and_labels(namespace)[0])


def accuracy_of(namespace) -> float:
    logits, labels = logits_and_labels(namespace)
    return float((logits.argmax(axis=-1) == labels).mean())


def most_confident_mistake_of(namespace) -> int | None:
    """The row of the mistake made with the highest confidence; None without a mistake."""
    logits, labels = logits_and_labels(namespace)
    probabilities = softmax(logits)
    mistakes = np.flatnonzero(probabilities.argmax(axis=-1) != labels)
    if len(mistakes) == 0:
        return None
    return int(mistakes[np.argmax(probabilities.max(axis=-1)[mistakes])])


def some_predictions_variant(expected) -> Variant:
    """The variant of ``predictions`` of one of this lesson's exercises, whose right answer is ``expected``."""
    return Variant(
        names=("predictions",),
        here=N_("the notebook's predictions"),
        other=N_("a subset of them"),
        uses=("predictions.predictions", "predictions.label_ids"),
        pick=some_predictions,
        expected=expected,
    )


def check_probabilities(answer, namespace) -> str:
    logits, _labels = logits_and_labels(namespace)
    answer = as_array(answer, "probabilities")
    if answer.shape == logits.shape and np.allclose(answer, softmax(logits), atol=1e-5):
        return _(
            "{rows} rows that each sum to 1: row i holds the model's probability of "
            "not_equivalent and equivalent for pair i."
        ).format(rows=answer.shape[0])
    if answer.shape != logits.shape:
        raise WrongAnswer(
            _(
                "probabilities has shape {shape}; it should have the logits' shape {expected}: "
                "one row of class probabilities per pair. Apply softmax to the whole array at once."
            ).format(shape=answer.shape, expected=logits.shape)
        )
    if np.allclose(answer, logits):
        raise wrong(THE_LOGITS)
    if np.allclose(answer, softmax(logits, axis=0), atol=1e-6):
        raise wrong(WRONG_AXIS)
    if np.allclose(answer, 1 / (1 + np.exp(-logits)), atol=1e-6):
        raise wrong(SIGMOID)
    raise WrongAnswer(_("the rows are not the softmax of the logits: exp(x - max) / sum of exp(x - max), per row."))


def check_accuracy(answer, namespace) -> str:
    _logits, labels = logits_and_labels(namespace)
    expected = accuracy_of(namespace)
    answer = number(answer, _("the accuracy"))
    if np.isclose(answer, expected):
        return _("{expected:.4f}: the share of validation pairs whose largest logit is the true label.").format(
            expected=expected
        )
    if np.isclose(answer, 1 - expected) and not np.isclose(expected, 0.5):
        raise wrong(ERROR_RATE)
    if np.isclose(answer, expected * 100):
        raise wrong(PERCENTAGE)
    if np.isclose(answer, np.bincount(labels).max() / len(labels)):
        raise wrong(MAJORITY_RATE)
    raise WrongAnswer(
        _(
            "{answer:.4f} is not it. Predictions are the argmax over the last axis of the logits; accuracy "
            "is the mean of (predictions == label_ids)."
        ).format(answer=answer)
    )


def check_most_confident_mistake(answer, namespace) -> str:
    logits, labels = logits_and_labels(namespace)
    probabilities = softmax(logits)
    predicted = probabilities.argmax(axis=-1)
    confidence = probabilities.max(axis=-1)
    mistakes = np.flatnonzero(predicted != labels)
    if len(mistakes) == 0:
        if answer is None:
            return _("The model made no mistakes here, so there is none to show.")
        raise WrongAnswer(_("the model made no mistake on these pairs: the answer is None."))
    expected = most_confident_mistake_of(namespace)
    if isinstance(answer, float) and np.isclose(answer, confidence[expected]):
        raise wrong(CONFIDENCE_NOT_INDEX, answer=answer)
    answer = whole_number(answer, _("the index of the pair"))
    if not 0 <= answer < len(labels):
        raise WrongAnswer(
            _("{answer} is not an index of the validation split (0 to {last}).").format(
                answer=answer, last=len(labels) - 1
            )
        )
    if answer != expected and answer < len(mistakes) and mistakes[answer] == expected:
        raise wrong(POSITION_AMONG_MISTAKES, answer=answer)
    if predicted[answer] == labels[answer]:
        raise wrong(GOT_IT_RIGHT, answer=answer)
    if answer == int(mistakes[np.argmin(confidence[mistakes])]) and answer != expected:
        raise wrong(LEAST_CONFIDENT)
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
    mistakes=(
        Mistake("probabilities = predictions.predictions", THE_LOGITS),
        Mistake(
            "exp = np.exp(predictions.predictions)\nprobabilities = exp / exp.sum(axis=0, keepdims=True)", WRONG_AXIS
        ),
        Mistake("probabilities = 1 / (1 + np.exp(-predictions.predictions))", SIGMOID),
        Mistake("probabilities = list(predictions.predictions)", NOT_AN_ARRAY),
    ),
    variant=some_predictions_variant(probabilities_of),
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
    mistakes=(
        Mistake("accuracy = float((predictions.predictions.argmax(-1) != predictions.label_ids).mean())", ERROR_RATE),
        Mistake(
            "accuracy = 100 * float((predictions.predictions.argmax(-1) == predictions.label_ids).mean())", PERCENTAGE
        ),
        Mistake(
            "accuracy = float(np.bincount(predictions.label_ids).max() / len(predictions.label_ids))", MAJORITY_RATE
        ),
        Mistake("accuracy = predictions.predictions.argmax(-1) == predictions.label_ids", NOT_A_NUMBER),
    ),
    variant=some_predictions_variant(accuracy_of),
)

# Exercise 3's solution; its mistakes are this code with one change.
MOST_CONFIDENT_MISTAKE = """
logits = predictions.predictions
shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
probabilities = shifted / shifted.sum(axis=-1, keepdims=True)
predicted = probabilities.argmax(axis=-1)
confidence = probabilities.max(axis=-1)
mistakes = np.flatnonzero(predicted != predictions.label_ids)
most_confident_mistake = int(mistakes[np.argmax(confidence[mistakes])])
"""

q3 = Exercise(
    label=N_("Exercise 3"),
    answer_name="most_confident_mistake",
    checker=check_most_confident_mistake,
    hint_text=N_(
        "Confidence is the probability of the predicted class: probabilities.max(axis=-1). "
        "np.flatnonzero(predicted != labels) gives the indices of the mistakes; pick the one whose confidence "
        "is largest."
    ),
    solution_code=MOST_CONFIDENT_MISTAKE,
    mistakes=(
        Mistake(
            MOST_CONFIDENT_MISTAKE.replace(
                "int(mistakes[np.argmax(confidence[mistakes])])", "int(np.argmax(confidence))"
            ),
            GOT_IT_RIGHT,
        ),
        Mistake(
            MOST_CONFIDENT_MISTAKE.replace("np.argmax(confidence[mistakes])", "np.argmin(confidence[mistakes])"),
            LEAST_CONFIDENT,
        ),
        Mistake(
            MOST_CONFIDENT_MISTAKE.replace(
                "int(mistakes[np.argmax(confidence[mistakes])])", "int(np.argmax(confidence[mistakes]))"
            ),
            POSITION_AMONG_MISTAKES,
        ),
        Mistake(
            MOST_CONFIDENT_MISTAKE.replace(
                "int(mistakes[np.argmax(confidence[mistakes])])", "float(confidence[mistakes].max())"
            ),
            CONFIDENCE_NOT_INDEX,
        ),
        Mistake(
            MOST_CONFIDENT_MISTAKE.replace("int(mistakes[np.argmax(confidence[mistakes])])", "mistakes"), NOT_WHOLE
        ),
    ),
    variant=some_predictions_variant(most_confident_mistake_of),
)

exercises = ExerciseSet(q1, q2, q3)
progress = exercises.progress
