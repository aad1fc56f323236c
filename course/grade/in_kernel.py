"""What the class grader (``python -m course grade``) runs inside each notebook's kernel.

Two things, both called from cells the grader adds or rewrites, never from the lessons:

* :func:`train_or_restore` stands in for a course cell's ``trainer.train()``. The first
  time a training runs with a given key (a hash of all the code that ran before it and
  of the course's files and versions), it trains and saves what training changed: the
  model's weights, the Trainer's state (``log_history``, ``global_step``...), the
  returned ``TrainOutput``, the model's train/eval mode and the random-number state.
  Every later notebook with the same key loads those instead of training again, so the
  cells after it (``trainer.predict()``, ``trainer.state.log_history``) see exactly
  what they would have seen after training.
* :func:`report_check` asks a lesson's own check for its verdict, with the lesson's
  module freshly reloaded, and prints it as one JSON line the grader reads.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pickle
import random
import shutil
from pathlib import Path

CHECK_MARKER = "course-grader-check:"
TRAINING_MARKER = "course-grader-training:"
_DONE = "done.json"


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


def _random_state() -> dict:
    import numpy as np
    import torch

    return {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}


def _set_random_state(state: dict) -> None:
    import numpy as np
    import torch

    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])


def save_training(trainer, output, folder: Path) -> None:
    """Write what ``trainer.train()`` changed into ``folder`` (written whole, then renamed)."""
    from safetensors.torch import save_model

    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    save_model(trainer.model, str(partial / "model.safetensors"))
    trainer.state.save_to_json(str(partial / "trainer_state.json"))
    with open(partial / "random_state.pkl", "wb") as handle:
        pickle.dump(_random_state(), handle)
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
    with open(folder / "random_state.pkl", "rb") as handle:
        _set_random_state(pickle.load(handle))
    return TrainOutput(done["global_step"], done["training_loss"], done["metrics"])


def train_or_restore(trainer, cache_folder: str):
    """``trainer.train()``, or the saved result of the same training when the cache has it."""
    folder = Path(cache_folder)
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


def report_check(module_name: str, exercise_name: str, namespace: dict) -> None:
    """Print the verdict of exercise ``exercise_name`` of ``module_name`` on ``namespace``.

    The lesson's module is reloaded first, so a ``q1`` the notebook replaced or changed
    does not answer for the course's check.
    """
    module = importlib.reload(importlib.import_module(module_name))
    feedback = getattr(module, exercise_name).evaluate(namespace)
    print(CHECK_MARKER + json.dumps({"status": feedback.status, "message": feedback.message}))
