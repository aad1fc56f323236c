"""Where the course runs: Colab or not, CPU or GPU, mixed precision, checkpoints to resume."""

from __future__ import annotations

import json
import logging
import sys
import warnings
from pathlib import Path

import torch

COLAB_GPU_HINT = "Runtime > Change runtime type > Hardware accelerator: GPU (e.g. T4), then Save"


def in_colab() -> bool:
    return "google.colab" in sys.modules


def describe_device() -> str:
    """One line naming the device training will use, with a hint when Colab has no GPU."""
    if torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
        memory = torch.cuda.get_device_properties(0).total_memory / 2**30
        return f"cuda ({name}, {memory:.0f} GiB)"
    line = f"cpu ({torch.get_num_threads()} threads)"
    if in_colab():
        line += f"\n  No GPU in this Colab session; training runs on the CPU (slow). To get one: {COLAB_GPU_HINT}."
    return line


def mixed_precision() -> dict[str, bool]:
    """``bf16``/``fp16`` flags for TrainingArguments: bf16 where the GPU supports it,
    fp16 on other GPUs, neither on CPU (full float32)."""
    if not torch.cuda.is_available():
        return {"bf16": False, "fp16": False}
    bf16 = torch.cuda.is_bf16_supported()
    return {"bf16": bf16, "fp16": not bf16}


def resumable_checkpoint(output_dir: str | Path) -> str | None:
    """The newest complete checkpoint of an *unfinished* run in ``output_dir``, else None.

    Pass it to ``trainer.train(resume_from_checkpoint=...)``: after a dropped session
    training picks up where it stopped; after a finished run it starts afresh. A
    checkpoint without ``trainer_state.json`` (the session dropped while saving it)
    is passed over for the one before.
    """
    folder = Path(output_dir)
    if not folder.is_dir():
        return None
    checkpoints = sorted(
        (path for path in folder.glob("checkpoint-*") if path.name.split("-")[-1].isdigit()),
        key=lambda path: int(path.name.split("-")[-1]),
        reverse=True,
    )
    for checkpoint in checkpoints:
        state_file = checkpoint / "trainer_state.json"
        if state_file.is_file():
            state = json.loads(state_file.read_text())
            finished = state.get("global_step", 0) >= state.get("max_steps", 0)
            return None if finished else str(checkpoint)
    return None


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
