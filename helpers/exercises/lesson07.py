"""Exercises for notebook 7: the label a pipeline gives a pair, the logits of a model loaded back,
and how much smaller int8 dynamic quantization makes the model. Each is also judged on a variant:
another pair, other validation pairs, a model with fewer layers."""

from __future__ import annotations

import copy
import io
import math
import warnings

import numpy as np

from ..i18n import N_, _
from . import Exercise, ExerciseSet, Mistake, Variant, WrongAnswer, needs, wrong
from .answers import NOT_A_NUMBER, NOT_AN_ARRAY, as_array, number, softmax
from .carry import type_name
from .cells import answer_cells, joins_names
from .variants import with_split

# The pair exercise 1 gives as sentence1 and sentence2.
PAIR = (
    "Shares of Norfield Bank fell 4 percent on Tuesday after the bank cut its profit forecast .",
    "Norfield Bank's shares dropped 4 percent on Tuesday when it lowered its forecast for profit .",
)
VALIDATION_PAIRS = 8  # exercise 2: the first 8 validation pairs
RATIO_TOLERANCE = 0.02  # exercise 3: torch.save of a state dict or of the whole module, file or buffer

# The messages of the usual mistakes: each check raises them, each exercise's mistakes name them.
LIST_OF_ANSWERS = N_("that is a list of the pipeline's answers (you gave it a list); the name is answer[0]['label'].")
WHOLE_ANSWER = N_("that is the pipeline's whole answer, a dict; the label name is answer['label'].")
LABEL_ID = N_(
    "{answer} is a label id, a number. The pipeline answers with the name that model.config.id2label "
    "gives that id: one of {names}."
)
NOT_A_STRING = N_("give the label name as a string, not {kind}.")
DEFAULT_NAME = N_(
    "{answer} is the default name of a model without label names. This model has them in its config "
    "(id2label): build the pipeline from model and tokenizer, and it answers with them."
)
NOT_A_LABEL = N_("'{answer}' is not one of the model's labels: {names}.")
ONE_TEXT = N_(
    "that is the answer for the two sentences read as one text. Give the pipeline the pair as "
    '{"text": sentence1, "text_pair": sentence2}, so that it is encoded as a pair, as in training.'
)
A_COMPARISON = N_(
    "that is the result of a comparison. Store the reloaded model's logits themselves; the check "
    "compares them with the original's, with torch.allclose (== between tensors gives a tensor of "
    "True/False, one per number)."
)
NOT_RELOADED = N_("load the model back as `reloaded_model`, with from_pretrained, and use it for the logits.")
THE_SAME_MODEL = N_(
    "reloaded_model is `model` itself. Save it with save_pretrained, then load a new one from that "
    "folder with AutoModelForSequenceClassification.from_pretrained."
)
FROM_CHECKPOINT = N_(
    "reloaded_model was loaded from profile.checkpoint: the pretrained model with a new, random head. "
    "Load it from the folder you saved the fine-tuned model to."
)
PREDICTED_CLASSES = N_(
    "those are the predicted classes (the argmax). Keep the logits: one row of two scores per pair, shape ({pairs}, 2)."
)
WRONG_SHAPE = N_(
    "reloaded_logits has shape {shape}; it should be ({pairs}, 2): one row of two logits for each of "
    "the first {pairs} validation pairs."
)
PROBABILITIES = N_("those are probabilities (softmax of the logits). Store the raw logits: outputs.logits.")
NOT_THESE_LOGITS = N_(
    "these are not the fine-tuned model's logits for the first {pairs} validation pairs. Encode them "
    "as pairs (sentence1, sentence2) with the reloaded tokenizer, and run the reloaded model in "
    "evaluation mode under torch.no_grad()."
)
UPSIDE_DOWN = N_("the ratio is upside down: int8 size divided by float32 size, a number below 1.")
RATIO_PERCENTAGE = N_("that is a percentage; give the ratio as a fraction between 0 and 1.")
SHARE_SAVED = N_("that is the share saved, 1 minus the ratio; give int8 size / float32 size.")
NOT_QUANTIZED = N_(
    "the two sizes are about the same: was the model quantized before saving? quantize_dynamic returns "
    "a new, quantized model and leaves its argument as it was: measure what it returns."
)
BITS_ONLY = N_(
    "8 bits out of 32 is the ratio for the Linear weights alone. The embeddings, LayerNorms and biases "
    "stay float32: save both state dicts with torch.save and compare the files' sizes."
)
COUNTED_PARAMETERS = N_(
    "counting parameters misses the int8 weights: a quantized layer keeps them packed, not as "
    "parameters. Save both state dicts with torch.save and compare the files' sizes."
)


