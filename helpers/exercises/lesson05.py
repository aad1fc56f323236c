"""Exercises for notebook 5: a richer compute_metrics, the best epoch, reading a table."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from ..i18n import N_, _
from . import Exercise, ExerciseSet, NotAnswered, WrongAnswer, blank, describe_error, needs

# Logits and labels chosen so that every usual mistake gives a different result.
LOGITS = np.array([[2.0, -1.0], [0.5, 1.5], [-0.3, 0.2], [1.0, 0.0], [0.1, 0.9], [-1.0, 2.0], [0.3, -0.2], [0.0, 1.0]])
LABELS = np.array([0, 1, 0, 1, 1, 1, 1, 1])
KEYS = ("accuracy", "f1", "precision", "recall")

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


def scores(predictions, references):
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    return {
        "accuracy": accuracy_score(references, predictions),
        "f1": f1_score(references, predictions, zero_division=0),
        "precision": precision_score(references, predictions, zero_division=0),
        "recall": recall_score(references, predictions, zero_division=0),
    }


def check_compute_metrics_prf(answer, namespace) -> str:
    if not callable(answer):
        raise WrongAnswer(_("compute_metrics_prf should be a function, not {type}.").format(type=type(answer).__name__))
    try:
        result = answer((LOGITS.copy(), LABELS.copy()))
    except (ValueError, TypeError) as error:
        if given_logits(error):
            raise WrongAnswer(
                _(
                    "the metric got the logits, two scores per pair, where it expects one predicted class per "
                    "pair ({error}). Take the class first, predictions = np.argmax(logits, axis=-1), and pass "
                    "predictions to every score."
                ).format(error=describe_error(error))
            ) from None
        raise
    if blank(result):
        raise NotAnswered
    if not isinstance(result, dict):
        raise WrongAnswer(_("it returns {type}; it should return a dict of scores.").format(type=type(result).__name__))
    missing = [key for key in KEYS if key not in result]
    if missing:
        raise WrongAnswer(
            _("the dict lacks {missing}; it needs {keys}.").format(
                missing=", ".join(repr(key) for key in missing), keys=", ".join(KEYS)
            )
        )
    got = {key: float(result[key]) for key in KEYS}
    predicted = LOGITS.argmax(axis=-1)
    expected = scores(predicted, LABELS)
    if all(np.isclose(got[key], expected[key]) for key in KEYS):
        return _(
            "Precision: of the pairs called paraphrases, the share that are. Recall: of the paraphrases, "
            "the share found. F1 balances the two."
        )
    swapped = scores(LABELS, predicted)
    if np.isclose(got["precision"], swapped["precision"]) and np.isclose(got["recall"], swapped["recall"]):
        raise WrongAnswer(
            _("precision and recall are swapped: pass predictions=..., references=labels, in that order.")
        )
    if np.isclose(got["precision"], expected["recall"]) and np.isclose(got["recall"], expected["precision"]):
        raise WrongAnswer(_("precision and recall are swapped: check which key gets which score."))
    flipped = scores(1 - predicted, 1 - LABELS)
    if np.isclose(got["f1"], flipped["f1"]):
        raise WrongAnswer(
            _("that is the F1 of class 0 (not_equivalent). GLUE MRPC's F1 is that of class 1, equivalent.")
        )
    wrong = [key for key in KEYS if not np.isclose(got[key], expected[key])]
    raise WrongAnswer(
        _(
            "{keys} differ from what they should be for these logits and labels. Predictions are "
            "np.argmax(logits, axis=-1); then compare them with the labels."
        ).format(keys=", ".join(wrong))
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


def check_best_epoch(answer, namespace) -> str:
    entries = eval_entries(needs(namespace, "log_history"))
    if not entries:
        raise WrongAnswer(_("log_history has no evaluation entries; run the training cell with eval_strategy='epoch'."))

    def epoch_of(entry):
        return round(entry["epoch"])

    best = epoch_of(max(entries, key=lambda entry: entry["eval_f1"]))
    try:
        answer = round(float(answer))
    except (TypeError, ValueError):
        raise WrongAnswer(_("give the epoch as a number, not {type}.").format(type=type(answer).__name__)) from None
    if answer != best:
        if answer == epoch_of(max(entries, key=lambda entry: entry["eval_accuracy"])):
            raise WrongAnswer(_("that epoch has the best accuracy; the question asks for the best F1 (eval_f1)."))
        if answer == epoch_of(min(entries, key=lambda entry: entry["eval_loss"])):
            raise WrongAnswer(_("that epoch has the lowest validation loss; the question asks for the best F1."))
        if answer == epoch_of(entries[-1]):
            raise WrongAnswer(_("that is the last epoch, not necessarily the best. Compare eval_f1 across epochs."))
        raise WrongAnswer(_("epoch {answer} does not have the highest eval_f1.").format(answer=answer))
    return _(
        "Epoch {best}. With metric_for_best_model='f1' and load_best_model_at_end=True the Trainer would "
        "keep this epoch's checkpoint."
    ).format(best=best)


def check_overfitting_choice(answer, namespace) -> str:
    choice = str(answer).strip().lower().strip("()")
    if choice not in CHOICES:
        raise WrongAnswer(
            _("answer with one letter: {letters} (as a string, e.g. 'a').").format(letters=", ".join(CHOICES))
        )
    if choice in CHOICE_FEEDBACK:
        raise WrongAnswer(_("({choice}) is not it: {why}").format(choice=choice, why=CHOICE_FEEDBACK[choice]))
    return _(
        "Validation loss is lowest at epoch 2 and rises after it while training loss keeps falling: "
        "overfitting. Evaluate every epoch and keep the best checkpoint."
    )


q1 = Exercise(
    label=N_("Exercise 1"),
    answer_name="compute_metrics_prf",
    checker=check_compute_metrics_prf,
    hint_text=N_(
        "Take the argmax of the logits over axis=-1, then either add the two missing scores with "
        "evaluate.load('precision') and evaluate.load('recall'), or use sklearn.metrics' precision_score and "
        "recall_score(labels, predictions)."
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
)

exercises = ExerciseSet(q1, q2, q3)
progress = exercises.progress
