"""Exercises for notebook 3: the new head, steps per epoch, a quick run with max_steps.

Exercise 2 is also judged on another training split and batch size. Exercise 1 has no variant (the
new head of a checkpoint is the same whatever the data: another answer needs another model), nor
has exercise 3 (a training run: another input would be another training)."""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache

from ..i18n import N_, _
from . import Exercise, ExerciseSet, Mistake, Variant, WrongAnswer, error_type, needs, wrong
from .answers import whole_number
from .carry import type_name
from .variants import first_rows, with_split

QUICK_PAIRS, QUICK_STEPS = 80, 10

# The messages of the usual mistakes: each check raises them, each exercise's mistakes name them.
NOT_A_LIST = N_("give a list of weight names (strings), not {type}.")
UNEXPECTED_KEYS = N_(
    "those are unexpected_keys: weights the checkpoint had but this model does not use. "
    "The new head is in missing_keys."
)
NOT_SORTED = N_("the right names, but not sorted: wrap them in sorted(...).")
NOT_NEW = N_(
    "{answer} is not the list of newly initialized weights. Load the model with "
    "output_loading_info=True and look at loading_info['missing_keys']."
)
PARTIAL_STEP = N_("{answer} is not a whole number of steps: a partial batch is still one step.")
TRAINING_PAIRS = N_("that is the number of training pairs; the optimizer steps once per batch.")
ROUND_UP = N_("the last, smaller batch counts too: round up, math.ceil(pairs / batch size).")
THE_TRAINER = N_("that is the Trainer. Keep what trainer.train() returns: quick_run = trainer.train().")
NOT_TRAIN_OUTPUT = N_("quick_run should be the TrainOutput that train() returns, not {type}.")
WHOLE_EPOCHS = N_("it trained for whole epochs. Set max_steps=10 in TrainingArguments: it overrides num_train_epochs.")
SLICED_TRAINING_DATA = N_(
    "A KeyError on a number: the Trainer asked its training data for a row by position and found a dict. "
    "tokenized_datasets['train'][:80] is a dict of columns: slicing a Dataset returns columns, not a smaller "
    "Dataset. Use tokenized_datasets['train'].select(range(80)), the first 80 pairs as a Dataset."
)


