"""Where the course runs: Colab, Kaggle or a machine of your own, CPU or GPU, mixed
precision, and which checkpoint (if any) a run may resume from."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import torch

from .i18n import N_, _

COLAB_GPU_HINT = N_("Runtime > Change runtime type > Hardware accelerator: GPU (e.g. T4), then Save")
# Not GPU P100: Kaggle's image has a PyTorch without kernels for it (see unsupported_gpu()).
KAGGLE_GPU_HINT = N_("Settings > Accelerator > GPU T4 x2 in the notebook editor's right-hand panel")
# Kaggle sets this variable in every notebook session ("Interactive" or "Batch").
KAGGLE_VARIABLE = "KAGGLE_KERNEL_RUN_TYPE"


def in_colab() -> bool:
    return "google.colab" in sys.modules


def in_kaggle(env: dict | None = None) -> bool:
    """True inside a Kaggle notebook, detected as Kaggle documents: its run-type variable."""
    env = os.environ if env is None else env
    return bool(env.get(KAGGLE_VARIABLE, "").strip())


# Set by torchrun and `accelerate launch` in each process they start: a launched process uses
# the GPU its rank names, so the course never narrows what it sees.
LAUNCHER_VARIABLES = ("LOCAL_RANK", "WORLD_SIZE")
# Where a GPU has bfloat16 in hardware: compute capability 8.0 (Ampere: A100, A10, L4, RTX 30xx)
# and later (Hopper: H100, H200). A T4 (7.5), V100 (7.0) or P100 (6.0) has float16 only.
NATIVE_BF16_CAPABILITY = (8, 0)
# What keep_to_one_gpu() did in this process, for the banner: {"machine": GPUs on the machine}.
_ONE_GPU_RULE: dict[str, int] = {}


def machine_gpu_count() -> int:
    """The GPUs on this machine, counted by ``nvidia-smi`` without starting CUDA (0 without it).

    Counting through torch would start CUDA, after which CUDA_VISIBLE_DEVICES no longer counts.
    """
    if shutil.which("nvidia-smi") is None:
        return 0
    try:
        listing = subprocess.run(["nvidia-smi", "--list-gpus"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(1 for line in listing.stdout.splitlines() if line.startswith("GPU "))


def keep_to_one_gpu(env: dict | None = None, gpus: int | None = None) -> bool:
    """On a machine with several GPUs and no launcher, let this process see only the first one.

    A notebook is one process. Given 2 GPUs, the ``Trainer`` would wrap the model in
    ``nn.DataParallel`` and train on ``per_device_train_batch_size`` x 2 pairs per step
    (``TrainingArguments.n_gpu`` and ``train_batch_size`` in transformers' training_args.py):
    half the optimizer steps the lessons count, and another run than lesson 6's hand-written
    loop, which uses one GPU. So a notebook trains on one GPU (``CUDA_VISIBLE_DEVICES=0``); to
    train on all of them, start ``scripts/train_mrpc.py`` with ``accelerate launch`` or
    ``torchrun`` (one process per GPU, DistributedDataParallel). Nothing changes when
    CUDA_VISIBLE_DEVICES is already set, under a launcher, or once CUDA has started (the banner
    then says what the ``Trainer`` will do). Returns True when it narrowed the GPUs.
    """
    env = os.environ if env is None else env
    gpus = machine_gpu_count() if gpus is None else gpus
    if gpus < 2 or "CUDA_VISIBLE_DEVICES" in env or any(name in env for name in LAUNCHER_VARIABLES):
        return False
    if torch.cuda.is_initialized():
        return False
    env["CUDA_VISIBLE_DEVICES"] = "0"
    _ONE_GPU_RULE["machine"] = gpus
    return True


def gpus_in_use() -> int:
    """How many GPUs the ``Trainer`` of this process trains on (``TrainingArguments.n_gpu``)."""
    if not torch.cuda.is_available():
        return 0
    if any(name in os.environ for name in LAUNCHER_VARIABLES):
        return 1  # one GPU per launched process
    return torch.cuda.device_count()


def describe_device() -> str:
    """One line naming the device training will use, with a hint when Colab has no GPU."""
    if torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
        memory = torch.cuda.get_device_properties(0).total_memory / 2**30
        line = _("cuda ({name}, {memory:.0f} GiB)").format(name=name, memory=memory)
        line += describe_gpus(gpus_in_use(), _ONE_GPU_RULE.get("machine"))
        unsupported = unsupported_gpu(device_capability(), torch.cuda.get_arch_list())
        if unsupported:
            line += "\n" + unsupported_gpu_advice(name, device_capability(), unsupported)
        return line
    line = _("cpu ({threads} threads)").format(threads=torch.get_num_threads())
    if in_colab():
        advice = _("  No GPU in this Colab session; training runs on the CPU (slow). To get one: {hint}.")
        line += "\n" + advice.format(hint=_(COLAB_GPU_HINT))
    elif in_kaggle():
        advice = _("  No GPU in this Kaggle session; training runs on the CPU (slow). To get one: {hint}.")
        line += "\n" + advice.format(hint=_(KAGGLE_GPU_HINT))
    return line


def unsupported_gpu(capability: tuple[int, int] | None, arch_list: list[str]) -> str:
    """The architectures this PyTorch build has kernels for, when none of them runs on this GPU.

    ``arch_list`` is ``torch.cuda.get_arch_list()``: ``sm_XY`` entries are binaries, which run on
    GPUs of the same major version and an equal or higher minor one; ``compute_XY`` entries are
    PTX, which the driver compiles for any GPU from that capability up. PyTorch's CUDA 12.8 builds
    have no Pascal (``sm_60``) binaries, so Kaggle's "GPU P100" starts but fails at its first
    operation ("no kernel image is available for execution on the device"). Returns "" when the
    GPU is supported (or when the list is empty, as on a CPU build).
    """
    if capability is None or not arch_list:
        return ""
    major, minor = capability
    for arch in arch_list:
        kind, _sep, digits = arch.partition("_")
        digits = digits.rstrip("af")  # sm_90a, sm_100f: the same capability with extra features
        if not digits.isdigit() or len(digits) < 2:
            continue
        arch_major, arch_minor = int(digits[:-1]), int(digits[-1])
        if kind == "sm" and arch_major == major and arch_minor <= minor:
            return ""
        if kind == "compute" and (arch_major, arch_minor) <= (major, minor):
            return ""
    return " ".join(arch_list)


def unsupported_gpu_advice(name: str, capability: tuple[int, int], archs: str) -> str:
    """The banner's warning for a GPU this PyTorch build cannot run on, with the fix."""
    major, minor = capability
    return _(
        "  This PyTorch build has no kernels for the {name} (compute capability {major}.{minor}; it "
        "has {archs}): training would fail at its first step. Fix: on Kaggle choose {hint}; elsewhere "
        "install a PyTorch build for CUDA 12.6, which still has them."
    ).format(name=name, major=major, minor=minor, archs=archs, hint=_(KAGGLE_GPU_HINT))


def describe_gpus(in_use: int, on_machine: int | None) -> str:
    """The GPU count on the device line: one of several (and why), or a warning of DataParallel."""
    if on_machine and on_machine > in_use:
        return _(
            "; 1 of {machine} GPUs: a notebook trains on one, so its steps are the lesson's "
            "(all {machine}: accelerate launch scripts/train_mrpc.py, see docs/instructors.md)"
        ).format(machine=on_machine)
    if in_use > 1:
        return _(
            "; {gpus} GPUs: the Trainer will split each batch over them (nn.DataParallel), {gpus} "
            "times the batch and 1/{gpus} of the steps. Fix: restart the kernel and run the cells "
            "from the top (the course then keeps a notebook to one GPU)"
        ).format(gpus=in_use)
    return ""


def choose_precision(capability: tuple[int, int] | None) -> dict[str, bool]:
    """``bf16``/``fp16`` flags for a device of this CUDA compute capability (None: the CPU).

    bf16 only where the GPU has it in hardware (capability 8.0 and up). ``torch.cuda.
    is_bf16_supported()`` also answers True on a T4, where bfloat16 is only emulated (by
    default it checks only that a bf16 tensor can be made: torch/cuda/__init__.py), so it is
    not asked here.
    """
    if capability is None:
        return {"bf16": False, "fp16": False}
    bf16 = tuple(capability) >= NATIVE_BF16_CAPABILITY
    return {"bf16": bf16, "fp16": not bf16}


def device_capability() -> tuple[int, int] | None:
    """The compute capability of the GPU training will use, None on the CPU."""
    return tuple(torch.cuda.get_device_capability(0)) if torch.cuda.is_available() else None


def mixed_precision() -> dict[str, bool]:
    """``bf16``/``fp16`` flags for TrainingArguments: bf16 on GPUs with bfloat16 in hardware
    (compute capability 8.0 and up: A100, L4, H100), fp16 on older GPUs (T4, V100, P100),
    neither on the CPU (full float32)."""
    return choose_precision(device_capability())


def describe_precision(capability: tuple[int, int] | None = None, name: str = "") -> str:
    """The precision :func:`mixed_precision` chooses and why, for the banner.

    Without arguments, for this machine's device; with a capability and a GPU name, for that GPU.
    """
    if capability is None and not name:
        capability = device_capability()
        name = torch.cuda.get_device_name(0) if capability is not None else ""
    if capability is None:
        return _("float32 (on the CPU: no mixed precision)")
    major, minor = capability
    if choose_precision(capability)["bf16"]:
        template = _("bf16 ({name}, compute capability {major}.{minor}: bfloat16 in hardware)")
    else:
        template = _("fp16 ({name}, compute capability {major}.{minor}: no bfloat16 in hardware, which needs 8.0)")
    return template.format(name=name, major=major, minor=minor)


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
