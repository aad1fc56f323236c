"""Where the course runs: Colab, Kaggle or a machine of your own, CPU or GPU, mixed
precision, and which checkpoint (if any) a run may resume from."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import warnings
from pathlib import Path

import torch

from .i18n import N_, _

COLAB_GPU_HINT = N_("Runtime > Change runtime type > Hardware accelerator: GPU (e.g. T4), then Save")
KAGGLE_GPU_HINT = N_("Settings > Accelerator > GPU T4 x2 (or GPU P100) in the notebook editor's right-hand panel")
# Kaggle sets this variable in every notebook session ("Interactive" or "Batch").
KAGGLE_VARIABLE = "KAGGLE_KERNEL_RUN_TYPE"


def in_colab() -> bool:
    return "google.colab" in sys.modules


def in_kaggle(env: dict | None = None) -> bool:
    """True inside a Kaggle notebook, detected as Kaggle documents: its run-type variable."""
    env = os.environ if env is None else env
    return bool(env.get(KAGGLE_VARIABLE, "").strip())


def describe_device() -> str:
    """One line naming the device training will use, with a hint when Colab has no GPU."""
    if torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
        memory = torch.cuda.get_device_properties(0).total_memory / 2**30
        return _("cuda ({name}, {memory:.0f} GiB)").format(name=name, memory=memory)
    line = _("cpu ({threads} threads)").format(threads=torch.get_num_threads())
    if in_colab():
        advice = _("  No GPU in this Colab session; training runs on the CPU (slow). To get one: {hint}.")
        line += "\n" + advice.format(hint=_(COLAB_GPU_HINT))
    elif in_kaggle():
        advice = _("  No GPU in this Kaggle session; training runs on the CPU (slow). To get one: {hint}.")
        line += "\n" + advice.format(hint=_(KAGGLE_GPU_HINT))
    return line


def mixed_precision() -> dict[str, bool]:
    """``bf16``/``fp16`` flags for TrainingArguments: bf16 where the GPU supports it,
    fp16 on other GPUs, neither on CPU (full float32)."""
    if not torch.cuda.is_available():
        return {"bf16": False, "fp16": False}
    bf16 = torch.cuda.is_bf16_supported()
    return {"bf16": bf16, "fp16": not bf16}


def latest_unfinished_checkpoint(output_dir: str | Path) -> str | None:
    """The newest complete checkpoint of an *unfinished* run in ``output_dir``, else None.

    A checkpoint without ``trainer_state.json`` (the session dropped while saving it) is
    passed over for the one before. Whose run it was is not checked here: see
    :func:`resumable_checkpoint`.
    """
    for checkpoint in _checkpoints(output_dir):
        state_file = checkpoint / "trainer_state.json"
        if state_file.is_file():
            state = json.loads(state_file.read_text())
            finished = state.get("global_step", 0) >= state.get("max_steps", 0)
            return None if finished else str(checkpoint)
    return None


def _checkpoints(output_dir: str | Path) -> list[Path]:
    """``checkpoint-N`` folders in ``output_dir``, newest (largest N) first."""
    folder = Path(output_dir)
    if not folder.is_dir():
        return []
    return sorted(
        (path for path in folder.glob("checkpoint-*") if path.name.split("-")[-1].isdigit()),
        key=lambda path: int(path.name.split("-")[-1]),
        reverse=True,
    )


# What makes two runs the same run: the TrainingArguments that change what is trained.
FINGERPRINT_ARGUMENTS = (
    "learning_rate",
    "num_train_epochs",
    "max_steps",
    "per_device_train_batch_size",
    "gradient_accumulation_steps",
    "warmup_steps",
    "weight_decay",
    "lr_scheduler_type",
    "optim",
    "seed",
)
FINGERPRINT_FILE = "course_run.json"


def run_fingerprint(training_args, profile) -> dict:
    """The model, the data source and the training settings of a run, as plain values."""
    fingerprint = {
        "checkpoint": profile.checkpoint,
        "data": str(profile.data_dir) if profile.data_dir is not None else "hub:nyu-mll/glue/mrpc",
    }
    for name in FINGERPRINT_ARGUMENTS:
        value = getattr(training_args, name, None)
        fingerprint[name] = value if isinstance(value, (int, float, str, bool, type(None))) else str(value)
    return fingerprint


def _differences(saved: dict, current: dict) -> str:
    changed = [f"{key} {saved.get(key)!r} -> {current[key]!r}" for key in current if saved.get(key) != current[key]]
    return ", ".join(changed)


def _read_record(record: Path) -> dict | None:
    """The saved fingerprint, or None when there is none or it cannot be read (e.g. half-written)."""
    try:
        saved = json.loads(record.read_text())
    except (OSError, ValueError):
        return None
    return saved if isinstance(saved, dict) else None


def resumable_checkpoint(training_args, profile) -> str | None:
    """The checkpoint to pass to ``trainer.train(resume_from_checkpoint=...)``, or None.

    After a dropped session it returns the newest complete checkpoint of the unfinished
    run in ``training_args.output_dir``, so training picks up where it stopped. It does
    so only when that run is *this* run: same model, same data and same training
    settings, as recorded in ``course_run.json`` beside the checkpoints. When anything
    differs (another learning rate, model or data folder), the other run's checkpoints
    are removed (a later resume must never pick them up), one line says so, and training
    starts afresh. After a finished run it returns None too.
    """
    folder = Path(training_args.output_dir)
    current = run_fingerprint(training_args, profile)
    record = folder / FINGERPRINT_FILE
    saved = _read_record(record)
    checkpoint = latest_unfinished_checkpoint(folder)

    stale = _checkpoints(folder) if saved != current else []
    if stale:
        if saved:
            why = _differences(saved, current)
        else:
            why = _("no readable {file} says what they were trained with").format(file=FINGERPRINT_FILE)
        for path in stale:
            shutil.rmtree(path)
        print(
            _("Starting afresh: {folder} held {count} checkpoint(s) of another run ({why}); they were removed.").format(
                folder=folder, count=len(stale), why=why
            )
        )
        checkpoint = None
    elif checkpoint is not None:
        print(
            _("Resuming the unfinished run from {checkpoint} (same model, data and settings).").format(
                checkpoint=checkpoint
            )
        )

    folder.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(current, indent=2) + "\n")
    return checkpoint


class _HideLoadReport(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "LOAD REPORT" not in record.getMessage()


def quiet_library_output() -> None:
    """Keep notebook output to what the lesson is about.

    Turns off the progress bars of ``Dataset.map`` and of loading/saving weights, and
    the model's load report (notebook 3 reads the same facts with
    ``output_loading_info=True``). The Trainer's own progress display stays on.
    """
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.logging.disable_progress_bar()
    # A filter rather than a log level: transformers runs extra checks when this logger's
    # level is raised, and those print warnings of their own.
    model_logger = logging.getLogger("transformers.modeling_utils")
    if not any(isinstance(existing, _HideLoadReport) for existing in model_logger.filters):
        model_logger.addFilter(_HideLoadReport())
    # On a machine without a GPU, every DataLoader would warn that it cannot pin memory.
    warnings.filterwarnings("ignore", message=".*'pin_memory' argument is set as true but no accelerator")
