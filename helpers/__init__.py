"""Helpers for the course *Fine-tuning a pretrained model with the Hugging Face Trainer API*.

They take the chores (profiles, loading, display, plots); the Trainer calls stay
in the notebooks. Start with::

    from helpers import resolve_profile, show_banner
    profile = resolve_profile()
    show_banner(profile)
"""

import importlib
import warnings

# Without ipywidgets, tqdm warns (naming its own install path) that notebook progress
# bars fall back to text. Text is fine for this course; say so before datasets imports tqdm.
warnings.filterwarnings("ignore", message="IProgress not found")

# Each public name and the module it lives in: a name is imported on first use (PEP 562), so
# `from helpers import resolve_profile` does not also import datasets, matplotlib and the rest.
_HOME = {
    "BUNDLED_DATA_DIR": "profiles",
    "CourseSetupError": "profiles",
    "MRPCDataError": "data",
    "MRPC_FEATURES": "data",
    "Profile": "profiles",
    "compute_metrics": "metrics",
    "describe_device": "runtime",
    "epoch_table": "display",
    "in_colab": "runtime",
    "in_kaggle": "runtime",
    "label_balance": "data",
    "latest_unfinished_checkpoint": "runtime",
    "load_mrpc": "data",
    "load_mrpc_folder": "data",
    "load_mrpc_metric": "metrics",
    "mixed_precision": "runtime",
    "output_dir": "profiles",
    "plot_confidence_histogram": "display",
    "plot_confusion_matrix": "display",
    "plot_epoch_curves": "display",
    "plot_length_histogram": "display",
    "plot_training_loss": "display",
    "quiet_library_output": "runtime",
    "read_mrpc_tsv": "data",
    "resolve_profile": "profiles",
    "resumable_checkpoint": "runtime",
    "show_banner": "display",
    "tokens_table": "display",
    "training_losses": "display",
}


def __getattr__(name: str):
    """``helpers.NAME``: import NAME's module the first time NAME is asked for."""
    if name not in _HOME:
        raise AttributeError(f"module 'helpers' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))


__all__ = sorted(_HOME)
