"""Exercises for notebook 8: LoRA's trainable share, class weights for a weighted loss, a bootstrap
confidence interval. The answers are numbers computed from the notebook's own objects (the rank, the
training labels, the predictions), each also judged on a variant of them; none trains."""

from __future__ import annotations

import math

import numpy as np

from ..i18n import N_, _
from . import Exercise, ExerciseSet, Mistake, Variant, WrongAnswer, needs, wrong
from .answers import NOT_A_NUMBER, as_array, number
from .variants import some_rows

SHARE_TOLERANCE = 1e-3  # exercise 1: relative; without the head the share is about 2% (bert-base: 1%) smaller
WEIGHT_TOLERANCE = 1e-3  # exercise 2: class weights
INTERVAL_TOLERANCE = 0.03  # exercise 3: a bootstrap interval's ends differ from one draw to the next
RESAMPLES = 2000

# The messages of the usual mistakes: each check raises them, each exercise's mistakes name them.
NO_TASK_TYPE = N_(
    "that share is too small: the classification head is frozen. Without task_type='SEQ_CLS' PEFT does not "
    "know that the model has a new head to train (modules_to_save), so it stays at its random start. Give "
    "LoraConfig(task_type='SEQ_CLS', ...)."
)
SHARE_PERCENTAGE = N_("{answer} is a percentage; give the share as a fraction between 0 and 1 (trainable / total).")
SHARE_UPSIDE_DOWN = N_("that is total / trainable, upside down: the share is trainable / total.")
OTHER_RANK = N_("that is the share for another rank than rank. Give LoraConfig(..., r=rank, ...).")
RANKS = (2, 4, 8, 16)  # the usual ranks that exercise 1's check tries for a share of another rank
VARIANT_RANKS = range(1, 33)  # the ranks a variant of exercise 1 draws from
WEIGHTS_INVERTED = N_(
    "the weights are inverted: the frequent class weighs more. A class's weight is pairs / (2 x pairs of that "
    "class), so the rarer class, not_equivalent, weighs more."
)
WEIGHTS_COUNTS = N_(
    "those are the counts of each class, not weights. Divide: len(labels) / (2 * counts), so the rarer class "
    "weighs more."
)
WEIGHTS_SHAPE = N_("give one weight per class, 2 numbers in the order of the label ids, not {shape}.")
WEIGHTS_NOT_THESE = N_(
    "those are not the weights: count each class in the training labels, counts = np.bincount(labels), and "
    "take len(labels) / (2 * counts)."
)
ONE_PERCENTILE = N_(
    "that is one number; a 95% interval is two, the 2.5th and the 97.5th percentiles of the bootstrap scores: "
    "np.percentile(scores, [2.5, 97.5])."
)
NINETY_PERCENT = N_(
    "that interval is too narrow: it looks like the 5th and 95th percentiles, a 90% interval. A 95% interval "
    "leaves 2.5% out on each side: np.percentile(scores, [2.5, 97.5])."
)
TRAINING_SPLIT = N_(
    "that interval is of the training split's accuracy. The model has seen those pairs; resample the "
    "validation pairs, validation_labels and validation_predictions."
)
INTERVAL_PERCENT = N_("give the ends as accuracies between 0 and 1, not percentages.")
NOT_A_PAIR = N_("give the interval as two numbers, (low, high), not {type}.")
LOW_ABOVE_HIGH = N_("the low end is above the high end: give (low, high).")
INTERVAL_NOT_IT = N_(
    "[{low:.3f}, {high:.3f}] is not the interval of the validation accuracy. Resample the validation pairs with "
    "replacement (as many as there are) 1,000 times or more, score each resample's accuracy, and take "
    "np.percentile(scores, [2.5, 97.5])."
)


# --- Exercise 1 -------------------------------------------------------------------------------------------


