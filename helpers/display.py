"""Display chores for the notebooks: the banner, token tables, per-epoch tables and plots."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .i18n import _
from .profiles import Profile
from .runtime import describe_device, describe_precision, gpus_in_use

BANNER_PACKAGES = ("transformers", "datasets", "evaluate", "accelerate", "torch")


def library_versions() -> str:
    found = []
    for package in BANNER_PACKAGES:
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            found.append(_("{package} (not installed)").format(package=package))
    return ", ".join(found)


def training_line(profile: Profile) -> str:
    """The settings in force and why, e.g. ``3 epochs, batch 8, learning rate 1e-04 (...)``."""
    settings = _("{epochs} epochs, batch {batch_size}, learning rate {learning_rate:.0e}").format(
        epochs=profile.num_train_epochs, batch_size=profile.batch_size, learning_rate=profile.learning_rate
    )
    if not profile.settings_reason:
        return settings
    return _("{settings} ({reason})").format(settings=settings, reason=profile.settings_reason)


def batch_line(per_device: int, gpus: int) -> str:
    """Pairs per optimizer step as the Trainer counts them: per device x max(1, GPUs in use)."""
    if gpus <= 1:
        return _("{total} pairs per optimizer step (one device)").format(total=per_device)
    return _("{total} pairs per optimizer step ({per_device} per GPU x {gpus} GPUs, nn.DataParallel)").format(
        total=per_device * gpus, per_device=per_device, gpus=gpus
    )


def banner(profile: Profile) -> str:
    """The banner's lines, in the chosen language (each line a template of the catalog)."""
    lines = [
        _("Course profile: {name} ({reason})").format(name=profile.name, reason=profile.reason),
        _("  checkpoint : {checkpoint}").format(checkpoint=profile.checkpoint_label),
        _("  data       : {data}").format(data=profile.data_label),
        _("  metric     : {metric}").format(metric=profile.metric_label),
        _("  training   : {training}").format(training=training_line(profile)),
        _("  device     : {device}").format(device=describe_device()),
        _("  precision  : {precision}").format(precision=describe_precision()),
        _("  batch      : {batch}").format(batch=batch_line(profile.batch_size, gpus_in_use())),
        _("  libraries  : {libraries}").format(libraries=library_versions()),
    ]
    return "\n".join(lines)


def show_banner(profile: Profile) -> None:
    """Print what this run uses: profile and why, checkpoint, data, device, versions."""
    print(banner(profile))


def tokens_table(tokenizer, encoding) -> pd.DataFrame:
    """One row per token: the token, its id, its segment (token_type_id) and attention mask."""
    table = pd.DataFrame(
        {
            "token": tokenizer.convert_ids_to_tokens(encoding["input_ids"]),
            "input_ids": encoding["input_ids"],
        }
    )
    for key in ("token_type_ids", "attention_mask"):
        if key in encoding:
            table[key] = encoding[key]
    return table


def plot_length_histogram(lengths, title: str = "Tokens per sentence pair") -> None:
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(lengths, bins=30, color="tab:blue")
    ax.axvline(np.mean(lengths), color="tab:red", linestyle="--", label=f"mean {np.mean(lengths):.0f}")
    ax.set(xlabel="input_ids length", ylabel="pairs", title=title)
    ax.legend()
    plt.show()


def training_losses(log_history) -> pd.DataFrame:
    """The ``loss`` entries the Trainer logged, as a (step, epoch, loss) table."""
    rows = [
        {"step": entry["step"], "epoch": entry["epoch"], "loss": entry["loss"]}
        for entry in log_history
        if "loss" in entry
    ]
    return pd.DataFrame(rows, columns=["step", "epoch", "loss"])


def plot_training_loss(log_history) -> None:
    losses = training_losses(log_history)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(losses["step"], losses["loss"], marker="o")
    ax.set(xlabel="step", ylabel="training loss", title="Training loss (Trainer log_history)")
    plt.show()


def epoch_table(log_history) -> pd.DataFrame:
    """One row per epoch: the last training loss logged in it and the evaluation results."""
    losses = training_losses(log_history)
    rows = []
    for entry in log_history:
        if "eval_loss" not in entry:
            continue
        logged = losses[losses["epoch"] <= entry["epoch"]]
        rows.append(
            {
                "epoch": round(entry["epoch"]),
                "training_loss": logged["loss"].iloc[-1] if len(logged) else np.nan,
                "validation_loss": entry["eval_loss"],
                "accuracy": entry.get("eval_accuracy", np.nan),
                "f1": entry.get("eval_f1", np.nan),
            }
        )
    return pd.DataFrame(rows).set_index("epoch")


def plot_epoch_curves(table: pd.DataFrame) -> None:
    """Left: training vs validation loss. Right: accuracy and F1. One point per epoch."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
    left.plot(table.index, table["training_loss"], marker="o", label="training loss")
    left.plot(table.index, table["validation_loss"], marker="o", label="validation loss")
    left.set(xlabel="epoch", ylabel="loss", title="Loss per epoch")
    left.legend()
    right.plot(table.index, table["accuracy"], marker="o", label="accuracy")
    right.plot(table.index, table["f1"], marker="o", label="F1")
    right.set(xlabel="epoch", ylabel="score", title="Validation metrics per epoch", ylim=(0, 1))
    right.legend()
    plt.show()


def plot_confidence_histogram(confidence, correct) -> None:
    """Histogram of the winning class's probability, split into right and wrong predictions."""
    confidence, correct = np.asarray(confidence), np.asarray(correct, dtype=bool)
    fig, ax = plt.subplots(figsize=(6, 3))
    bins = np.linspace(0.5, 1.0, 21)
    ax.hist(
        [confidence[correct], confidence[~correct]],
        bins=bins,
        stacked=True,
        color=["tab:green", "tab:red"],
        label=["right", "wrong"],
    )
    ax.set(xlabel="softmax probability of the predicted class", ylabel="pairs", title="Model confidence")
    ax.legend()
    plt.show()


def plot_confusion_matrix(labels, predictions, names) -> pd.DataFrame:
    """Draw the 2x2 confusion matrix and return it as a table (rows: true, columns: predicted)."""
    matrix = np.zeros((len(names), len(names)), dtype=int)
    for true, predicted in zip(labels, predictions, strict=True):
        matrix[int(true), int(predicted)] += 1
    fig, ax = plt.subplots(figsize=(3.8, 3.4))
    ax.imshow(matrix, cmap="Blues")
    for (row, column), count in np.ndenumerate(matrix):
        ax.text(column, row, count, ha="center", va="center", color="white" if count > matrix.max() / 2 else "black")
    ax.set_xticks(range(len(names)), names, rotation=15)
    ax.set_yticks(range(len(names)), names)
    ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix")
    plt.show()
    return pd.DataFrame(matrix, index=[f"true {n}" for n in names], columns=[f"predicted {n}" for n in names])