@lru_cache(maxsize=4)
def loading_report(checkpoint: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(missing, unexpected) weight names when the checkpoint gets a 2-class head."""
    from transformers import AutoModelForSequenceClassification

    _model, info = AutoModelForSequenceClassification.from_pretrained(
        checkpoint, num_labels=2, output_loading_info=True
    )
    return tuple(sorted(info["missing_keys"])), tuple(sorted(info["unexpected_keys"]))


def check_new_head_weights(answer, namespace) -> str:
    profile = needs(namespace, "profile")
    missing, unexpected = loading_report(profile.checkpoint)
    if not isinstance(answer, (list, tuple)) or not all(isinstance(name, str) for name in answer):
        raise wrong(NOT_A_LIST, type=type_name(answer))
    answer = list(answer)
    if unexpected and sorted(answer) == list(unexpected):
        raise wrong(UNEXPECTED_KEYS)
    if sorted(answer) == list(missing) and answer != list(missing):
        raise wrong(NOT_SORTED)
    if answer != list(missing):
        raise wrong(NOT_NEW, answer=answer)
    return _(
        "{names}: the classification head starts random, which is why the model must be "
        "fine-tuned before its predictions mean anything."
    ).format(names=", ".join(missing))


def steps_per_epoch_of(namespace) -> int:
    """One epoch's optimizer steps: the training pairs in batches of profile.batch_size, rounded up."""
    pairs = len(needs(namespace, "tokenized_datasets")["train"])
    return math.ceil(pairs / needs(namespace, "profile").batch_size)


def another_split_and_batch_size(rng, namespace) -> dict:
    """Exercise 2's variant: the first rows of the training split, and another batch size."""
    tokenized, profile = needs(namespace, "tokenized_datasets"), needs(namespace, "profile")
    train = first_rows(rng, tokenized["train"], least=len(tokenized["train"]) // 2)
    return {
        "tokenized_datasets": with_split(tokenized, "train", train),
        "profile": dataclasses.replace(profile, batch_size=rng.choice((4, 8, 12, 16, 24, 32))),
    }


def check_steps_per_epoch(answer, namespace) -> str:
    profile = needs(namespace, "profile")
    pairs = len(needs(namespace, "tokenized_datasets")["train"])
    expected = steps_per_epoch_of(namespace)
    if isinstance(answer, float) and not answer.is_integer():
        raise wrong(PARTIAL_STEP, answer=answer)
    answer = whole_number(answer if not isinstance(answer, float) else int(answer), _("the number of steps"))
    if answer == expected:
        return _("{expected} steps per epoch: one optimizer step per batch, which is what global_step counts.").format(
            expected=expected
        )
    if answer == pairs:
        raise wrong(TRAINING_PAIRS)
    if answer == pairs // profile.batch_size and answer != expected:
        raise wrong(ROUND_UP)
    raise WrongAnswer(
        _("{answer} is not it: divide the training pairs by profile.batch_size and round up.").format(answer=answer)
    )


def check_quick_run(answer, namespace) -> str:
    from transformers.trainer_utils import TrainOutput

    if type_name(answer).endswith("Trainer"):  # carried as NotData: a Trainer is no data
        raise wrong(THE_TRAINER)
    if not isinstance(answer, TrainOutput):
        raise wrong(NOT_TRAIN_OUTPUT, type=type_name(answer))
    profile = needs(namespace, "profile")
    if answer.global_step == math.ceil(QUICK_PAIRS / profile.batch_size) * profile.num_train_epochs:
        raise wrong(WHOLE_EPOCHS)
    if answer.global_step != QUICK_STEPS:
        raise WrongAnswer(
            _("it took {steps} optimizer steps, not {expected}: set max_steps=10.").format(
                steps=answer.global_step, expected=QUICK_STEPS
            )
        )
    if not math.isfinite(answer.training_loss):
        raise WrongAnswer(_("the training loss is {loss}: training diverged.").format(loss=answer.training_loss))
    seconds = answer.metrics.get("train_runtime", float("nan"))
    return _(
        "10 steps in {seconds:.1f} s, training loss {loss:.3f}. max_steps bounds a run "
        "whatever the data size: the way to test a set-up in seconds before the real run."
    ).format(seconds=seconds, loss=answer.training_loss)


def explain_quick_run_failure(error: BaseException) -> str | None:
    """The usual way the answer cell of exercise 3 fails: a slice of the training data, a dict of columns,
    went to the Trainer as train_dataset, and its DataLoader asked that dict for row 0, 1... by position."""
    if error_type(error) == "KeyError" and str(error).strip().isdigit():
        return _(SLICED_TRAINING_DATA)
    return None


q1 = Exercise(
    label=N_("Exercise 1"),
    answer_name="new_head_weights",
    checker=check_new_head_weights,
    hint_text=N_(
        "AutoModelForSequenceClassification.from_pretrained(profile.checkpoint, num_labels=2, "
        "output_loading_info=True) returns the model and a dict; you want its 'missing_keys', sorted."
    ),
    solution_code="""
        from transformers import AutoModelForSequenceClassification

        _, loading_info = AutoModelForSequenceClassification.from_pretrained(
            profile.checkpoint, num_labels=2, output_loading_info=True
        )
        new_head_weights = sorted(loading_info["missing_keys"])
    """,
    mistakes=(
        Mistake("new_head_weights = 'classifier'", NOT_A_LIST),
        Mistake("new_head_weights = ['classifier.weight', 'classifier.bias']", NOT_SORTED),
        Mistake("new_head_weights = ['bert.pooler.dense.weight']", NOT_NEW),
    ),
)

q2 = Exercise(
    label=N_("Exercise 2"),
    answer_name="steps_per_epoch",
    checker=check_steps_per_epoch,
    hint_text=N_(
        "One optimizer step per batch of profile.batch_size pairs; the last batch may be smaller. math.ceil rounds up."
    ),
    solution_code="""
        import math

        steps_per_epoch = math.ceil(len(tokenized_datasets["train"]) / profile.batch_size)
    """,
    mistakes=(
        Mistake("steps_per_epoch = len(tokenized_datasets['train'])", TRAINING_PAIRS),
        Mistake("steps_per_epoch = len(tokenized_datasets['train']) / 7", PARTIAL_STEP),
    ),
    variant=Variant(
        names=("tokenized_datasets", "profile"),
        here=N_("the notebook's training split and batch size"),
        other=N_("another training split and batch size"),
        uses=('tokenized_datasets["train"]', "profile.batch_size"),
        pick=another_split_and_batch_size,
        expected=steps_per_epoch_of,
    ),
)

# Exercise 3's solution; two of its mistakes are this code with one change.
QUICK_RUN = """
from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments, set_seed
from helpers import output_dir

set_seed(42)
model = AutoModelForSequenceClassification.from_pretrained(profile.checkpoint, num_labels=2)
args = TrainingArguments(
    output_dir=output_dir("03_quick_run"),
    max_steps=10,
    per_device_train_batch_size=profile.batch_size,
    learning_rate=profile.learning_rate,
    save_strategy="no",
    report_to="none",
)
trainer = Trainer(
    model=model,
    args=args,
    train_dataset=tokenized_datasets["train"].select(range(80)),
    data_collator=data_collator,
    processing_class=tokenizer,
)
quick_run = trainer.train()
"""

q3 = Exercise(
    label=N_("Exercise 3"),
    answer_name="quick_run",
    checker=check_quick_run,
    hint_text=N_(
        "Build a fresh model, TrainingArguments with max_steps=10 (and save_strategy='no', "
        "report_to='none'), a Trainer on tokenized_datasets['train'].select(range(80)), then "
        "quick_run = trainer.train()."
    ),
    solution_code=QUICK_RUN,
    explain_failure=explain_quick_run_failure,
    mistakes=(
        Mistake(QUICK_RUN.replace("quick_run = trainer.train()", "quick_run = trainer.train"), NOT_TRAIN_OUTPUT),
        Mistake(QUICK_RUN.replace("quick_run = trainer.train()", "quick_run = trainer"), THE_TRAINER),
        Mistake(QUICK_RUN.replace("max_steps=10,", "num_train_epochs=3,"), WHOLE_EPOCHS),
    ),
)

exercises = ExerciseSet(q1, q2, q3)
progress = exercises.progress