def lora_share(namespace, task_type="SEQ_CLS", r=None) -> float:
    """The share of trainable parameters of the profile's model with LoRA on query and value, of rank
    ``r`` (by default the notebook's ``rank``)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging

    profile = needs(namespace, "profile")
    r = needs(namespace, "rank") if r is None else r
    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        with torch.random.fork_rng(devices=[]):
            model = AutoModelForSequenceClassification.from_pretrained(profile.checkpoint, num_labels=2)
    finally:
        logging.set_verbosity(verbosity)
    config = LoraConfig(task_type=task_type, r=r, lora_alpha=16, lora_dropout=0.1, target_modules=["query", "value"])
    trainable, total = get_peft_model(model, config).get_nb_trainable_parameters()
    return trainable / total


def check_trainable_share(answer, namespace) -> str:
    answer = number(answer, _("the share"))
    expected = lora_share(namespace)
    if math.isclose(answer, expected, rel_tol=SHARE_TOLERANCE):
        return _(
            "{share:.2%} of the parameters train: LoRA's A and B matrices in each layer's query and value, and the "
            "classification head, which task_type='SEQ_CLS' keeps trainable. Full fine-tuning trains them all."
        ).format(share=expected)
    if math.isclose(answer, 100 * expected, rel_tol=SHARE_TOLERANCE):
        raise wrong(SHARE_PERCENTAGE, answer=answer)
    if answer > 1 and math.isclose(answer, 1 / expected, rel_tol=0.01):
        raise wrong(SHARE_UPSIDE_DOWN)
    if math.isclose(answer, lora_share(namespace, task_type=None), rel_tol=SHARE_TOLERANCE):
        raise wrong(NO_TASK_TYPE)
    rank = needs(namespace, "rank")
    if any(math.isclose(answer, lora_share(namespace, r=r), rel_tol=SHARE_TOLERANCE) for r in RANKS if r != rank):
        raise wrong(OTHER_RANK)
    raise WrongAnswer(
        _(
            "{answer:.6f} is not it. Wrap a fresh model with get_peft_model(model, LoraConfig(task_type='SEQ_CLS', "
            "r=rank, lora_alpha=16, lora_dropout=0.1, target_modules=['query', 'value'])) and divide the two numbers "
            "of get_nb_trainable_parameters(): trainable / total."
        ).format(answer=answer)
    )


def another_rank(rng, namespace) -> dict:
    """The variant of exercise 1: another rank from 1 to 32."""
    return {"rank": rng.choice([r for r in VARIANT_RANKS if r != needs(namespace, "rank")])}


LORA_SHARE = """
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForSequenceClassification

