"""Exercises for notebook 2: TrainingArguments, step counts, the learning-rate schedule.

Exercises 2 and 3 are computed from numbers the notebook names (``train_pairs``, ``batch_size``...),
so they are also judged on another run's numbers; exercise 1, a configuration, has no variant."""

from __future__ import annotations

import math
import tempfile

from ..i18n import N_, _
from . import Exercise, ExerciseSet, Mistake, Variant, WrongAnswer, needs, wrong
from .answers import NOT_WHOLE_FLOAT, number, whole_number
from .carry import type_name

# Exercise 2 and 3: GLUE MRPC's training split on one GPU, as the notebook names the numbers.
PAIRS, BATCH_SIZE, EPOCHS, ACCUMULATION = 3668, 16, 3, 2
PEAK_LR, WARMUP_FRACTION, AT_STEP = 2e-5, 0.1, 100
RUN_NAMES = ("train_pairs", "batch_size", "epochs", "accumulation")
SCHEDULE_NAMES = ("learning_rate", "warmup_fraction", "at_step")
RATE_TOLERANCE = 1e-3  # relative

# The messages of the usual mistakes: each check raises them, each exercise's mistakes name them.
OLD_NAME = N_(
    "evaluation_strategy is the 2023 name. transformers 4.41 renamed it eval_strategy, and "
    "transformers 5 rejects the old name."
)
REFUSED = N_("TrainingArguments refuses these settings: {error}")
NOT_STEPS = N_("eval_strategy is {value!r}; to evaluate every N steps it must be 'steps'.")
EVAL_STEPS_DEFAULT = N_("eval_steps is {value} (it defaults to logging_steps); set it to 50.")
SAVE_TOO = N_("checkpoints are saved with save_strategy={strategy!r} and save_steps={steps}; save every 50 steps too.")
BATCHES = N_(
    "that is the number of batches. With gradient_accumulation_steps=2 the optimizer steps once every 2 batches."
)
ROUNDED_ONCE = N_(
    "{answer} is {pairs:,} x {epochs} / {batch_size} rounded once: the batches of the whole run. "
    "Two things are missing. With gradient_accumulation_steps=2 the optimizer steps once every 2 "
    "batches, so halve the batches. And each epoch ends with its own last, smaller batch and its "
    "own last step, so round per epoch: ceil({pairs} / {batch_size}) batches, ceil(batches / 2) "
    "steps, then times {epochs}."
)
MULTIPLIED = N_("accumulation makes fewer optimizer steps, not more: divide by 2, do not multiply.")
LAST_BATCH = N_("the last, smaller batch counts too: 3,668 / 16 is 229.25, so an epoch has 230 batches.")
ROUND_PER_EPOCH = N_("round per epoch, not over the whole run: each epoch ends with its own last step.")
PEAK = N_(
    "that is the peak, reached at the end of the warm-up (step {warmup}); after it the rate falls "
    "linearly to 0 at step {total}."
)
NO_WARMUP = N_("you left out the warm-up: the fall starts at step {warmup}, not at step 0.")
WARMUP_ROUNDS_UP = N_("the warm-up rounds up: ceil({total} x 0.1) = {warmup} steps.")


def check_every_50_steps(answer, namespace) -> str:
    from transformers import TrainingArguments

    if not isinstance(answer, dict):
        raise WrongAnswer(
            _(
                "give the keyword arguments as a dict, e.g. dict(eval_strategy=..., eval_steps=..., ...), not {type}."
            ).format(type=type_name(answer))
        )
    if "evaluation_strategy" in answer:
        raise wrong(OLD_NAME)
    try:
        with tempfile.TemporaryDirectory() as folder:
            args = TrainingArguments(output_dir=folder, report_to="none", **answer)
    except (TypeError, ValueError) as error:
        raise wrong(REFUSED, error=error) from None
    if args.eval_strategy != "steps":
        raise wrong(NOT_STEPS, value=str(args.eval_strategy.value))
    if args.eval_steps != 50:
        raise wrong(EVAL_STEPS_DEFAULT, value=args.eval_steps)
    if args.save_strategy != "steps" or args.save_steps != 50:
        raise wrong(SAVE_TOO, strategy=str(args.save_strategy.value), steps=args.save_steps)
    return _(
        "Evaluating and saving on the same steps means every evaluated model has a checkpoint, which "
        "load_best_model_at_end needs."
    )


