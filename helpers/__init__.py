"""Helpers for the course *Fine-tuning a pretrained model with the Hugging Face Trainer API*.

They take the chores (profiles, loading, display, plots); the Trainer calls stay
in the notebooks. Start with::

    from helpers import resolve_profile, show_banner
    profile = resolve_profile()
    show_banner(profile)
"""

import warnings

# Without ipywidgets, tqdm warns (naming its own install path) that notebook progress
# bars fall back to text. Text is fine for this course; say so before datasets imports tqdm.
warnings.filterwarnings("ignore", message="IProgress not found")

from .data import MRPC_FEATURES, MRPCDataError, label_balance, load_mrpc, load_mrpc_folder, read_mrpc_tsv
from .display import (
    epoch_table,
    plot_confidence_histogram,
    plot_confusion_matrix,
    plot_epoch_curves,
    plot_length_histogram,
    plot_training_loss,
    show_banner,
    tokens_table,
    training_losses,
)
from .metrics import compute_metrics, load_mrpc_metric
from .profiles import BUNDLED_DATA_DIR, CourseSetupError, Profile, output_dir, resolve_profile
from .runtime import (
    describe_device,
    in_colab,
    in_kaggle,
    latest_unfinished_checkpoint,
    mixed_precision,
    quiet_library_output,
    resumable_checkpoint,
)

__all__ = [
    "BUNDLED_DATA_DIR",
    "CourseSetupError",
    "MRPCDataError",
    "MRPC_FEATURES",
    "Profile",
    "compute_metrics",
    "describe_device",
    "epoch_table",
    "in_colab",
    "in_kaggle",
    "label_balance",
    "latest_unfinished_checkpoint",
    "load_mrpc",
    "load_mrpc_folder",
    "load_mrpc_metric",
    "mixed_precision",
    "output_dir",
    "plot_confidence_histogram",
    "plot_confusion_matrix",
    "plot_epoch_curves",
    "plot_length_histogram",
    "plot_training_loss",
    "quiet_library_output",
    "read_mrpc_tsv",
    "resolve_profile",
    "resumable_checkpoint",
    "show_banner",
    "tokens_table",
    "training_losses",
]
