"""Exercises for notebook 5: a richer compute_metrics, the best epoch, reading a table."""

from __future__ import annotations

import numpy as np

from . import Exercise, ExerciseSet, NotAnswered, WrongAnswer, blank, needs

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
CHOICES = {
    "a": "It underfits: training loss is still falling at epoch 5, so train for more epochs.",
    "b": "Nothing is wrong: accuracy barely moves after epoch 2, so every epoch from 2 on is as good.",
    "c": "It overfits from epoch 3 on: training loss keeps falling while validation loss rises; keep the "
    "checkpoint of epoch 2 or 3 and train fewer epochs.",
    "d": "The learning rate is too high, because validation loss should never rise.",
}
CHOICE_FEEDBACK = {
    "a": "underfitting shows as a high training loss. Here training loss is tiny (0.04) while validation loss "
    "rises: the model fits the training pairs better and better and new pairs worse.",
    "b": "accuracy hides it, but validation loss rises from 0.41 to 0.68: the model grows confident in its "
    "mistakes, and more epochs only make that worse.",
    "d": "validation loss rising while training loss falls is the classic sign of overfitting, which happens "
    "at any learning rate when training goes on too long.",
}


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
        raise WrongAnswer(f"compute_metrics_prf should be a function, not {type(answer).__name__}.")
    result = answer((LOGITS.copy(), LABELS.copy()))
    if blank(result):
        raise NotAnswered
    if not isinstance(result, dict):
        raise WrongAnswer(f"it returns {type(result).__name__}; it should return a dict of scores.")
    missing = [key for key in KEYS if key not in result]
    if missing:
        raise WrongAnswer(f"the dict lacks {', '.join(repr(key) for key in missing)}; it needs {', '.join(KEYS)}.")
    got = {key: float(result[key]) for key in KEYS}
    predicted = LOGITS.argmax(axis=-1)
    expected = scores(predicted, LABELS)
    if all(np.isclose(got[key], expected[key]) for key in KEYS):
        return (
            "Precision: of the pairs called paraphrases, the share that are. Recall: of the paraphrases, "
            "the share found. F1 balances the two."
        )
    swapped = scores(LABELS, predicted)
    if np.isclose(got["precision"], swapped["precision"]) and np.isclose(got["recall"], swapped["recall"]):
        raise WrongAnswer("precision and recall are swapped: pass predictions=..., references=labels, in that order.")
    if np.isclose(got["precision"], expected["recall"]) and np.isclose(got["recall"], expected["precision"]):
        raise WrongAnswer("precision and recall are swapped: check which key gets which score.")
    flipped = scores(1 - predicted, 1 - LABELS)
    if np.isclose(got["f1"], flipped["f1"]):
        raise WrongAnswer("that is the F1 of class 0 (not_equivalent). GLUE MRPC's F1 is that of class 1, equivalent.")
    wrong = [key for key in KEYS if not np.isclose(got[key], expected[key])]
    raise WrongAnswer(
        f"{', '.join(wrong)} differ from what they should be for these logits and labels. Predictions are "
        "np.argmax(logits, axis=-1); then compare them with the labels."
    )


def eval_entries(log_history):
    return [entry for entry in log_history if "eval_f1" in entry]


def check_best_epoch(answer, namespace) -> str:
    entries = eval_entries(needs(namespace, "log_history"))
    if not entries:
        raise WrongAnswer("log_history has no evaluation entries; run the training cell with eval_strategy='epoch'.")

    def epoch_of(entry):
        return round(entry["epoch"])

    best = epoch_of(max(entries, key=lambda entry: entry["eval_f1"]))
    try:
        answer = round(float(answer))
    except (TypeError, ValueError):
        raise WrongAnswer(f"give the epoch as a number, not {type(answer).__name__}.") from None
    if answer != best:
        if answer == epoch_of(max(entries, key=lambda entry: entry["eval_accuracy"])):
            raise WrongAnswer("that epoch has the best accuracy; the question asks for the best F1 (eval_f1).")
        if answer == epoch_of(min(entries, key=lambda entry: entry["eval_loss"])):
            raise WrongAnswer("that epoch has the lowest validation loss; the question asks for the best F1.")
        if answer == epoch_of(entries[-1]):
            raise WrongAnswer("that is the last epoch, not necessarily the best. Compare eval_f1 across epochs.")
        raise WrongAnswer(f"epoch {answer} does not have the highest eval_f1.")
    return (
        f"Epoch {best}. With metric_for_best_model='f1' and load_best_model_at_end=True the Trainer would "
        "keep this epoch's checkpoint."
    )


def check_overfitting_choice(answer, namespace) -> str:
    choice = str(answer).strip().lower().strip("()")
    if choice not in CHOICES:
        raise WrongAnswer(f"answer with one letter: {', '.join(CHOICES)} (as a string, e.g. 'a').")
    if choice in CHOICE_FEEDBACK:
        raise WrongAnswer(f"({choice}) is not it: {CHOICE_FEEDBACK[choice]}")
    return (
        "Validation loss is lowest at epoch 2 and rises after it while training loss keeps falling: "
        "overfitting. Evaluate every epoch and keep the best checkpoint."
    )


q1 = Exercise(
    label="Exercise 1",
    answer_name="compute_metrics_prf",
    checker=check_compute_metrics_prf,
    hint_text="Take the argmax of the logits over axis=-1, then either add the two missing scores with "
    "evaluate.load('precision') and evaluate.load('recall'), or use sklearn.metrics' precision_score and "
    "recall_score(labels, predictions).",
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
    label="Exercise 2",
    answer_name="best_epoch",
    checker=check_best_epoch,
    hint_text="Keep the log_history entries that have 'eval_f1'; max(entries, key=lambda e: e['eval_f1']) "
    "is the best one, and its 'epoch' the answer.",
    solution_code="""
        evaluations = [entry for entry in log_history if "eval_f1" in entry]
        best_epoch = round(max(evaluations, key=lambda entry: entry["eval_f1"])["epoch"])
    """,
)

q3 = Exercise(
    label="Exercise 3",
    answer_name="overfitting_choice",
    checker=check_overfitting_choice,
    hint_text="Look at the two loss columns together: where is validation loss lowest, and what do the two "
    "losses do after that epoch?",
    solution_code="""
        overfitting_choice = "c"
    """,
)

exercises = ExerciseSet(q1, q2, q3)
progress = exercises.progress
