"""Exercises for notebook 5: a richer compute_metrics, the best epoch, reading a table.

Exercise 1 is also judged on other logits and labels, exercise 2 on another log history; exercise 3,
a choice, has no variant."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from ..i18n import N_, _
from . import CarriedError, Exercise, ExerciseSet, Mistake, Variant, WrongAnswer, describe_error, needs, wrong
from .answers import (
    CHECK_TABLE,
    NOT_A_FUNCTION,
    NOT_A_NUMBER,
    another_table,
    call,
    called,
    number,
    same_scores,
    scores,
    table_of,
    table_scores,
)
from .carry import type_name

KEYS = ("accuracy", "f1", "precision", "recall")

# The messages of the usual mistakes: each check raises them, each exercise's mistakes name them.
GIVEN_LOGITS = N_(
    "the metric got the logits, two scores per pair, where it expects one predicted class per "
    "pair ({error}). Take the class first, predictions = np.argmax(logits, axis=-1), and pass "
    "predictions to every score."
)
NOT_A_DICT = N_("it returns {type}; it should return a dict of scores.")
LACKS_KEYS = N_("the dict lacks {missing}; it needs {keys}.")
# Arguments in the wrong order and scores under each other's key give the same numbers: one message for both.
SWAPPED = N_(
    "precision and recall are swapped: scikit-learn's scores take (labels, predictions) in that order "
    "(evaluate's: predictions=..., references=labels), and each score goes under its own key."
)
F1_OF_CLASS_0 = N_("that is the F1 of class 0 (not_equivalent). GLUE MRPC's F1 is that of class 1, equivalent.")
BEST_ACCURACY = N_("that epoch has the best accuracy; the question asks for the best F1 (eval_f1).")
LOWEST_LOSS = N_("that epoch has the lowest validation loss; the question asks for the best F1.")
LAST_EPOCH = N_("that is the last epoch, not necessarily the best. Compare eval_f1 across epochs.")
LOWEST_F1 = N_("that epoch has the lowest F1; the best one has the highest: max(), not min().")
POSITION_AMONG_EVALUATIONS = N_(
    "{answer} is where the best evaluation sits in your list (counting from 0), not its epoch. "
    "Take the epoch from that entry: evaluations[position]['epoch']."
)
POSITION_IN_LOG_HISTORY = N_(
    "{answer} is where the best evaluation sits in log_history (counting from 0), not its epoch. "
    "Take the epoch from that entry: log_history[position]['epoch']."
)
CHOICE_ONE_LETTER = N_("answer with one letter: {letters} (as a string, e.g. 'a').")
CHOICE_NOT_IT = N_("({choice}) is not it: {why}")

# Exercise 3: a per-epoch table to read.
TABLE = {
    "epoch": [1, 2, 3, 4, 5],
    "training_loss": [0.58, 0.38, 0.21, 0.09, 0.04],
    "validation_loss": [0.49, 0.41, 0.44, 0.56, 0.68],
    "accuracy": [0.77, 0.83, 0.84, 0.83, 0.82],
    "f1": [0.84, 0.88, 0.88, 0.88, 0.87],
}


class Translated(Mapping):
    """A dict of texts marked with ``N_()`` whose values come out in the chosen language,
    so that ``CHOICES.items()`` in the notebook prints them in the notebook's language."""

    def __init__(self, texts: dict[str, str]):
        self.texts = texts

    def __getitem__(self, key: str) -> str:
        return _(self.texts[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self.texts)

    def __len__(self) -> int:
        return len(self.texts)


CHOICES = Translated(
    {
        "a": N_("It underfits: training loss is still falling at epoch 5, so train for more epochs."),
        "b": N_("Nothing is wrong: accuracy barely moves after epoch 2, so every epoch from 2 on is as good."),
        "c": N_(
            "It overfits from epoch 3 on: training loss keeps falling while validation loss rises; keep the "
            "checkpoint of epoch 2 or 3 and train fewer epochs."
        ),
        "d": N_("The learning rate is too high, because validation loss should never rise."),
    }
)
CHOICE_FEEDBACK = Translated(
    {
        "a": N_(
            "underfitting shows as a high training loss. Here training loss is tiny (0.04) while validation loss "
            "rises: the model fits the training pairs better and better and new pairs worse."
        ),
        "b": N_(
            "accuracy hides it, but validation loss rises from 0.41 to 0.68: the model grows confident in its "
            "mistakes, and more epochs only make that worse."
        ),
        "d": N_(
            "validation loss rising while training loss falls is the classic sign of overfitting, which happens "
            "at any learning rate when training goes on too long."
        ),
    }
)


def run_compute_metrics(answer, namespace) -> dict:
    """The probe: what the student's compute_metrics_prf returns for the check's own logits and labels."""
    return call(answer, table_of(namespace))


def check_compute_metrics_prf(answer, namespace) -> str:
    try:
        result = called(answer, "compute_metrics_prf")
    except CarriedError as error:
        if error.type_name in ("ValueError", "TypeError") and given_logits(error):
            raise wrong(GIVEN_LOGITS, error=describe_error(error)) from None
        raise
    if not isinstance(result, dict):
        raise wrong(NOT_A_DICT, type=type_name(result))
    missing = [key for key in KEYS if key not in result]
    if missing:
        raise wrong(LACKS_KEYS, missing=", ".join(repr(key) for key in missing), keys=", ".join(KEYS))
    got = {key: float(result[key]) for key in KEYS}
    logits, labels = table_of(namespace)
    predicted = logits.argmax(axis=-1)
    expected = scores(predicted, labels)
    if same_scores(got, expected, KEYS):
        return _(
            "Precision: of the pairs called paraphrases, the share that are. Recall: of the paraphrases, "
            "the share found. F1 balances the two."
        )
    if np.isclose(got["precision"], expected["recall"]) and np.isclose(got["recall"], expected["precision"]):
        raise wrong(SWAPPED)
    flipped = scores(1 - predicted, 1 - labels)
    if np.isclose(got["f1"], flipped["f1"]):
        raise wrong(F1_OF_CLASS_0)
    differ = [key for key in KEYS if not np.isclose(got[key], expected[key])]
    raise WrongAnswer(
        _(
            "{keys} differ from what they should be for these logits and labels. Predictions are "
            "np.argmax(logits, axis=-1); then compare them with the labels."
        ).format(keys=", ".join(differ))
    )


def given_logits(error: BaseException) -> bool:
    """Whether a metric refused its input because it got logits (2 scores per pair), not classes:
    scikit-learn's "mix of binary and continuous-multioutput targets", or evaluate's format check
    (older releases of evaluate, such as its floor 0.2.0, word it "Module inputs don't match...")."""
    text = str(error)
    formats = (
        "Predictions and/or references don't match the expected format",
        "inputs don't match the expected format",
    )
    return "continuous" in text or any(wording in text for wording in formats)


def eval_entries(log_history):
    return [entry for entry in log_history if "eval_f1" in entry]


def best_epoch_of(namespace) -> int | None:
    """The epoch of the evaluation with the highest eval_f1 in ``log_history``; None without one."""
    entries = eval_entries(needs(namespace, "log_history"))
    return round(max(entries, key=lambda entry: entry["eval_f1"])["epoch"]) if entries else None


def another_log_history(rng, namespace) -> dict:
    """Exercise 2's variant: the notebook's log history with other evaluation scores at each epoch."""
    history = []
    for entry in needs(namespace, "log_history"):
        if "eval_f1" in entry:
            scores_drawn = {
                "eval_loss": round(rng.uniform(0.30, 0.70), 4),
                "eval_accuracy": round(rng.uniform(0.60, 0.90), 4),
                "eval_f1": round(rng.uniform(0.70, 0.92), 4),
            }
            entry = {**entry, **scores_drawn}
        history.append(entry)
    return {"log_history": history}


def check_best_epoch(answer, namespace) -> str:
    entries = eval_entries(needs(namespace, "log_history"))
    if not entries:
        raise WrongAnswer(_("log_history has no evaluation entries; run the training cell with eval_strategy='epoch'."))

    def epoch_of(entry):
        return round(entry["epoch"])

    best_entry = max(entries, key=lambda entry: entry["eval_f1"])
    best = epoch_of(best_entry)
    answer = round(number(answer, _("the epoch")))
    if answer != best:
        if answer == epoch_of(max(entries, key=lambda entry: entry["eval_accuracy"])):
            raise wrong(BEST_ACCURACY)
        if answer == epoch_of(min(entries, key=lambda entry: entry["eval_loss"])):
            raise wrong(LOWEST_LOSS)
        if answer == epoch_of(min(entries, key=lambda entry: entry["eval_f1"])):
            raise wrong(LOWEST_F1)
        # An index, not an epoch: where the best entry is in the list of evaluations, or in log_history.
        if answer == entries.index(best_entry):
            raise wrong(POSITION_AMONG_EVALUATIONS, answer=answer)
        if answer == namespace["log_history"].index(best_entry):
            raise wrong(POSITION_IN_LOG_HISTORY, answer=answer)
        if answer == epoch_of(entries[-1]):
            raise wrong(LAST_EPOCH)
        raise WrongAnswer(_("epoch {answer} does not have the highest eval_f1.").format(answer=answer))
    return _(
        "Epoch {best}. With metric_for_best_model='f1' and load_best_model_at_end=True the Trainer would "
        "keep this epoch's checkpoint."
    ).format(best=best)


def check_overfitting_choice(answer, namespace) -> str:
    choice = str(answer).strip().lower().strip("()")
    if choice not in CHOICES:
        raise wrong(CHOICE_ONE_LETTER, letters=", ".join(CHOICES))
    if choice in CHOICE_FEEDBACK:
        raise wrong(CHOICE_NOT_IT, choice=choice, why=CHOICE_FEEDBACK[choice])
    return _(
        "Validation loss is lowest at epoch 2 and rises after it while training loss keeps falling: "
        "overfitting. Evaluate every epoch and keep the best checkpoint."
    )


def with_scores(precision: str, recall: str) -> str:
    """A compute_metrics_prf whose precision and recall are the two given calls (for the known mistakes)."""
    return (
        "from sklearn.metrics import precision_score, recall_score\n\n\n"
        "def compute_metrics_prf(eval_preds):\n"
        "    logits, labels = eval_preds\n"
        "    predictions = np.argmax(logits, axis=-1)\n"
        "    scores = metric.compute(predictions=predictions, references=labels)\n"
        f"    scores['precision'] = {precision}\n"
        f"    scores['recall'] = {recall}\n"
        "    return scores"
    )


q1 = Exercise(
    label=N_("Exercise 1"),
    answer_name="compute_metrics_prf",
    checker=check_compute_metrics_prf,
    probe=run_compute_metrics,
    # No evaluate.load('precision') here: that metric is a script on the Hub, which the offline profile cannot reach.
    hint_text=N_(
        "Take the argmax of the logits over axis=-1 and start from metric.compute(...), as in notebook 5. Then add "
        "precision and recall with sklearn.metrics' precision_score(labels, predictions) and "
        "recall_score(labels, predictions), or count them with NumPy: precision = true positives / pairs predicted 1, "
        "recall = true positives / pairs labelled 1."
    ),
    solution_code="""
        from sklearn.metrics import precision_score, recall_score


        def compute_metrics_prf(eval_preds):
            logits, labels = eval_preds
            predictions = np.argmax(logits, axis=-1)
            scores = metric.compute(predictions=predictions, references=labels)
            scores["precision"] = precision_score(labels, predictions, zero_division=0)
            scores["recall"] = recall_score(labels, predictions, zero_division=0)
            return scores
    """,
    mistakes=(
        Mistake("compute_metrics_prf = {'accuracy': 1.0}", NOT_A_FUNCTION),
        Mistake(
            "def compute_metrics_prf(eval_preds):\n"
            "    logits, labels = eval_preds\n"
            "    return metric.compute(predictions=np.argmax(logits, axis=-1), references=labels)",
            LACKS_KEYS,
        ),
        # the arguments swapped, then the two scores swapped: the same numbers either way
        Mistake(with_scores("precision_score(predictions, labels)", "recall_score(predictions, labels)"), SWAPPED),
        Mistake(with_scores("recall_score(labels, predictions)", "precision_score(labels, predictions)"), SWAPPED),
        Mistake(
            "from sklearn.metrics import f1_score, precision_score, recall_score\n\n\n"
            "def compute_metrics_prf(eval_preds):\n"
            "    logits, labels = eval_preds\n"
            "    predictions = np.argmax(logits, axis=-1)\n"
            "    return {\n"
            "        'accuracy': (predictions == labels).mean(),\n"
            "        'f1': f1_score(labels, predictions, pos_label=0),\n"
            "        'precision': precision_score(labels, predictions),\n"
            "        'recall': recall_score(labels, predictions),\n"
            "    }",
            F1_OF_CLASS_0,
        ),
        # The logits (2 scores per pair) straight into scikit-learn, or into the GLUE metric, without argmax.
        Mistake(
            "from sklearn.metrics import precision_score, recall_score\n\n\n"
            "def compute_metrics_prf(eval_preds):\n"
            "    logits, labels = eval_preds\n"
            "    scores = metric.compute(predictions=np.argmax(logits, axis=-1), references=labels)\n"
            "    scores['precision'] = precision_score(labels, logits)\n"
            "    scores['recall'] = recall_score(labels, logits)\n"
            "    return scores",
            GIVEN_LOGITS,
        ),
        Mistake(
            "def compute_metrics_prf(eval_preds):\n"
            "    logits, labels = eval_preds\n"
            "    return metric.compute(predictions=logits, references=labels)",
            GIVEN_LOGITS,
        ),
        Mistake(
            "def compute_metrics_prf(eval_preds):\n"
            "    logits, labels = eval_preds\n"
            "    return metric.compute(predictions=np.argmax(logits, axis=-1), references=labels).items()",
            NOT_A_DICT,
        ),
    ),
    variant=Variant(
        names=(CHECK_TABLE,),
        here=N_("the check's logits and labels"),
        other=N_("other logits and labels"),
        uses=("eval_preds",),
        pick=another_table,
        expected=table_scores,
    ),
)

q2 = Exercise(
    label=N_("Exercise 2"),
    answer_name="best_epoch",
    checker=check_best_epoch,
    hint_text=N_(
        "Keep the log_history entries that have 'eval_f1'; max(entries, key=lambda e: e['eval_f1']) "
        "is the best one, and its 'epoch' the answer."
    ),
    solution_code="""
        evaluations = [entry for entry in log_history if "eval_f1" in entry]
        best_epoch = round(max(evaluations, key=lambda entry: entry["eval_f1"])["epoch"])
    """,
    # Mistakes that give another epoch on the notebook's run. Taking the best accuracy, the lowest
    # validation loss or the last epoch gives the same epoch as the best F1 on it (all improve every
    # epoch), so those messages are for other runs (the full profile's): tests/test_exercises.py checks them.
    mistakes=(
        Mistake(
            "evaluations = [entry for entry in log_history if 'eval_f1' in entry]\n"
            "best_epoch = round(min(evaluations, key=lambda entry: entry['eval_f1'])['epoch'])",
            LOWEST_F1,
        ),
        Mistake(
            "evaluations = [entry for entry in log_history if 'eval_f1' in entry]\n"
            "best_epoch = int(np.argmax([entry['eval_f1'] for entry in evaluations]))",
            POSITION_AMONG_EVALUATIONS,
        ),
        Mistake(
            "best_epoch = int(np.argmax([entry.get('eval_f1', 0) for entry in log_history]))",
            POSITION_IN_LOG_HISTORY,
        ),
        Mistake("best_epoch = 'two'", NOT_A_NUMBER),
    ),
    variant=Variant(
        names=("log_history",),
        here=N_("the notebook's log history"),
        other=N_("another run's log history"),
        uses=("log_history",),
        pick=another_log_history,
        expected=best_epoch_of,
    ),
)

q3 = Exercise(
    label=N_("Exercise 3"),
    answer_name="overfitting_choice",
    checker=check_overfitting_choice,
    hint_text=N_(
        "Look at the two loss columns together: where is validation loss lowest, and what do the two "
        "losses do after that epoch?"
    ),
    solution_code="""
        overfitting_choice = "c"
    """,
    mistakes=(
        Mistake("overfitting_choice = 'a'", CHOICE_FEEDBACK.texts["a"]),
        Mistake("overfitting_choice = 'b'", CHOICE_FEEDBACK.texts["b"]),
        Mistake("overfitting_choice = 'd'", CHOICE_FEEDBACK.texts["d"]),
        Mistake("overfitting_choice = 'e'", CHOICE_ONE_LETTER),
    ),
)

exercises = ExerciseSet(q1, q2, q3)
progress = exercises.progress