model = AutoModelForSequenceClassification.from_pretrained(profile.checkpoint, num_labels=2)
config = LoraConfig(task_type="SEQ_CLS", r=rank, lora_alpha=16, lora_dropout=0.1, target_modules=["query", "value"])
lora_model = get_peft_model(model, config)
trainable, total = lora_model.get_nb_trainable_parameters()
trainable_share = trainable / total
"""

q1 = Exercise(
    label=N_("Exercise 1"),
    answer_name="trainable_share",
    checker=check_trainable_share,
    hint_text=N_(
        "LoraConfig(task_type='SEQ_CLS', r=rank, lora_alpha=16, lora_dropout=0.1, target_modules=['query', 'value']); "
        "get_peft_model(model, config) wraps a fresh model; get_nb_trainable_parameters() returns (trainable, total)."
    ),
    solution_code=LORA_SHARE,
    mistakes=(
        Mistake(LORA_SHARE.replace('task_type="SEQ_CLS", ', ""), NO_TASK_TYPE),
        Mistake(LORA_SHARE + "trainable_share = 100 * trainable_share\n", SHARE_PERCENTAGE),
        Mistake(LORA_SHARE + "trainable_share = total / trainable\n", SHARE_UPSIDE_DOWN),
        Mistake(LORA_SHARE.replace("r=rank", "r=8"), OTHER_RANK),
        Mistake("trainable_share = 'about one percent'", NOT_A_NUMBER),
    ),
    variant=Variant(
        names=("rank",),
        here=N_("the notebook's rank"),
        other=N_("another rank"),
        uses=("rank",),
        pick=another_rank,
        expected=lora_share,
    ),
)

# --- Exercise 2 -------------------------------------------------------------------------------------------


def expected_weights(namespace) -> np.ndarray:
    labels = np.asarray(needs(namespace, "train_labels"))
    counts = np.bincount(labels, minlength=2)
    return len(labels) / (2 * counts)


def check_class_weights(answer, namespace) -> str:
    weights = as_array(answer, "class_weights").astype(np.float64).reshape(-1)
    expected = expected_weights(namespace)
    labels = np.asarray(needs(namespace, "train_labels"))
    counts = np.bincount(labels, minlength=2)
    if weights.shape != expected.shape:
        raise wrong(WEIGHTS_SHAPE, shape=tuple(np.shape(answer)))
    if np.allclose(weights, expected, atol=WEIGHT_TOLERANCE):
        return _(
            "Weights {weights}: a mistake on a not_equivalent pair now costs {ratio:.1f} times one on an equivalent "
            "pair, and both classes weigh the same in the loss as a whole."
        ).format(weights=np.round(expected, 3).tolist(), ratio=expected[0] / expected[1])
    if np.allclose(weights, counts):
        raise wrong(WEIGHTS_COUNTS)
    if np.allclose(weights, 1 / expected, atol=WEIGHT_TOLERANCE) or np.allclose(
        weights, counts / counts.sum(), atol=WEIGHT_TOLERANCE
    ):
        raise wrong(WEIGHTS_INVERTED)
    if weights[0] < weights[1] and expected[0] > expected[1]:
        raise wrong(WEIGHTS_INVERTED)
    raise wrong(WEIGHTS_NOT_THESE)


def other_training_labels(rng, namespace) -> dict:
    """The variant of exercise 2: a subset of the training labels (at least half, in their order),
    whose classes are in another proportion."""
    labels = np.asarray(needs(namespace, "train_labels"))
    rows = some_rows(rng, len(labels))
    return {"train_labels": labels[rows]}


CLASS_WEIGHTS = """
counts = np.bincount(train_labels, minlength=2)
class_weights = torch.tensor(len(train_labels) / (2 * counts), dtype=torch.float32)
"""

q2 = Exercise(
    label=N_("Exercise 2"),
    answer_name="class_weights",
    checker=check_class_weights,
    hint_text=N_(
        "np.bincount(train_labels) counts the pairs of each class; a class's weight is len(train_labels) / (2 * "
        "its count). Wrap the two weights in torch.tensor(..., dtype=torch.float32) for CrossEntropyLoss."
    ),
    solution_code=CLASS_WEIGHTS,
    mistakes=(
        Mistake(CLASS_WEIGHTS + "class_weights = 1 / class_weights\n", WEIGHTS_INVERTED),
        Mistake("class_weights = torch.tensor(np.bincount(train_labels), dtype=torch.float32)", WEIGHTS_COUNTS),
        Mistake(CLASS_WEIGHTS + "class_weights = class_weights[:1]\n", WEIGHTS_SHAPE),
    ),
    variant=Variant(
        names=("train_labels",),
        here=N_("the notebook's training labels"),
        other=N_("a subset of them"),
        uses=("train_labels",),
        pick=other_training_labels,
        expected=expected_weights,
    ),
)

# --- Exercise 3 -------------------------------------------------------------------------------------------


def bootstrap(labels, predictions, percentiles, seed=0) -> np.ndarray:
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(labels), (RESAMPLES, len(labels)))
    accuracies = (labels[rows] == predictions[rows]).mean(axis=1)
    return np.percentile(accuracies, percentiles)


def check_interval(answer, namespace) -> str:
    labels, predictions = needs(namespace, "validation_labels"), needs(namespace, "validation_predictions")
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        raise wrong(ONE_PERCENTILE)
    values = as_array(answer, "interval").astype(np.float64).reshape(-1)
    if values.size == 1:
        raise wrong(ONE_PERCENTILE)
    if values.size != 2:
        raise wrong(NOT_A_PAIR, type=f"{values.size} numbers")
    low, high = values
    if low > high:
        raise wrong(LOW_ABOVE_HIGH)
    if high > 1.5:
        raise wrong(INTERVAL_PERCENT)

    def near(expected):
        return np.allclose(values, expected, atol=INTERVAL_TOLERANCE)

    expected = bootstrap(labels, predictions, [2.5, 97.5])
    ninety = bootstrap(labels, predictions, [5, 95])
    width = high - low
    # A 90% interval's ends lie within a few pairs of a 95% one's: its width tells them apart.
    closer_to_95 = abs(width - (expected[1] - expected[0])) < abs(width - (ninety[1] - ninety[0]))
    if near(expected) and closer_to_95:
        accuracy = float(np.mean(np.asarray(labels) == np.asarray(predictions)))
        return _(
            "About [{low:.3f}, {high:.3f}] around an accuracy of {accuracy:.3f} on {pairs} pairs: {width:.0%} wide. "
            "Scores that differ by less than that are not told apart by this split."
        ).format(
            low=expected[0], high=expected[1], accuracy=accuracy, pairs=len(labels), width=expected[1] - expected[0]
        )
    train_labels, train_predictions = namespace.get("train_labels"), namespace.get("train_predictions")
    trained_on = train_labels is not None and train_predictions is not None
    if trained_on and near(bootstrap(train_labels, train_predictions, [2.5, 97.5])):
        raise wrong(TRAINING_SPLIT)
    if near(ninety):
        raise wrong(NINETY_PERCENT)
    raise wrong(INTERVAL_NOT_IT, low=low, high=high)


def other_predictions(rng, namespace) -> dict:
    """The variant of exercise 3: a subset of the validation pairs (at least half, in their order), with a
    tenth to a third of the model's answers on them flipped, as another model's would differ."""
    labels = np.asarray(needs(namespace, "validation_labels"))
    predictions = np.asarray(needs(namespace, "validation_predictions"))
    rows = some_rows(rng, len(labels))
    labels, predictions = labels[rows], predictions[rows].copy()
    flipped = rng.sample(range(len(rows)), rng.randint(len(rows) // 10, len(rows) // 3))
    predictions[flipped] = 1 - predictions[flipped]
    return {"validation_labels": labels, "validation_predictions": predictions}


def expected_interval(namespace) -> np.ndarray:
    return bootstrap(needs(namespace, "validation_labels"), needs(namespace, "validation_predictions"), [2.5, 97.5])


def intervals_alike(first, second) -> bool:
    """Two intervals a single answer could pass as both: each end within twice the check's tolerance."""
    return bool(np.allclose(np.asarray(first), np.asarray(second), atol=2 * INTERVAL_TOLERANCE))


