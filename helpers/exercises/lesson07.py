"""Exercises for notebook 7: the label a pipeline gives a pair, the logits of a model loaded back,
and how much smaller int8 dynamic quantization makes the model."""

from __future__ import annotations

import copy
import io
import math
import warnings

import numpy as np

from ..i18n import N_, _
from . import Exercise, ExerciseSet, WrongAnswer, needs

# The pair exercise 1 gives as sentence1 and sentence2.
PAIR = (
    "Shares of Norfield Bank fell 4 percent on Tuesday after the bank cut its profit forecast .",
    "Norfield Bank's shares dropped 4 percent on Tuesday when it lowered its forecast for profit .",
)
VALIDATION_PAIRS = 8  # exercise 2: the first 8 validation pairs
RATIO_TOLERANCE = 0.02  # exercise 3: torch.save of a state dict or of the whole module, file or buffer


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


def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


# --- Exercise 1 -------------------------------------------------------------------------------------------


def check_predicted_label(answer, namespace) -> str:
    model, tokenizer = needs(namespace, "model"), needs(namespace, "tokenizer")
    sentence1, sentence2 = needs(namespace, "sentence1"), needs(namespace, "sentence2")
    id2label = model.config.id2label
    names = [id2label[index] for index in sorted(id2label)]
    probabilities = softmax(logits_of(model, tokenizer, [sentence1], [sentence2]).numpy())[0]
    expected = id2label[int(probabilities.argmax())]
    if isinstance(answer, list) and answer and isinstance(answer[0], dict):
        raise WrongAnswer(
            _("that is a list of the pipeline's answers (you gave it a list); the name is answer[0]['label'].")
        )
    if isinstance(answer, dict):
        raise WrongAnswer(_("that is the pipeline's whole answer, a dict; the label name is answer['label']."))
    if isinstance(answer, (bool, int, np.integer)) or (hasattr(answer, "item") and not isinstance(answer, str)):
        raise WrongAnswer(
            _(
                "{answer} is a label id, a number. The pipeline answers with the name that model.config.id2label "
                "gives that id: one of {names}."
            ).format(answer=answer, names=", ".join(names))
        )
    if not isinstance(answer, str):
        raise WrongAnswer(_("give the label name as a string, not {kind}.").format(kind=type(answer).__name__))
    if answer.upper().startswith("LABEL_"):
        raise WrongAnswer(
            _(
                "{answer} is the default name of a model without label names. This model has them in its config "
                "(id2label): build the pipeline from model and tokenizer, and it answers with them."
            ).format(answer=answer)
        )
    if answer not in names:
        raise WrongAnswer(
            _("'{answer}' is not one of the model's labels: {names}.").format(answer=answer, names=", ".join(names))
        )
    if answer != expected:
        joined = id2label[int(logits_of(model, tokenizer, [f"{sentence1} {sentence2}"])[0].argmax())]
        if answer == joined:
            raise WrongAnswer(
                _(
                    "that is the answer for the two sentences read as one text. Give the pipeline the pair as "
                    '{"text": sentence1, "text_pair": sentence2}, so that it is encoded as a pair, as in training.'
                )
            )
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


def as_tensor(answer):
    import torch

    if isinstance(answer, np.ndarray):
        return torch.from_numpy(answer)
    if not isinstance(answer, torch.Tensor):
        raise WrongAnswer(
            _("reloaded_logits should be a tensor (or a NumPy array), not {kind}.").format(kind=type(answer).__name__)
        )
    return answer.detach().float().cpu()


