"""Exercises for notebook 6: optimizer steps with gradient accumulation, an evaluation loop with
``add_batch``, and what ``gather_for_metrics`` drops on several processes."""

from __future__ import annotations

import math

import numpy as np

from ..i18n import N_, _
from . import Exercise, ExerciseSet, NotAnswered, WrongAnswer, blank, needs

# Exercise 1: the loop in the exercise's text.
BATCH_SIZE, ACCUMULATION, EPOCHS = 16, 4, 3
# Exercise 3: evaluation on 2 processes, batches of 8 per process.
PROCESSES, EVAL_BATCH_SIZE = 2, 8

# Exercise 2: logits and labels for a model and data loader of the check's own, in batches of 4,
# 4 and 2 pairs, chosen so that the usual mistakes give other scores than the right loop.
FAKE_LOGITS = np.array(
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
FAKE_LABELS = np.array([0, 1, 0, 1, 1, 1, 1, 1, 1, 0])
FAKE_BATCHES = ((0, 4), (4, 8), (8, 10))


def whole_number(answer, message: str) -> int:
    """``answer`` as an int (a NumPy or torch integer too); else WrongAnswer with ``message``, a translated
    template whose ``{kind}`` is the answer's type."""
    if isinstance(answer, bool) or not isinstance(answer, int):
        if hasattr(answer, "item") and float(answer.item()).is_integer():
            return int(answer.item())
        raise WrongAnswer(message.format(kind=type(answer).__name__))
    return answer


# --- Exercise 1 -------------------------------------------------------------------------------------------


def loop_counts(pairs: int) -> tuple[int, int]:
    """(batches per epoch, optimizer steps per epoch) of the exercise's loop."""
    batches = math.ceil(pairs / BATCH_SIZE)
    return batches, math.ceil(batches / ACCUMULATION)


def check_optimizer_steps(answer, namespace) -> str:
    pairs = len(needs(namespace, "tokenized_datasets")["train"])
    batches, per_epoch = loop_counts(pairs)
    expected = per_epoch * EPOCHS
    answer = whole_number(answer, _("give the number of optimizer steps as one whole number (an int), not {kind}."))
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
        raise WrongAnswer(
            _(
                "{answer} is the number of batches (forward and backward passes). The optimizer steps only once "
                "every {accumulation} batches."
            ).format(answer=answer, accumulation=ACCUMULATION)
        )
    if answer == batches * EPOCHS * ACCUMULATION:
        raise WrongAnswer(
            _("accumulation makes fewer optimizer steps, not more: divide by {accumulation}, do not multiply.").format(
                accumulation=ACCUMULATION
            )
        )
    if answer == per_epoch:
        raise WrongAnswer(
            _("{answer} is the count for one epoch; the loop runs {epochs} epochs.").format(
                answer=answer, epochs=EPOCHS
            )
        )
    if answer == (batches // ACCUMULATION) * EPOCHS:
        raise WrongAnswer(
            _(
                "you rounded down. The condition `or step + 1 == len(train_dataloader)` also steps on the "
                "{leftover} batches left at the end of each epoch: round up per epoch."
            ).format(leftover=batches % ACCUMULATION)
        )
    if answer == math.ceil(batches * EPOCHS / ACCUMULATION):
        raise WrongAnswer(
            _(
                "you rounded over the whole run. step starts again at 0 every epoch, and each epoch ends with "
                "its own step on its leftover batches: ceil(batches per epoch / {accumulation}), then times "
                "{epochs}."
            ).format(accumulation=ACCUMULATION, epochs=EPOCHS)
        )
    if answer in (expected - 1, expected + 1):
        raise WrongAnswer(
            _("{answer} is off by one. Count the batches per epoch with math.ceil, then the steps per epoch.").format(
                answer=answer
            )
        )
    raise WrongAnswer(
        _(
            "{answer} is not it. Batches per epoch = ceil(training pairs / {batch_size}); optimizer steps per "
            "epoch = ceil(batches / {accumulation}); then times {epochs} epochs."
        ).format(answer=answer, batch_size=BATCH_SIZE, accumulation=ACCUMULATION, epochs=EPOCHS)
    )


# --- Exercise 2 -------------------------------------------------------------------------------------------


def fake_model_and_batches():
    """A model whose logits are read from FAKE_LOGITS (input_ids[:, 0] holds each pair's row) and
    the batches of a data loader over it; the model records how it was called."""
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
            table = torch.from_numpy(FAKE_LOGITS).to(input_ids.device)
            logits = table[input_ids[:, 0]] + self.anchor.to(input_ids.device) * 0
            loss = torch.nn.functional.cross_entropy(logits, labels) if labels is not None else None
            return SequenceClassifierOutput(loss=loss, logits=logits)

    batches = []
    for start, end in FAKE_BATCHES:
        rows = torch.arange(start, end)
        input_ids = torch.stack([rows, torch.full_like(rows, 7), torch.full_like(rows, 102)], dim=1)
        batches.append(
            {
                "labels": torch.from_numpy(FAKE_LABELS[start:end]),
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


def scores(predictions, labels) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return {"accuracy": accuracy_score(labels, predictions), "f1": f1_score(labels, predictions, zero_division=0)}


def same(got: dict, expected: dict) -> bool:
    return all(np.isclose(got[key], expected[key]) for key in expected)


def check_evaluate_model(answer, namespace) -> str:
    from ..metrics import load_mrpc_metric

    if not callable(answer):
        raise WrongAnswer(_("evaluate_model should be a function, not {kind}.").format(kind=type(answer).__name__))
    profile = needs(namespace, "profile")
    model, batches = fake_model_and_batches()
    counting = CountingMetric(load_mrpc_metric(profile))  # a fresh metric: nothing left from earlier tries
    had_metric, earlier = "metric" in namespace, namespace.get("metric")
    namespace["metric"] = counting
    try:
        result = answer(model, batches)
    except ValueError as error:
        if "expected format" in str(error):
            raise WrongAnswer(
                _(
                    "add_batch got the logits, two scores per pair. It needs one predicted class per pair: "
                    "outputs.logits.argmax(dim=-1)."
                )
            ) from None
        if "Mismatch in the number of predictions" in str(error):
            raise WrongAnswer(
                _(
                    "there are not as many predictions as labels in a batch: take the argmax over the classes, "
                    "dim=-1, not over the pairs."
                )
            ) from None
        raise
    finally:
        if had_metric:
            namespace["metric"] = earlier
        else:
            del namespace["metric"]
    if blank(result):
        raise NotAnswered
    if result is counting or result is counting.metric:
        raise WrongAnswer(_("it returns the metric itself; return metric.compute(), the dict of scores."))
    if not isinstance(result, dict) or not {"accuracy", "f1"} <= set(result):
        raise WrongAnswer(
            _("it returns {kind}; it should return the dict of metric.compute(), with accuracy and f1.").format(
                kind=type(result).__name__
            )
        )
    predictions = FAKE_LOGITS.argmax(axis=-1)
    expected = scores(predictions, FAKE_LABELS)
    got = {key: float(result[key]) for key in ("accuracy", "f1")}
    right = same(got, expected)
    pairs_seen = sum(model.pairs)
    if not right:
        start, end = FAKE_BATCHES[-1]
        if same(got, scores(predictions[start:end], FAKE_LABELS[start:end])) or counting.computes > 1:
            raise WrongAnswer(
                _(
                    "those are the scores of one batch. metric.compute() gives the scores of what was added since "
                    "the last compute: add_batch for every batch, and compute() once, after the loop."
                )
            )
        if pairs_seen < len(FAKE_LABELS):
            raise WrongAnswer(
                _(
                    "the model saw {seen} of the {total} pairs: the loop stopped early. Is the return inside the loop?"
                ).format(seen=pairs_seen, total=len(FAKE_LABELS))
            )
        if np.isclose(got["accuracy"], 1.0):
            raise WrongAnswer(_("a perfect score: the labels were compared with themselves. Compare the predictions."))
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
    if any(model.training_modes):
        raise WrongAnswer(
            _(
                "right scores, but the model was still in training mode, with dropout on: call model.eval() "
                "before the loop (a real model would give noisy predictions)."
            )
        )
    if any(model.gradients):
        raise WrongAnswer(
            _(
                "right scores, but the forward passes recorded gradients, which costs memory and time: run them "
                "inside `with torch.no_grad():` (or torch.inference_mode())."
            )
        )
    return _(
        "Accuracy {accuracy:.3f} and F1 {f1:.3f} over all {total} pairs of this check's data loader, in "
        "{batches} batches. add_batch keeps each batch's predictions, compute() scores them all at once: the "
        "same numbers as one compute over the whole split."
    ).format(accuracy=expected["accuracy"], f1=expected["f1"], total=len(FAKE_LABELS), batches=len(FAKE_BATCHES))


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


def check_gathered_with_copies(answer, namespace) -> str:
    pairs = len(needs(namespace, "tokenized_datasets")["validation"])
    expected, rounds = gathered_counts(pairs)
    copies = expected - pairs
    answer = whole_number(answer, _("give the number of predictions as one whole number (an int), not {kind}."))
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
        raise WrongAnswer(
            _(
                "{answer} is one prediction per validation pair: what gather_for_metrics returns once it has "
                "dropped the copies. Plain gather keeps them."
            ).format(answer=answer)
        )
    if answer == expected // PROCESSES:
        raise WrongAnswer(
            _(
                "{answer} is what one process computes. gather collects the predictions of the {processes} processes."
            ).format(answer=answer, processes=PROCESSES)
        )
    if answer == math.ceil(pairs / PROCESSES):
        raise WrongAnswer(
            _(
                "{answer} is one process's share of the pairs, without the copies. gather collects every "
                "process's predictions, copies included."
            ).format(answer=answer)
        )
    if answer == pairs * PROCESSES:
        raise WrongAnswer(
            _(
                "each pair goes to one process only, not to all of them: the processes share the batches. Only "
                "the copies that even out the last round come on top."
            )
        )
    if answer == copies:
        raise WrongAnswer(
            _("{answer} is the number of copies; the question asks for all the predictions gather returns.").format(
                answer=answer
            )
        )
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
)

q2 = Exercise(
    label=N_("Exercise 2"),
    answer_name="evaluate_model",
    checker=check_evaluate_model,
    hint_text=N_(
        "model.eval(); then for each batch: move it to model.device, run model(**batch) inside "
        "with torch.no_grad():, take outputs.logits.argmax(dim=-1) and pass it with batch['labels'] to "
        "metric.add_batch. After the loop, return metric.compute()."
    ),
    solution_code="""
        def evaluate_model(model, dataloader):
            model.eval()
            for batch in dataloader:
                batch = {key: value.to(model.device) for key, value in batch.items()}
                with torch.no_grad():
                    outputs = model(**batch)
                predictions = outputs.logits.argmax(dim=-1)
                metric.add_batch(predictions=predictions, references=batch["labels"])
            return metric.compute()
    """,
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
)

exercises = ExerciseSet(q1, q2, q3)
progress = exercises.progress
