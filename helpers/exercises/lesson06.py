"""Exercises for notebook 6: optimizer steps with gradient accumulation, an evaluation loop with
``add_batch``, and what ``gather_for_metrics`` drops on several processes. Each is also judged on a
variant: another training split, another model and data loader, another validation split."""

from __future__ import annotations

import math

import numpy as np

from ..i18n import N_, _
from . import CarriedError, Exercise, ExerciseSet, Mistake, Variant, WrongAnswer, needs, wrong
from .answers import (
    CHECK_TABLE,
    NOT_A_FUNCTION,
    NOT_WHOLE,
    NOT_WHOLE_FLOAT,
    another_table,
    call,
    called,
    same_scores,
    scores,
    table_of,
    table_scores,
    whole_number,
)
from .carry import type_name
from .variants import first_rows, with_split

# Exercise 1: the loop in the exercise's text.
BATCH_SIZE, ACCUMULATION, EPOCHS = 16, 4, 3
# Exercise 3: evaluation on 2 processes, batches of 8 per process.
PROCESSES, EVAL_BATCH_SIZE = 2, 8

# Exercise 2: a model and data loader of the check's own give answers.LOGITS for answers.LABELS
# (or a variant's logits and labels), in batches of 4 pairs: 4, 4 and 2 for the 10 pairs.
FAKE_BATCH_SIZE = 4
SCORES = ("accuracy", "f1")

# The messages of the usual mistakes: each check raises them, each exercise's mistakes name them.
BATCHES = N_(
    "{answer} is the number of batches (forward and backward passes). The optimizer steps only once "
    "every {accumulation} batches."
)
MULTIPLIED = N_("accumulation makes fewer optimizer steps, not more: divide by {accumulation}, do not multiply.")
ONE_EPOCH = N_("{answer} is the count for one epoch; the loop runs {epochs} epochs.")
ROUNDED_DOWN = N_(
    "you rounded down. The condition `or step + 1 == len(train_dataloader)` also steps on the "
    "{leftover} batches left at the end of each epoch: round up per epoch."
)
ROUNDED_OVER_RUN = N_(
    "you rounded over the whole run. step starts again at 0 every epoch, and each epoch ends with "
    "its own step on its leftover batches: ceil(batches per epoch / {accumulation}), then times "
    "{epochs}."
)
OFF_BY_ONE = N_("{answer} is off by one. Count the batches per epoch with math.ceil, then the steps per epoch.")
GOT_LOGITS = N_(
    "add_batch got the logits, two scores per pair. It needs one predicted class per pair: "
    "outputs.logits.argmax(dim=-1)."
)
ARGMAX_OVER_PAIRS = N_(
    "there are not as many predictions as labels in a batch: take the argmax over the classes, "
    "dim=-1, not over the pairs."
)
RETURNS_METRIC = N_("it returns the metric itself; return metric.compute(), the dict of scores.")
NOT_SCORES = N_("it returns {kind}; it should return the dict of metric.compute(), with accuracy and f1.")
ONE_BATCH = N_(
    "those are the scores of one batch. metric.compute() gives the scores of what was added since "
    "the last compute: add_batch for every batch, and compute() once, after the loop."
)
STOPPED_EARLY = N_("the model saw {seen} of the {total} pairs: the loop stopped early. Is the return inside the loop?")
PERFECT = N_("a perfect score: the labels were compared with themselves. Compare the predictions.")
TRAINING_MODE = N_(
    "right scores, but the model was still in training mode, with dropout on: call model.eval() "
    "before the loop (a real model would give noisy predictions)."
)
GRADIENTS = N_(
    "right scores, but the forward passes recorded gradients, which costs memory and time: run them "
    "inside `with torch.no_grad():` (or torch.inference_mode())."
)
GATHER_FOR_METRICS = N_(
    "{answer} is one prediction per validation pair: what gather_for_metrics returns once it has "
    "dropped the copies. Plain gather keeps them."
)
ONE_PROCESS = N_("{answer} is what one process computes. gather collects the predictions of the {processes} processes.")
ONE_SHARE = N_(
    "{answer} is one process's share of the pairs, without the copies. gather collects every "
    "process's predictions, copies included."
)
EVERY_PROCESS = N_(
    "each pair goes to one process only, not to all of them: the processes share the batches. Only "
    "the copies that even out the last round come on top."
)
THE_COPIES = N_("{answer} is the number of copies; the question asks for all the predictions gather returns.")