def optimizer_steps(
    pairs: int = PAIRS, batch_size: int = BATCH_SIZE, epochs: int = EPOCHS, accumulation: int = ACCUMULATION
) -> int:
    """The optimizer steps of a run: each epoch's batches, rounded up, then its steps, rounded up."""
    batches = math.ceil(pairs / batch_size)
    return math.ceil(batches / accumulation) * epochs


def run_numbers(namespace) -> tuple[int, int, int, int]:
    """The run of exercises 2 and 3, as the notebook names it: pairs, batch size, epochs, accumulation."""
    return tuple(needs(namespace, name) for name in RUN_NAMES)


def total_steps_of(namespace) -> int:
    return optimizer_steps(*run_numbers(namespace))


def another_run(rng, namespace) -> dict:
    """Exercise 2's variant: another run's numbers."""
    return {
        "train_pairs": rng.randint(1000, 5000),
        "batch_size": rng.choice((8, 16, 32)),
        "epochs": rng.choice((2, 3, 4, 5)),
        "accumulation": rng.choice((2, 4)),
    }


def check_total_steps(answer, namespace) -> str:
    pairs, batch_size, epochs, accumulation = run_numbers(namespace)
    expected = total_steps_of(namespace)
    answer = whole_number(answer, _("the number of optimizer steps"))
    if answer == expected:
        return _(
            "{expected} optimizer steps. This number sets the length of the schedule, the warm-up, and how "
            "often logging, evaluation and saving happen."
        ).format(expected=expected)
    batches = math.ceil(pairs / batch_size)
    whole_run_batches = pairs * epochs / batch_size  # 687.75: no accumulation, one rounding for the run
    if answer == batches * epochs:
        raise wrong(BATCHES)
    if answer in (math.ceil(whole_run_batches), math.floor(whole_run_batches)):
        raise wrong(ROUNDED_ONCE, answer=answer, pairs=pairs, epochs=epochs, batch_size=batch_size)
    if answer == batches * epochs * accumulation:
        raise wrong(MULTIPLIED)
    if answer == (pairs // batch_size) // accumulation * epochs:
        raise wrong(LAST_BATCH)
    if answer == math.ceil(pairs * epochs / (batch_size * accumulation)):
        raise wrong(ROUND_PER_EPOCH)
    raise WrongAnswer(
        _(
            "{answer} is not it. Batches per epoch = ceil(pairs / batch size); optimizer steps per epoch = "
            "ceil(batches / accumulation); then times the epochs."
        ).format(answer=answer)
    )


def learning_rate_at(step: int, total: int, warmup: int, peak: float = PEAK_LR) -> float:
    """The linear schedule (the Trainer's default) with a warm-up of ``warmup`` steps."""
    if step < warmup:
        return peak * step / max(1, warmup)
    return peak * max(0.0, (total - step) / max(1, total - warmup))


def schedule_of(namespace) -> tuple[int, int, float, int]:
    """Exercise 3's schedule, as the notebook names it: total steps, warm-up steps, peak rate, the step asked."""
    total = total_steps_of(namespace)
    peak, fraction, step = (needs(namespace, name) for name in SCHEDULE_NAMES)
    return total, math.ceil(total * fraction), peak, step


def lr_of(namespace) -> float:
    total, warmup, peak, step = schedule_of(namespace)
    return learning_rate_at(step, total, warmup, peak)


def another_step(rng, namespace) -> dict:
    """Exercise 3's variant: another peak rate, and another step after the warm-up."""
    total, warmup, _peak, _step = schedule_of(namespace)
    return {"learning_rate": rng.choice((1e-5, 2e-5, 3e-5, 5e-5)), "at_step": rng.randint(warmup + 1, total - 1)}


def near_rate(first: float, second: float) -> bool:
    """Two learning rates the check does not tell apart."""
    return math.isclose(first, second, rel_tol=RATE_TOLERANCE)


def check_lr_at_step_100(answer, namespace) -> str:
    total, warmup, peak, step = schedule_of(namespace)
    expected = lr_of(namespace)
    answer = number(answer, _("the learning rate"))

    def near(value):
        return near_rate(answer, value)

    if near(expected):
        return _(
            "{expected:.4g}: a linear schedule with warm-up. The linear schedule is the Trainer's default; "
            "the warm-up is not (warmup_steps defaults to 0): this run sets warmup_steps=0.1. The rate was at "
            "its peak at step {warmup} and will reach 0 at step {total}."
        ).format(expected=expected, warmup=warmup, total=total)
    if near(peak):
        raise wrong(PEAK, warmup=warmup, total=total)
    if near(learning_rate_at(step, total, 0, peak)):
        raise wrong(NO_WARMUP, warmup=warmup)
    if near(learning_rate_at(step, total, math.floor(total * needs(namespace, "warmup_fraction")), peak)):
        raise wrong(WARMUP_ROUNDS_UP, total=total, warmup=warmup)
    raise WrongAnswer(
        _("{answer:.4g} is not it. After the warm-up the rate is peak x (total - step) / (total - warm-up).").format(
            answer=answer
        )
    )


q1 = Exercise(
    label=N_("Exercise 1"),
    answer_name="every_50_steps",
    checker=check_every_50_steps,
    hint_text=N_(
        "Four keyword arguments: a strategy and a number of steps for evaluation, and the same for saving. "
        "Use today's names (notebook 2's table of renamed arguments)."
    ),
    solution_code="""
        every_50_steps = dict(eval_strategy="steps", eval_steps=50, save_strategy="steps", save_steps=50)
    """,
    mistakes=(
        Mistake("every_50_steps = dict(evaluation_strategy='steps', eval_steps=50, save_steps=50)", OLD_NAME),
        Mistake("every_50_steps = dict(eval_strategy='epoch', save_strategy='steps', save_steps=50)", NOT_STEPS),
        Mistake(
            "every_50_steps = dict(eval_strategy='steps', save_strategy='steps', save_steps=50)", EVAL_STEPS_DEFAULT
        ),
        Mistake("every_50_steps = dict(eval_strategy='steps', eval_steps=50)", SAVE_TOO),
        Mistake("every_50_steps = dict(eval_strategy='often')", REFUSED),
    ),
)

q2 = Exercise(
    label=N_("Exercise 2"),
    answer_name="total_steps",
    checker=check_total_steps,
    hint_text=N_(
        "math.ceil(train_pairs / batch_size) batches per epoch; the optimizer steps once per accumulation "
        "batches, rounding up at the end of each epoch; then times epochs."
    ),
    solution_code="""
        import math

        batches_per_epoch = math.ceil(train_pairs / batch_size)
        total_steps = math.ceil(batches_per_epoch / accumulation) * epochs
    """,
    mistakes=(
        Mistake("total_steps = 230 * 3", BATCHES),
        # 3 x 3668 / 16 = 687.75, rounded: no accumulation, and one rounding for the whole run.
        Mistake("total_steps = 688", ROUNDED_ONCE),
        Mistake("total_steps = 3668 * 3 // 16", ROUNDED_ONCE),
        Mistake("total_steps = 230 * 3 * 2", MULTIPLIED),
        Mistake("total_steps = 229 // 2 * 3", LAST_BATCH),
        Mistake("import math\n\ntotal_steps = math.ceil(3668 * 3 / 32)", ROUND_PER_EPOCH),
        Mistake("total_steps = 3668 / 16 / 2 * 3", NOT_WHOLE_FLOAT),
    ),
    variant=Variant(
        names=RUN_NAMES,
        here=N_("the notebook's run"),
        other=N_("another run's numbers"),
        uses=RUN_NAMES,
        pick=another_run,
        expected=total_steps_of,
    ),
)

q3 = Exercise(
    label=N_("Exercise 3"),
    answer_name="lr_at_step_100",
    checker=check_lr_at_step_100,
    hint_text=N_(
        "Warm-up steps = ceil(warmup_fraction x total_steps). After them the rate falls linearly from "
        "learning_rate to 0: learning_rate x (total_steps - at_step) / (total_steps - warm-up steps)."
    ),
    solution_code="""
        import math

        warmup = math.ceil(warmup_fraction * total_steps)
        lr_at_step_100 = learning_rate * (total_steps - at_step) / (total_steps - warmup)
    """,
    mistakes=(
        Mistake("lr_at_step_100 = 2e-5", PEAK),
        Mistake("lr_at_step_100 = 2e-5 * (total_steps - 100) / total_steps", NO_WARMUP),
        Mistake(
            "lr_at_step_100 = 2e-5 * (total_steps - 100) / (total_steps - int(0.1 * total_steps))", WARMUP_ROUNDS_UP
        ),
    ),
    variant=Variant(
        names=("learning_rate", "at_step"),
        here=N_("the notebook's step and rate"),
        other=N_("another step and rate"),
        uses=("total_steps", *SCHEDULE_NAMES),
        pick=another_step,
        expected=lr_of,
        same=near_rate,
    ),
)

exercises = ExerciseSet(q1, q2, q3)
progress = exercises.progress
