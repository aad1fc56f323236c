"""Other inputs for an exercise: an answer is judged on the notebook's inputs and on a variant of
them that the student never saw, so that a typed or hard-coded answer is found out.

An exercise whose answer is computed from the notebook's inputs (a pair, a batch, the numbers of
a run, a set of predictions, a log history...) declares a :class:`Variant`: the names of those
inputs in the notebook, and ``pick``, which draws other values for them from a seeded random
generator and the notebook's own objects (another pair of the data, a subset of the predictions).
:meth:`Variant.inputs` draws until the right answer on the variant differs from the right answer
on the notebook's inputs (``expected``, computed with the course's own objects), so that an
unchanged answer cannot pass both. The same seed and the same objects give the same variant, in
the student's kernel and in the course kernel that judges: the grader seeds it with the student's
notebook (:func:`variant_seed`), so that neighbours get different ones.

Where the answer is tried on the variant, the answer cell's code runs again in a copy of the
notebook's namespace in which the variant's values replace the notebook's (nothing of the notebook
changes): ``Exercise.carry_variant``. The messages below say what went wrong without the variant's
values, which the student's feedback never shows.
"""

from __future__ import annotations

import contextlib
import io
import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..i18n import N_

# How many draws a variant gets to find inputs whose right answer differs from the notebook's.
TRIES = 200
# The seed of the variant that q1.check() tries in a notebook (the grader's are the students').
NOTEBOOK_SEED = "notebook"

# The messages of an answer right on the notebook's inputs and not on the variant's. {here} and
# {other} name the inputs ("the notebook's pair", "another pair"), {uses} the code to compute from.
TYPED = N_("right for {here}, but your cell gives the same answer for {other}: compute it from {uses}, do not type it.")
OTHER_WRONG = N_(
    "right for {here}, but wrong for {other}, on which your cell ran too: compute the answer from {uses}, "
    "with nothing of {here} typed in."
)
RAISED = N_("right for {here}, but on {other} your cell raised {error}: compute the answer from {uses}, for any input.")
NOT_TRIED = N_(
    "right for {here}, but your cell could not be tried on {other} ({error}): keep {uses} as the notebook's "
    "cells define them, and run the notebook from the top."
)
NOTHING_CAME_BACK = N_("no answer came back")


def same_answer(first, second) -> bool:
    """Whether two answers are the same, numbers and arrays up to NumPy's default tolerances."""
    if isinstance(first, dict) and isinstance(second, dict):
        return first.keys() == second.keys() and all(same_answer(first[key], second[key]) for key in first)
    if isinstance(first, str) or isinstance(second, str) or first is None or second is None:
        return first == second
    try:
        a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    except (TypeError, ValueError):
        return first == second
    return a.shape == b.shape and bool(np.allclose(a, b, equal_nan=True))


@dataclass(frozen=True)
class Variant:
    """Other values for the inputs an exercise's answer is computed from.

    ``names`` are the notebook's names that ``pick(rng, namespace)`` returns new values for (a dict);
    ``here`` and ``other`` name the notebook's inputs and the variant's in messages (marked with
    ``N_()``: "the notebook's pair", "another pair"); ``uses`` is the code a right answer is computed
    from, as the messages cite it. ``expected(namespace)`` is the right answer, as its checker
    receives it, with the inputs in ``namespace``: a variant whose right answer is ``same`` as the
    notebook's (or None: no right answer) is drawn again; without ``expected`` every draw differs by
    construction. ``cheap``: ``check()`` in a notebook tries the answer cell on the variant too (it
    trains nothing and writes nothing).
    """

    names: tuple[str, ...]
    here: str
    other: str
    uses: tuple[str, ...]
    pick: Callable[[random.Random, dict], dict]
    expected: Callable[[dict], object] | None = None
    same: Callable[[object, object], bool] = same_answer
    cheap: bool = True

    def inputs(self, seed: str, namespace: dict) -> dict:
        """The variant's values of ``names`` for ``seed``, from the objects in ``namespace``; the same
        seed and objects give the same values. The first draw whose right answer differs from the
        notebook's; if none does (a model that gives every pair the same label), the first draw that
        has a right answer, so that a right answer is never refused. RuntimeError if none has one."""
        rng = random.Random(seed)
        before = self.expected(namespace) if self.expected else None
        fallback = None
        for _draw in range(TRIES):
            values = self.pick(rng, namespace)
            if set(values) != set(self.names):
                raise RuntimeError(f"the variant gave {sorted(values)}, not {sorted(self.names)}")
            if self.expected is None:
                return values
            after = self.expected({**namespace, **values})
            if after is None:
                continue
            if not self.same(before, after):
                return values
            fallback = fallback or values
        if fallback is None:
            raise RuntimeError(f"no variant of {', '.join(self.names)} has a right answer in {TRIES} draws")
        return fallback


def variant_seed(notebook: str, exercise: str) -> str:
    """The seed of a student's variant of an exercise: the student's notebook as the grader names it
    (``student/path``, so the student's identity) and the exercise, e.g. ``q1``."""
    return f"{notebook}|{exercise}"


def code_names(uses: tuple[str, ...]) -> str:
    """``sentence1``, ``sentence2``: the code a message cites, each in backticks."""
    return ", ".join(f"`{code}`" for code in uses)


@contextlib.contextmanager
def quiet():
    """What the answer cell prints while it runs on the variant is not shown: it would be the variant's."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def python_code(code: str) -> str:
    """An answer cell's code as plain Python: in IPython, its magics (``%time``...) become calls."""
    try:
        from IPython import get_ipython
    except ImportError:
        return code
    shell = get_ipython()
    return shell.transform_cell(code) if shell is not None else code


# --- draws that several lessons share ----------------------------------------------------------------


def shuffled(rng: random.Random, dataset):
    """The rows of a ``datasets.Dataset`` in another order (a view: nothing is copied)."""
    return dataset.select(rng.sample(range(len(dataset)), len(dataset)))


def first_rows(rng: random.Random, dataset, least: int):
    """The first rows of a Dataset, at least ``least`` and fewer than all of them."""
    return dataset.select(range(rng.randint(least, len(dataset) - 1)))


def some_rows(rng: random.Random, count: int) -> list[int]:
    """Row numbers of a subset of ``count`` rows: at least half of them and fewer than all, in their order."""
    return sorted(rng.sample(range(count), rng.randint(count // 2, count - 1)))


def with_split(datasets, split: str, rows):
    """A copy of a DatasetDict with ``split`` replaced by ``rows`` (the others as they are)."""
    from datasets import DatasetDict

    return DatasetDict({**datasets, split: rows})
