"""What the class grader (``python -m course grade``) runs inside its kernels, from cells it adds
or rewrites, never from the lessons. Two kinds of kernel use it:

* a **student's kernel** (the course's exercise notebook with the student's answer cells, in a
  sandbox where the machine has one) calls :func:`print_carried` once per exercise: the answer
  as plain data (``Exercise.carry``), printed as one JSON line the grader reads;
* a **course kernel** (the course's own cells only, never a student's code) calls
  :func:`print_verdict` for each carried answer: the lesson's own check judges the data
  (``Exercise.judge``) in the student's language, and the verdict is printed as one JSON line.

:func:`train_or_restore` stands in for a course cell's ``trainer.train()`` in both. The first
course kernel with a given key (a hash of all the code before the training and of the
course's files and versions) trains and saves what training changed: the model's weights
(safetensors), the Trainer's state and the returned ``TrainOutput`` (JSON), the model's
train/eval mode and the random-number state (JSON and NumPy arrays, no pickle). Every later
kernel with the same key loads those instead, so the cells after it see exactly what they
would have seen after training. A student's kernel only reads the cache (its sandbox has it
read-only), so no student code ever writes what another kernel loads.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import random
import shutil
from pathlib import Path

CARRY_MARKER = "course-grader-answer:"
VERDICT_MARKER = "course-grader-verdict:"
TRAINING_MARKER = "course-grader-training:"
_DONE = "done.json"


# --- the training cache -------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(path: Path):
    """Hold an exclusive lock on ``path`` (a lock file): one kernel trains, the others wait."""
    try:
        import fcntl
    except ImportError:  # no fcntl (Windows): at worst two kernels train the same thing
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _save_random_state(folder: Path) -> None:
    import numpy as np
    import torch

    version, state, gauss = random.getstate()
    kind, keys, position, has_gauss, cached = np.random.get_state()
    numbers = {"python": [version, list(state), gauss], "numpy": [kind, position, has_gauss, cached]}
    (folder / "random_state.json").write_text(json.dumps(numbers))
    np.save(folder / "numpy_keys.npy", keys, allow_pickle=False)
    np.save(folder / "torch_state.npy", torch.get_rng_state().numpy(), allow_pickle=False)


def _load_random_state(folder: Path) -> None:
    import numpy as np
    import torch

    numbers = json.loads((folder / "random_state.json").read_text())
    version, state, gauss = numbers["python"]
    random.setstate((version, tuple(state), gauss))
    kind, position, has_gauss, cached = numbers["numpy"]
    keys = np.load(folder / "numpy_keys.npy", allow_pickle=False)
    np.random.set_state((kind, keys, position, has_gauss, cached))
    torch.set_rng_state(torch.from_numpy(np.load(folder / "torch_state.npy", allow_pickle=False)))


def save_training(trainer, output, folder: Path) -> None:
    """Write what ``trainer.train()`` changed into ``folder`` (written whole, then renamed)."""
    from safetensors.torch import save_model

    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    save_model(trainer.model, str(partial / "model.safetensors"))
    trainer.state.save_to_json(str(partial / "trainer_state.json"))
    _save_random_state(partial)
    done = {
        "global_step": output.global_step,
        "training_loss": output.training_loss,
        "metrics": output.metrics,
        "model_training_mode": trainer.model.training,
    }
    (partial / _DONE).write_text(json.dumps(done))
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)


def restore_training(trainer, folder: Path):
    """Load into ``trainer`` what :func:`save_training` wrote; return the saved ``TrainOutput``."""
    from safetensors.torch import load_model
    from transformers.trainer_callback import TrainerState
    from transformers.trainer_utils import TrainOutput

    done = json.loads((folder / _DONE).read_text())
    load_model(trainer.model, str(folder / "model.safetensors"))
    trainer.model.train(done["model_training_mode"])
    trainer.state = TrainerState.load_from_json(str(folder / "trainer_state.json"))
    _load_random_state(folder)
    return TrainOutput(done["global_step"], done["training_loss"], done["metrics"])


def train_or_restore(trainer, cache_folder: str, writable: bool = True):
    """``trainer.train()``, or the saved result of the same training when the cache has it.

    A kernel that may not write the cache (``writable=False``: a student's) restores an
    entry that is there, and otherwise trains without saving.
    """
    folder = Path(cache_folder)
    if not writable:
        if (folder / _DONE).is_file():
            try:
                output = restore_training(trainer, folder)
            except Exception as error:  # an unreadable entry: train instead
                print(f"{TRAINING_MARKER} cache entry unreadable ({type(error).__name__}), training")
            else:
                print(f"{TRAINING_MARKER} restored")
                return output
        output = trainer.train()
        print(f"{TRAINING_MARKER} trained")
        return output
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _locked(folder.with_name(f"{folder.name}.lock")):
        if (folder / _DONE).is_file():
            try:
                output = restore_training(trainer, folder)
            except Exception as error:  # an unreadable cache entry: train instead
                print(f"{TRAINING_MARKER} cache entry unreadable ({type(error).__name__}), training")
            else:
                print(f"{TRAINING_MARKER} restored")
                return output
        output = trainer.train()
        save_training(trainer, output, folder)
        print(f"{TRAINING_MARKER} trained")
        return output


# --- answers and verdicts ----------------------------------------------------------------------


def print_carried(module_name: str, exercise_name: str, namespace: dict) -> None:
    """In a student's kernel: print exercise ``exercise_name``'s answer as data, one JSON line.

    What this prints is only ever read as data: however the student's code changed this
    kernel, the worst it can do is carry a different answer.
    """
    from helpers.exercises.carry import dumps

    exercise = getattr(importlib.import_module(module_name), exercise_name)
    try:
        text = dumps(exercise.carry(namespace))
    except ValueError as error:  # too large to carry
        text = dumps({"state": "not_carried", "why": str(error)})
    print(CARRY_MARKER + text)


def print_verdict(module_name: str, exercise_name: str, carried_json: str, language: str, namespace: dict) -> None:
    """In a course kernel: the lesson's own check judges a carried answer, in ``language``; print
    ``{"status", "message"}`` as one JSON line. ``namespace`` is copied, so no verdict changes the next."""
    from helpers.exercises.carry import loads
    from helpers.i18n import set_language

    exercise = getattr(importlib.import_module(module_name), exercise_name)
    set_language(language)
    try:
        feedback = exercise.judge(loads(carried_json), dict(namespace))
    finally:
        set_language("en")
    print(VERDICT_MARKER + json.dumps({"status": feedback.status, "message": feedback.message}))