INTERVAL = """
rng = np.random.default_rng(0)
accuracies = []
for _ in range(1000):
    rows = rng.integers(0, len(validation_labels), len(validation_labels))
    accuracies.append(np.mean(validation_predictions[rows] == validation_labels[rows]))
interval = np.percentile(accuracies, [2.5, 97.5])
"""

q3 = Exercise(
    label=N_("Exercise 3"),
    answer_name="interval",
    checker=check_interval,
    hint_text=N_(
        "rng = np.random.default_rng(0); rows = rng.integers(0, n, n) draws n validation pairs with replacement. "
        "Score the accuracy of each of 1,000 such resamples and take np.percentile(accuracies, [2.5, 97.5])."
    ),
    solution_code=INTERVAL,
    mistakes=(
        Mistake(INTERVAL.replace("[2.5, 97.5]", "97.5"), ONE_PERCENTILE),
        Mistake(INTERVAL.replace("[2.5, 97.5]", "[5, 95]"), NINETY_PERCENT),
        Mistake(INTERVAL + "interval = 100 * interval\n", INTERVAL_PERCENT),
        Mistake(
            INTERVAL.replace("validation_labels", "train_labels").replace(
                "validation_predictions", "train_predictions"
            ),
            TRAINING_SPLIT,
        ),
    ),
    variant=Variant(
        names=("validation_labels", "validation_predictions"),
        here=N_("the notebook's predictions"),
        other=N_("other predictions"),
        uses=("validation_labels", "validation_predictions"),
        pick=other_predictions,
        expected=expected_interval,
        same=intervals_alike,
    ),
)

exercises = ExerciseSet(q1, q2, q3)
progress = exercises.progress