def logits_of(model, tokenizer, first, second=None):
    """The model's logits (on the CPU) for pairs, or for single texts when ``second`` is None, in eval mode."""
    import torch

    encoding = tokenizer(first, second, padding=True, truncation=True, return_tensors="pt").to(model.device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(**encoding).logits.float().cpu()
    finally:
        model.train(was_training)


# --- Exercise 1 -------------------------------------------------------------------------------------------


def pair_probabilities(namespace) -> np.ndarray:
    """The model's probabilities of each label for the pair ``sentence1``, ``sentence2``."""
    model, tokenizer = needs(namespace, "model"), needs(namespace, "tokenizer")
    sentence1, sentence2 = needs(namespace, "sentence1"), needs(namespace, "sentence2")
    return softmax(logits_of(model, tokenizer, [sentence1], [sentence2]).numpy())[0]


def predicted_label_of(namespace) -> str:
    return needs(namespace, "model").config.id2label[int(pair_probabilities(namespace).argmax())]


def another_validation_pair(rng, namespace) -> dict:
    """Exercise 1's variant: a pair of the validation split."""
    validation = needs(namespace, "raw_datasets")["validation"]
    row = validation[rng.randrange(len(validation))]
    return {"sentence1": row["sentence1"], "sentence2": row["sentence2"]}


def check_predicted_label(answer, namespace) -> str:
    model, tokenizer = needs(namespace, "model"), needs(namespace, "tokenizer")
    sentence1, sentence2 = needs(namespace, "sentence1"), needs(namespace, "sentence2")
    id2label = model.config.id2label
    names = [id2label[index] for index in sorted(id2label)]
    probabilities = pair_probabilities(namespace)
    expected = id2label[int(probabilities.argmax())]
    if isinstance(answer, list) and answer and isinstance(answer[0], dict):
        raise wrong(LIST_OF_ANSWERS)
    if isinstance(answer, dict):
        raise wrong(WHOLE_ANSWER)
    if isinstance(answer, (bool, int)) or getattr(answer, "ndim", None) == 0:  # a number, or a NumPy or torch scalar
        raise wrong(LABEL_ID, answer=answer, names=", ".join(names))
    if not isinstance(answer, str):
        raise wrong(NOT_A_STRING, kind=type_name(answer))
    if answer.upper().startswith("LABEL_"):
        raise wrong(DEFAULT_NAME, answer=answer)
    if answer not in names:
        raise wrong(NOT_A_LABEL, answer=answer, names=", ".join(names))
    # How the pair was given, read in the answer cell: joined into one text, the label may happen to
    # be the pair's (it is, for this pair, on both profiles), but the model was asked something else.
    if joins_names(answer_cells.get("predicted_label", ""), "sentence1", "sentence2"):
        raise wrong(ONE_TEXT)
    if answer != expected:
        joined = id2label[int(logits_of(model, tokenizer, [f"{sentence1} {sentence2}"])[0].argmax())]
        if answer == joined:
            raise wrong(ONE_TEXT)
        raise WrongAnswer(
            _(
                "the model predicts the other label for this pair. Ask the pipeline: "
                'classifier({"text": sentence1, "text_pair": sentence2})["label"].'
            )
        )
    return _(
        "'{expected}', with probability {probability:.3f}. The pipeline took the name from model.config.id2label; "
        "without label names in the config it would have said LABEL_{index}."
    ).format(expected=expected, probability=float(probabilities.max()), index=int(probabilities.argmax()))


# --- Exercise 2 -------------------------------------------------------------------------------------------


def reloaded_facts(answer, namespace) -> dict:
    """The probe: the logits, and what the check must know of the student's ``reloaded_model``:
    whether there is one, whether it is ``model`` itself, and where it was loaded from."""
    reloaded = namespace.get("reloaded_model")
    facts = None
    if reloaded is not None:
        facts = {
            "is_model": reloaded is namespace.get("model"),
            "name_or_path": str(getattr(reloaded, "name_or_path", "")),
        }
    return {"logits": answer, "reloaded_model": facts}


def validation_in_another_order(rng, namespace) -> dict:
    """Exercise 2's variant: the validation split shuffled, so that its first 8 pairs are others."""
    raw = needs(namespace, "raw_datasets")
    validation = raw["validation"]
    order = list(range(len(validation)))
    while set(order[:VALIDATION_PAIRS]) == set(range(VALIDATION_PAIRS)):
        order = rng.sample(range(len(validation)), len(validation))
    return {"raw_datasets": with_split(raw, "validation", validation.select(order))}


def check_reloaded_logits(answer, namespace) -> str:
    model, tokenizer = needs(namespace, "model"), needs(namespace, "tokenizer")
    pairs = needs(namespace, "raw_datasets")["validation"][:VALIDATION_PAIRS]
    logits, reloaded = answer["logits"], answer["reloaded_model"]
    if isinstance(logits, bool) or str(getattr(logits, "dtype", "")) in ("torch.bool", "bool"):
        raise wrong(A_COMPARISON)
    logits = as_array(logits, "reloaded_logits").astype(np.float32)
    expected = logits_of(model, tokenizer, pairs["sentence1"], pairs["sentence2"]).numpy()
    if reloaded is None:
        raise wrong(NOT_RELOADED)
    if reloaded["is_model"]:
        raise wrong(THE_SAME_MODEL)
    profile = namespace.get("profile")
    if profile is not None and reloaded["name_or_path"] == str(profile.checkpoint):
        raise wrong(FROM_CHECKPOINT)
    classes = expected.argmax(-1)
    if logits.shape == classes.shape and np.array_equal(logits.astype(np.int64), classes):
        raise wrong(PREDICTED_CLASSES, pairs=VALIDATION_PAIRS)
    if logits.shape != expected.shape:
        raise wrong(WRONG_SHAPE, shape=tuple(logits.shape), pairs=VALIDATION_PAIRS)
    if np.allclose(logits, softmax(expected), atol=1e-4):
        raise wrong(PROBABILITIES)
    if not np.allclose(logits, expected, atol=1e-3):
        raise wrong(NOT_THESE_LOGITS, pairs=VALIDATION_PAIRS)
    return _(
        "The reloaded model gives the original's logits (largest difference {difference:.1e}): save_pretrained "
        "keeps everything from_pretrained needs. torch.allclose compares tensors with a tolerance; == would "
        "compare them number by number."
    ).format(difference=float(np.abs(logits - expected).max()))


# --- Exercise 3 -------------------------------------------------------------------------------------------


def state_dict_bytes(model) -> int:
    import torch

    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


def quantized_copy(model):
    """A float32 CPU copy of ``model`` and its int8 dynamic quantization."""
    import torch
    from torch.ao.quantization import quantize_dynamic

    cpu_model = copy.deepcopy(model).to("cpu").float().eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation warnings
        int8 = quantize_dynamic(cpu_model, {torch.nn.Linear}, dtype=torch.qint8)
    return cpu_model, int8


def parameter_count(model) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


def a_model_with_fewer_layers(rng, namespace) -> dict:
    """Exercise 3's variant: a model of the same kind as ``model`` with 1 to 3 layers (weights drawn at
    random, without touching the notebook's random state): its float32 embeddings take a larger share
    of it, so it shrinks less."""
    import torch
    from transformers import AutoModelForSequenceClassification

    config = copy.deepcopy(needs(namespace, "model").config)
    config.num_hidden_layers = rng.randint(1, 3)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return {"model": AutoModelForSequenceClassification.from_config(config).eval()}


def check_size_ratio(answer, namespace) -> str:
    model = needs(namespace, "model")
    answer = number(answer, _("the ratio"))
    cpu_model, int8 = quantized_copy(model)
    float32_size, int8_size = state_dict_bytes(cpu_model), state_dict_bytes(int8)
    expected = int8_size / float32_size

    def near(value):
        return math.isclose(answer, value, abs_tol=RATIO_TOLERANCE)

    if near(expected):
        return _(
            "The int8 model takes {ratio:.0%} of the float32 one on disk ({int8:.1f} MB against {float32:.1f} MB): "
            "the Linear weights shrink to a quarter, while the word embeddings and the LayerNorms stay float32. "
            "Measure accuracy again after quantizing."
        ).format(ratio=expected, int8=int8_size / 1e6, float32=float32_size / 1e6)
    if math.isclose(answer, 1 / expected, rel_tol=0.02):
        raise wrong(UPSIDE_DOWN)
    if math.isclose(answer, expected * 100, abs_tol=RATIO_TOLERANCE * 100):
        raise wrong(RATIO_PERCENTAGE)
    if near(1 - expected):
        raise wrong(SHARE_SAVED)
    if near(1.0):
        raise wrong(NOT_QUANTIZED)
    if near(0.25):
        raise wrong(BITS_ONLY)
    if near(parameter_count(int8) / parameter_count(cpu_model)):
        raise wrong(COUNTED_PARAMETERS)
    raise WrongAnswer(
        _(
            "{answer:.3f} is not it. Quantize a CPU copy of the model with quantize_dynamic(copy, {{torch.nn.Linear}}, "
            "dtype=torch.qint8), save the state dicts of the copy and of the quantized model with torch.save, and "
            "divide the int8 file's size by the float32 one's."
        ).format(answer=answer)
    )


# The first lines of exercise 1's solution: the pipeline (its mistakes keep them).
PIPELINE = """
from transformers import pipeline

classifier = pipeline("text-classification", model=model, tokenizer=tokenizer)
"""

q1 = Exercise(
    label=N_("Exercise 1"),
    answer_name="predicted_label",
    checker=check_predicted_label,
    hint_text=N_(
        'pipeline("text-classification", model=model, tokenizer=tokenizer) builds it. Give it the pair as '
        '{"text": sentence1, "text_pair": sentence2}; it answers with a dict, and its "label" is the name.'
    ),
    solution_code=PIPELINE + 'predicted_label = classifier({"text": sentence1, "text_pair": sentence2})["label"]\n',
    mistakes=(
        Mistake(PIPELINE + 'predicted_label = classifier({"text": sentence1, "text_pair": sentence2})', WHOLE_ANSWER),
        Mistake(
            PIPELINE + 'predicted_label = classifier([{"text": sentence1, "text_pair": sentence2}])', LIST_OF_ANSWERS
        ),
        Mistake(
            "logits = model(**tokenizer(sentence1, sentence2, return_tensors='pt')).logits\n"
            "predicted_label = int(logits.argmax())",
            LABEL_ID,
        ),
        Mistake("predicted_label = 'LABEL_1'", DEFAULT_NAME),
        Mistake("predicted_label = 'paraphrase'", NOT_A_LABEL),
        Mistake(
            PIPELINE + 'predicted_label = [classifier({"text": sentence1, "text_pair": sentence2})["label"]]',
            NOT_A_STRING,
        ),
    ),
    variant=Variant(
        names=("sentence1", "sentence2"),
        here=N_("the notebook's pair"),
        other=N_("another pair"),
        uses=("sentence1", "sentence2"),
        pick=another_validation_pair,
        expected=predicted_label_of,
    ),
)

# Exercise 2's solution; most of its mistakes are this code with one change, or one more line.
RELOAD = """
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from helpers import output_dir

folder = output_dir("07_exercise_model")
model.save_pretrained(folder)
tokenizer.save_pretrained(folder)
reloaded_model = AutoModelForSequenceClassification.from_pretrained(folder)
reloaded_tokenizer = AutoTokenizer.from_pretrained(folder)
pairs = raw_datasets["validation"][:8]
batch = reloaded_tokenizer(
    pairs["sentence1"], pairs["sentence2"], padding=True, truncation=True, return_tensors="pt"
)
with torch.no_grad():
    reloaded_logits = reloaded_model(**batch).logits
"""

q2 = Exercise(
    label=N_("Exercise 2"),
    answer_name="reloaded_logits",
    checker=check_reloaded_logits,
    hint_text=N_(
        "model.save_pretrained(folder) and tokenizer.save_pretrained(folder); then "
        "AutoModelForSequenceClassification.from_pretrained(folder) and AutoTokenizer.from_pretrained(folder). "
        "Encode pairs = raw_datasets['validation'][:8] with padding=True and return_tensors='pt', and take "
        "reloaded_model(**batch).logits under torch.no_grad()."
    ),
    solution_code=RELOAD,
    probe=reloaded_facts,
    mistakes=(
        Mistake(RELOAD + "reloaded_logits = reloaded_logits.softmax(dim=-1)\n", PROBABILITIES),
        Mistake(RELOAD + "reloaded_logits = reloaded_logits.argmax(dim=-1)\n", PREDICTED_CLASSES),
        Mistake(RELOAD + "reloaded_logits = reloaded_logits[:1]\n", WRONG_SHAPE),
        Mistake(RELOAD + "reloaded_logits = reloaded_logits.tolist()\n", NOT_AN_ARRAY),
        Mistake(RELOAD + "reloaded_logits = torch.allclose(reloaded_logits, model(**batch).logits)\n", A_COMPARISON),
        Mistake(RELOAD + "reloaded_logits = reloaded_logits == model(**batch).logits\n", A_COMPARISON),
        Mistake(RELOAD + "reloaded_logits = reloaded_logits + 1\n", NOT_THESE_LOGITS),
        Mistake(
            RELOAD.replace(
                "reloaded_model = AutoModelForSequenceClassification.from_pretrained(folder)", "reloaded_model = model"
            ),
            THE_SAME_MODEL,
        ),
        Mistake(
            RELOAD.replace(
                "AutoModelForSequenceClassification.from_pretrained(folder)",
                "AutoModelForSequenceClassification.from_pretrained(profile.checkpoint, num_labels=2)",
            ),
            FROM_CHECKPOINT,
        ),
        Mistake(
            "pairs = raw_datasets['validation'][:8]\n"
            "batch = tokenizer(pairs['sentence1'], pairs['sentence2'], padding=True, return_tensors='pt')\n"
            "with torch.no_grad():\n"
            "    reloaded_logits = model(**batch).logits",
            NOT_RELOADED,
        ),
    ),
    # No expected answer to compare: 8 other pairs always have other logits. Not tried by check() in a
    # notebook: the cell saves and loads the model again.
    variant=Variant(
        names=("raw_datasets",),
        here=N_("the notebook's first 8 validation pairs"),
        other=N_("8 other validation pairs"),
        uses=('raw_datasets["validation"][:8]',),
        pick=validation_in_another_order,
        cheap=False,
    ),
)

# Exercise 3's solution; most of its mistakes are this code with one change, or one more line.
SIZE_RATIO = """
import copy
import io

from torch.ao.quantization import quantize_dynamic


def saved_size(model):
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


cpu_model = copy.deepcopy(model).to("cpu").eval()
quantized_model = quantize_dynamic(cpu_model, {torch.nn.Linear}, dtype=torch.qint8)
size_ratio = saved_size(quantized_model) / saved_size(cpu_model)
"""

q3 = Exercise(
    label=N_("Exercise 3"),
    answer_name="size_ratio",
    checker=check_size_ratio,
    hint_text=N_(
        "cpu_model = copy.deepcopy(model).to('cpu'); quantized = quantize_dynamic(cpu_model, {torch.nn.Linear}, "
        "dtype=torch.qint8). torch.save each one's state_dict() to a file (or an io.BytesIO) and compare the "
        "sizes: int8 divided by float32."
    ),
    solution_code=SIZE_RATIO,
    mistakes=(
        Mistake(SIZE_RATIO + "size_ratio = 1 / size_ratio\n", UPSIDE_DOWN),
        Mistake(SIZE_RATIO + "size_ratio = 100 * size_ratio\n", RATIO_PERCENTAGE),
        Mistake(SIZE_RATIO + "size_ratio = 1 - size_ratio\n", SHARE_SAVED),
        Mistake("size_ratio = 8 / 32", BITS_ONLY),
        Mistake(SIZE_RATIO.replace("saved_size(quantized_model) /", "saved_size(model) /"), NOT_QUANTIZED),
        Mistake(
            SIZE_RATIO.replace(
                "saved_size(quantized_model) / saved_size(cpu_model)",
                "sum(p.numel() for p in quantized_model.parameters()) / sum(p.numel() for p in cpu_model.parameters())",
            ),
            COUNTED_PARAMETERS,
        ),
        Mistake("size_ratio = 'about two thirds'", NOT_A_NUMBER),
    ),
    # No expected answer to compare (that would quantize the notebook's model once more): with 1 to 3
    # layers the ratio is far above the notebook's model's, as tests/test_variants.py checks.
    variant=Variant(
        names=("model",),
        here=N_("the notebook's model"),
        other=N_("a model with fewer layers"),
        uses=("model",),
        pick=a_model_with_fewer_layers,
    ),
)

exercises = ExerciseSet(q1, q2, q3)
progress = exercises.progress