def check_reloaded_logits(answer, namespace) -> str:
    import torch

    model, tokenizer = needs(namespace, "model"), needs(namespace, "tokenizer")
    pairs = needs(namespace, "raw_datasets")["validation"][:VALIDATION_PAIRS]
    if isinstance(answer, (bool, np.bool_)) or (
        hasattr(answer, "dtype") and str(answer.dtype) in ("torch.bool", "bool")
    ):
        raise WrongAnswer(
            _(
                "that is the result of a comparison. Store the reloaded model's logits themselves; the check "
                "compares them with the original's, with torch.allclose (== between tensors gives a tensor of "
                "True/False, one per number)."
            )
        )
    answer = as_tensor(answer)
    expected = logits_of(model, tokenizer, pairs["sentence1"], pairs["sentence2"])
    if "reloaded_model" not in namespace:
        raise WrongAnswer(
            _("load the model back as `reloaded_model`, with from_pretrained, and use it for the logits.")
        )
    reloaded = namespace["reloaded_model"]
    if reloaded is model:
        raise WrongAnswer(
            _(
                "reloaded_model is `model` itself. Save it with save_pretrained, then load a new one from that "
                "folder with AutoModelForSequenceClassification.from_pretrained."
            )
        )
    profile = namespace.get("profile")
    if profile is not None and str(getattr(reloaded, "name_or_path", "")) == str(profile.checkpoint):
        raise WrongAnswer(
            _(
                "reloaded_model was loaded from profile.checkpoint: the pretrained model with a new, random head. "
                "Load it from the folder you saved the fine-tuned model to."
            )
        )
    if answer.ndim == 1 and answer.shape[0] == VALIDATION_PAIRS and torch.equal(answer.long(), expected.argmax(-1)):
        raise WrongAnswer(
            _(
                "those are the predicted classes (the argmax). Keep the logits: one row of two scores per pair, "
                "shape ({pairs}, 2)."
            ).format(pairs=VALIDATION_PAIRS)
        )
    if tuple(answer.shape) != tuple(expected.shape):
        raise WrongAnswer(
            _(
                "reloaded_logits has shape {shape}; it should be ({pairs}, 2): one row of two logits for each of "
                "the first {pairs} validation pairs."
            ).format(shape=tuple(answer.shape), pairs=VALIDATION_PAIRS)
        )
    if torch.allclose(answer, torch.from_numpy(softmax(expected.numpy())), atol=1e-4):
        raise WrongAnswer(_("those are probabilities (softmax of the logits). Store the raw logits: outputs.logits."))
    if not torch.allclose(answer, expected, atol=1e-3):
        raise WrongAnswer(
            _(
                "these are not the fine-tuned model's logits for the first {pairs} validation pairs. Encode them "
                "as pairs (sentence1, sentence2) with the reloaded tokenizer, and run the reloaded model in "
                "evaluation mode under torch.no_grad()."
            ).format(pairs=VALIDATION_PAIRS)
        )
    return _(
        "The reloaded model gives the original's logits (largest difference {difference:.1e}): save_pretrained "
        "keeps everything from_pretrained needs. torch.allclose compares tensors with a tolerance; == would "
        "compare them number by number."
    ).format(difference=float((answer - expected).abs().max()))


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


def check_size_ratio(answer, namespace) -> str:
    model = needs(namespace, "model")
    try:
        answer = float(answer)
    except (TypeError, ValueError):
        raise WrongAnswer(_("give the ratio as one number, not {kind}.").format(kind=type(answer).__name__)) from None
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
        raise WrongAnswer(_("the ratio is upside down: int8 size divided by float32 size, a number below 1."))
    if math.isclose(answer, expected * 100, abs_tol=RATIO_TOLERANCE * 100):
        raise WrongAnswer(_("that is a percentage; give the ratio as a fraction between 0 and 1."))
    if near(1 - expected):
        raise WrongAnswer(_("that is the share saved, 1 minus the ratio; give int8 size / float32 size."))
    if near(1.0):
        raise WrongAnswer(
            _(
                "the two sizes are about the same: was the model quantized before saving? quantize_dynamic returns "
                "a new, quantized model and leaves its argument as it was: measure what it returns."
            )
        )
    if near(0.25):
        raise WrongAnswer(
            _(
                "8 bits out of 32 is the ratio for the Linear weights alone. The embeddings, LayerNorms and biases "
                "stay float32: save both state dicts with torch.save and compare the files' sizes."
            )
        )
    if near(parameter_count(int8) / parameter_count(cpu_model)):
        raise WrongAnswer(
            _(
                "counting parameters misses the int8 weights: a quantized layer keeps them packed, not as "
                "parameters. Save both state dicts with torch.save and compare the files' sizes."
            )
        )
    raise WrongAnswer(
        _(
            "{answer:.3f} is not it. Quantize a CPU copy of the model with quantize_dynamic(copy, {{torch.nn.Linear}}, "
            "dtype=torch.qint8), save the state dicts of the copy and of the quantized model with torch.save, and "
            "divide the int8 file's size by the float32 one's."
        ).format(answer=answer)
    )


q1 = Exercise(
    label=N_("Exercise 1"),
    answer_name="predicted_label",
    checker=check_predicted_label,
    hint_text=N_(
        'pipeline("text-classification", model=model, tokenizer=tokenizer) builds it. Give it the pair as '
        '{"text": sentence1, "text_pair": sentence2}; it answers with a dict, and its "label" is the name.'
    ),
    solution_code="""
        from transformers import pipeline

        classifier = pipeline("text-classification", model=model, tokenizer=tokenizer)
        predicted_label = classifier({"text": sentence1, "text_pair": sentence2})["label"]
    """,
)

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
    solution_code="""
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
    """,
)

q3 = Exercise(
    label=N_("Exercise 3"),
    answer_name="size_ratio",
    checker=check_size_ratio,
    hint_text=N_(
        "cpu_model = copy.deepcopy(model).to('cpu'); quantized = quantize_dynamic(cpu_model, {torch.nn.Linear}, "
        "dtype=torch.qint8). torch.save each one's state_dict() to a file (or an io.BytesIO) and compare the "
        "sizes: int8 divided by float32."
    ),
    solution_code="""
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
    """,
)

exercises = ExerciseSet(q1, q2, q3)
progress = exercises.progress