# --- Exercise 1 -------------------------------------------------------------------------------------------


def loop_counts(pairs: int) -> tuple[int, int]:
    """(batches per epoch, optimizer steps per epoch) of the exercise's loop."""
    batches = math.ceil(pairs / BATCH_SIZE)
    return batches, math.ceil(batches / ACCUMULATION)


def optimizer_steps_of(namespace) -> int:
    return loop_counts(len(needs(namespace, "tokenized_datasets")["train"]))[1] * EPOCHS


def fewer_training_pairs(rng, namespace) -> dict:
    """Exercise 1's variant: the first rows of the training split (at least a third of them)."""
    tokenized = needs(namespace, "tokenized_datasets")
    return {
        "tokenized_datasets": with_split(
            tokenized, "train", first_rows(rng, tokenized["train"], len(tokenized["train"]) // 3)
        )
    }


def fewer_validation_pairs(rng, namespace) -> dict:
    """Exercise 3's variant: the first rows of the validation split (at least a third of them)."""
    tokenized = needs(namespace, "tokenized_datasets")
    validation = first_rows(rng, tokenized["validation"], len(tokenized["validation"]) // 3)
    return {"tokenized_datasets": with_split(tokenized, "validation", validation)}


def check_optimizer_steps(answer, namespace) -> str:
    pairs = len(needs(namespace, "tokenized_datasets")["train"])
    batches, per_epoch = loop_counts(pairs)
    expected = optimizer_steps_of(namespace)
    answer = whole_number(answer, _("the number of optimizer steps"))
    if answer == expected:
        leftover = batches % ACCUMULATION
        if leftover:
            return _(
                "{expected} optimizer steps: {per_epoch} per epoch, the last one on the {leftover} batches left "
                "at the end of the epoch. With accumulation, the schedule's num_training_steps counts optimizer "
                "steps, not batches."
            ).format(expected=expected, per_epoch=per_epoch, leftover=leftover)
        return _(
            "{expected} optimizer steps: {per_epoch} per epoch. With accumulation, the schedule's "
            "num_training_steps counts optimizer steps, not batches."
        ).format(expected=expected, per_epoch=per_epoch)
    if answer == batches * EPOCHS:
        raise wrong(BATCHES, answer=answer, accumulation=ACCUMULATION)
    if answer == batches * EPOCHS * ACCUMULATION:
        raise wrong(MULTIPLIED, accumulation=ACCUMULATION)
    if answer == per_epoch:
        raise wrong(ONE_EPOCH, answer=answer, epochs=EPOCHS)
    if answer == (batches // ACCUMULATION) * EPOCHS:
        raise wrong(ROUNDED_DOWN, leftover=batches % ACCUMULATION)
    if answer == math.ceil(batches * EPOCHS / ACCUMULATION):
        raise wrong(ROUNDED_OVER_RUN, accumulation=ACCUMULATION, epochs=EPOCHS)
    if answer in (expected - 1, expected + 1):
        raise wrong(OFF_BY_ONE, answer=answer)
    raise WrongAnswer(
        _(
            "{answer} is not it. Batches per epoch = ceil(training pairs / {batch_size}); optimizer steps per "
            "epoch = ceil(batches / {accumulation}); then times {epochs} epochs."
        ).format(answer=answer, batch_size=BATCH_SIZE, accumulation=ACCUMULATION, epochs=EPOCHS)
    )


# --- Exercise 2 -------------------------------------------------------------------------------------------


def fake_batches(pairs: int) -> tuple[tuple[int, int], ...]:
    """(start, end) of each batch of the check's data loader over ``pairs`` pairs."""
    return tuple((start, min(start + FAKE_BATCH_SIZE, pairs)) for start in range(0, pairs, FAKE_BATCH_SIZE))


def fake_model_and_batches(table_logits: np.ndarray, labels: np.ndarray):
    """A model whose logits are read from ``table_logits`` (input_ids[:, 0] holds each pair's row) and
    the batches of a data loader over it, with ``labels``; the model records how it was called."""
    import torch
    from transformers.modeling_outputs import SequenceClassifierOutput

    class TableClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.anchor = torch.nn.Parameter(torch.zeros(1))  # gives the model a device and gradients
            # How each forward pass was called: training mode, gradients recorded, pairs.
            self.training_modes, self.gradients, self.pairs = [], [], []
            self.train()  # a model fresh from training is in training mode

        @property
        def device(self):
            return self.anchor.device

        def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, labels=None, **kwargs):
            self.training_modes.append(self.training)
            self.gradients.append(torch.is_grad_enabled())
            self.pairs.append(len(input_ids))
            table = torch.from_numpy(table_logits).to(input_ids.device)
            logits = table[input_ids[:, 0]] + self.anchor.to(input_ids.device) * 0
            loss = torch.nn.functional.cross_entropy(logits, labels) if labels is not None else None
            return SequenceClassifierOutput(loss=loss, logits=logits)

    batches = []
    for start, end in fake_batches(len(labels)):
        rows = torch.arange(start, end)
        input_ids = torch.stack([rows, torch.full_like(rows, 7), torch.full_like(rows, 102)], dim=1)
        batches.append(
            {
                "labels": torch.from_numpy(labels[start:end]),
                "input_ids": input_ids,
                "token_type_ids": torch.zeros_like(input_ids),
                "attention_mask": torch.ones_like(input_ids),
            }
        )
    return TableClassifier(), batches


class CountingMetric:
    """The notebook's metric, counting the calls of add_batch and compute."""

    def __init__(self, metric):
        self.metric, self.add_batches, self.computes = metric, 0, 0

    def add_batch(self, *args, **kwargs):
        self.add_batches += 1
        return self.metric.add_batch(*args, **kwargs)

    def compute(self, *args, **kwargs):
        self.computes += 1
        return self.metric.compute(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.metric, name)


def run_evaluation_loop(answer, namespace) -> dict:
    """The probe: the student's evaluate_model run on the check's model and batches, with a fresh
    counting metric as the notebook's ``metric`` while it runs (the notebook's own is put back).
    What :func:`answers.call` gives, and how the loop used the model and the metric."""
    from ..metrics import load_mrpc_metric

    if not callable(answer):
        return call(answer)
    model, batches = fake_model_and_batches(*table_of(namespace))
    # A fresh metric, nothing left from earlier tries, of the notebook's profile (local copy without one).
    counting = CountingMetric(load_mrpc_metric(namespace.get("profile")))
    had_metric, earlier = "metric" in namespace, namespace.get("metric")
    namespace["metric"] = counting
    try:
        outcome = call(answer, model, batches)
    finally:
        if had_metric:
            namespace["metric"] = earlier
        else:
            del namespace["metric"]
    returned_metric = outcome.get("result") is counting or outcome.get("result") is counting.metric
    if returned_metric:
        del outcome["result"]
    return {
        **outcome,
        "returned_metric": returned_metric,
        "computes": counting.computes,
        "training_modes": model.training_modes,
        "gradients": model.gradients,
        "pairs": model.pairs,
    }


def check_evaluate_model(answer, namespace) -> str:
    if answer.get("returned_metric"):
        raise wrong(RETURNS_METRIC)
    try:
        result = called(answer, "evaluate_model")
    except CarriedError as error:
        if error.type_name == "ValueError" and "expected format" in str(error):
            raise wrong(GOT_LOGITS) from None
        if error.type_name == "ValueError" and "Mismatch in the number of predictions" in str(error):
            raise wrong(ARGMAX_OVER_PAIRS) from None
        raise
    if not isinstance(result, dict) or not set(SCORES) <= set(result):
        raise wrong(NOT_SCORES, kind=type_name(result))
    logits, labels = table_of(namespace)
    predictions = logits.argmax(axis=-1)
    expected = scores(predictions, labels)
    got = {key: float(result[key]) for key in SCORES}
    pairs_seen = sum(answer["pairs"])
    if not same_scores(got, expected, SCORES):
        start, end = fake_batches(len(labels))[-1]
        if same_scores(got, scores(predictions[start:end], labels[start:end]), SCORES) or answer["computes"] > 1:
            raise wrong(ONE_BATCH)
        if pairs_seen < len(labels):
            raise wrong(STOPPED_EARLY, seen=pairs_seen, total=len(labels))
        if np.isclose(got["accuracy"], 1.0):
            raise wrong(PERFECT)
        raise WrongAnswer(
            _(
                "accuracy {accuracy:.3f} and F1 {f1:.3f}, where this check's model and data give "
                "{expected_accuracy:.3f} and {expected_f1:.3f}. Predictions are outputs.logits.argmax(dim=-1), "
                "references are batch['labels']."
            ).format(
                accuracy=got["accuracy"],
                f1=got["f1"],
                expected_accuracy=expected["accuracy"],
                expected_f1=expected["f1"],
            )
        )
    if any(answer["training_modes"]):
        raise wrong(TRAINING_MODE)
    if any(answer["gradients"]):
        raise wrong(GRADIENTS)
    return _(
        "Accuracy {accuracy:.3f} and F1 {f1:.3f} over all {total} pairs of this check's data loader, in "
        "{batches} batches. add_batch keeps each batch's predictions, compute() scores them all at once: the "
        "same numbers as one compute over the whole split."
    ).format(
        accuracy=expected["accuracy"], f1=expected["f1"], total=len(labels), batches=len(fake_batches(len(labels)))
    )


# --- Exercise 3 -------------------------------------------------------------------------------------------


def gathered_counts(pairs: int) -> tuple[int, int]:
    """(predictions gathered with copies, batches per process) when Accelerate shards batches of
    EVAL_BATCH_SIZE over PROCESSES processes with its defaults (even batches)."""
    from accelerate.data_loader import BatchSamplerShard
    from torch.utils.data import BatchSampler

    sampler = BatchSampler(range(pairs), EVAL_BATCH_SIZE, drop_last=False)
    shards = [
        list(BatchSamplerShard(sampler, num_processes=PROCESSES, process_index=rank, even_batches=True))
        for rank in range(PROCESSES)
    ]
    return sum(len(batch) for shard in shards for batch in shard), len(shards[0])


def gathered_with_copies_of(namespace) -> int:
    return gathered_counts(len(needs(namespace, "tokenized_datasets")["validation"]))[0]


def check_gathered_with_copies(answer, namespace) -> str:
    pairs = len(needs(namespace, "tokenized_datasets")["validation"])
    expected, rounds = gathered_counts(pairs)
    copies = expected - pairs
    answer = whole_number(answer, _("the number of predictions"))
    if answer == expected:
        return _(
            "{expected} predictions: {rounds} batches of {batch_size} on each of the {processes} processes, "
            "{copies} of those predictions for copies of the first pairs. gather_for_metrics drops the copies "
            "and returns {pairs}, so the metric counts each pair once."
        ).format(
            expected=expected,
            rounds=rounds,
            batch_size=EVAL_BATCH_SIZE,
            processes=PROCESSES,
            copies=copies,
            pairs=pairs,
        )
    if answer == pairs:
        raise wrong(GATHER_FOR_METRICS, answer=answer)
    if answer == expected // PROCESSES:
        raise wrong(ONE_PROCESS, answer=answer, processes=PROCESSES)
    if answer == math.ceil(pairs / PROCESSES):
        raise wrong(ONE_SHARE, answer=answer)
    if answer == pairs * PROCESSES:
        raise wrong(EVERY_PROCESS)
    if answer == copies:
        raise wrong(THE_COPIES, answer=answer)
    raise WrongAnswer(
        _(
            "{answer} is not it. Count the batches of {batch_size} (the last one may be short), round that up to "
            "a multiple of {processes} so every process gets as many batches, and count {batch_size} predictions "
            "in every batch: the short one is filled up with copies."
        ).format(answer=answer, batch_size=EVAL_BATCH_SIZE, processes=PROCESSES)
    )


q1 = Exercise(
    label=N_("Exercise 1"),
    answer_name="optimizer_steps",
    checker=check_optimizer_steps,
    hint_text=N_(
        "len(tokenized_datasets['train']) pairs in batches of 16: math.ceil gives the batches per epoch. "
        "The optimizer steps after every 4th batch and after the last batch of the epoch: math.ceil(batches / 4) "
        "per epoch, then 3 epochs."
    ),
    solution_code="""
        import math

        batches_per_epoch = math.ceil(len(tokenized_datasets["train"]) / 16)
        optimizer_steps = math.ceil(batches_per_epoch / 4) * 3
    """,
    mistakes=(
        Mistake("optimizer_steps = math.ceil(len(tokenized_datasets['train']) / 16) * 3", BATCHES),
        Mistake("optimizer_steps = math.ceil(len(tokenized_datasets['train']) / 16) * 3 * 4", MULTIPLIED),
        Mistake("optimizer_steps = math.ceil(math.ceil(len(tokenized_datasets['train']) / 16) / 4)", ONE_EPOCH),
        Mistake("optimizer_steps = len(tokenized_datasets['train']) // 16 // 4 * 3", ROUNDED_DOWN),
        Mistake("optimizer_steps = math.ceil(len(tokenized_datasets['train']) / 16 * 3 / 4)", ROUNDED_OVER_RUN),
        Mistake(
            "optimizer_steps = math.ceil(math.ceil(len(tokenized_datasets['train']) / 16) / 4) * 3 + 1  # a last step",
            OFF_BY_ONE,
        ),
        Mistake("optimizer_steps = len(tokenized_datasets['train']) / 16 / 4 * 3", NOT_WHOLE_FLOAT),
    ),
    variant=Variant(
        names=("tokenized_datasets",),
        here=N_("the notebook's training split"),
        other=N_("another training split"),
        uses=('len(tokenized_datasets["train"])',),
        pick=fewer_training_pairs,
        expected=optimizer_steps_of,
    ),
)

# Exercise 2's solution; most of its mistakes are this code with one change.
EVALUATE_MODEL = """
def evaluate_model(model, dataloader):
    model.eval()
    for batch in dataloader:
        batch = {key: value.to(model.device) for key, value in batch.items()}
        with torch.no_grad():
            outputs = model(**batch)
        predictions = outputs.logits.argmax(dim=-1)
        metric.add_batch(predictions=predictions, references=batch["labels"])
    return metric.compute()
"""

q2 = Exercise(
    label=N_("Exercise 2"),
    answer_name="evaluate_model",
    checker=check_evaluate_model,
    probe=run_evaluation_loop,
    hint_text=N_(
        "model.eval(); then for each batch: move it to model.device, run model(**batch) inside "
        "with torch.no_grad():, take outputs.logits.argmax(dim=-1) and pass it with batch['labels'] to "
        "metric.add_batch. After the loop, return metric.compute()."
    ),
    solution_code=EVALUATE_MODEL,
    mistakes=(
        Mistake("evaluate_model = {'accuracy': 0.5, 'f1': 0.5}", NOT_A_FUNCTION),
        Mistake("def evaluate_model(model, dataloader):\n    return metric", RETURNS_METRIC),
        Mistake(EVALUATE_MODEL.replace("outputs.logits.argmax(dim=-1)", "outputs.logits"), GOT_LOGITS),
        Mistake(EVALUATE_MODEL.replace("argmax(dim=-1)", "argmax(dim=0)"), ARGMAX_OVER_PAIRS),
        Mistake(
            EVALUATE_MODEL.replace(
                'metric.add_batch(predictions=predictions, references=batch["labels"])\n    return metric.compute()',
                'scores = metric.compute(predictions=predictions, references=batch["labels"])\n    return scores',
            ),
            ONE_BATCH,
        ),
        Mistake(
            EVALUATE_MODEL.replace(
                'references=batch["labels"])\n', 'references=batch["labels"])\n        return metric.compute()\n'
            ),
            STOPPED_EARLY,
        ),
        Mistake(EVALUATE_MODEL.replace("predictions=predictions", 'predictions=batch["labels"]'), PERFECT),
        Mistake(EVALUATE_MODEL.replace("return metric.compute()", 'return metric.compute()["accuracy"]'), NOT_SCORES),
        Mistake(EVALUATE_MODEL.replace("    model.eval()\n", ""), TRAINING_MODE),
        Mistake(
            EVALUATE_MODEL.replace(
                "        with torch.no_grad():\n            outputs = model(**batch)",
                "        outputs = model(**batch)",
            ),
            GRADIENTS,
        ),
    ),
    variant=Variant(
        names=(CHECK_TABLE,),
        here=N_("the check's model and data loader"),
        other=N_("another model and data loader"),
        uses=("model", "dataloader"),
        pick=another_table,
        expected=table_scores,
    ),
)

q3 = Exercise(
    label=N_("Exercise 3"),
    answer_name="gathered_with_copies",
    checker=check_gathered_with_copies,
    hint_text=N_(
        "The validation pairs in batches of 8: math.ceil(pairs / 8) batches. The 2 processes take one batch "
        "each per round, so round the batches up to an even number; every batch, the short last one filled "
        "up with copies, holds 8 predictions."
    ),
    solution_code="""
        import math

        batches = math.ceil(len(tokenized_datasets["validation"]) / 8)
        rounds = math.ceil(batches / 2)
        gathered_with_copies = rounds * 2 * 8
    """,
    mistakes=(
        Mistake("gathered_with_copies = len(tokenized_datasets['validation'])", GATHER_FOR_METRICS),
        Mistake(
            "gathered_with_copies = math.ceil(math.ceil(len(tokenized_datasets['validation']) / 8) / 2) * 8",
            ONE_PROCESS,
        ),
        Mistake("gathered_with_copies = math.ceil(len(tokenized_datasets['validation']) / 2)", ONE_SHARE),
        Mistake("gathered_with_copies = len(tokenized_datasets['validation']) * 2", EVERY_PROCESS),
        Mistake(
            "pairs = len(tokenized_datasets['validation'])\n"
            "gathered_with_copies = math.ceil(math.ceil(pairs / 8) / 2) * 2 * 8 - pairs",
            THE_COPIES,
        ),
        Mistake("gathered_with_copies = str(len(tokenized_datasets['validation']))", NOT_WHOLE),
    ),
    variant=Variant(
        names=("tokenized_datasets",),
        here=N_("the notebook's validation split"),
        other=N_("another validation split"),
        uses=('len(tokenized_datasets["validation"])',),
        pick=fewer_validation_pairs,
        expected=gathered_with_copies_of,
    ),
)

exercises = ExerciseSet(q1, q2, q3)
progress = exercises.progress
