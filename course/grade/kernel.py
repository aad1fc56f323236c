"""A kernel the grader runs cells in: started fresh, in the sandbox where there is one, with the
offline profile and the grader's limits; each cell's outputs read back for what the grader's
own cells printed (marked lines) and for the exception a cell raised."""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from ..kernels import KERNEL_NAME, KERNELSPEC, local_kernel_config
from .sandbox import Sandbox, SandboxedKernelManager
from .submissions import one_line

KERNEL_START_S = 120


@dataclass(frozen=True)
class Settings:
    """How the grader runs kernels: limits, the training cache, the sandbox, where executed notebooks go."""

    cell_timeout: int
    notebook_timeout: int
    cache_root: str | None
    identity: str
    threads: int
    executed_dir: str
    sandbox: Sandbox


def kernel_env(workdir: Path, threads: int) -> dict:
    """A kernel's environment: offline profile, no Hub, no GPU, no pip index, every file it writes
    (checkpoints, caches, a home) inside its own temporary folder."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("COLAB_", "KAGGLE_"))}
    # The offline profile's own model and data; the training cache only as the grader's cells give it
    # (a test run's COURSE_TRAINING_CACHE and IPYTHONDIR would install it in every kernel).
    for key in ("COURSE_MODEL", "COURSE_MRPC_DIR", "COURSE_TRAINING_CACHE", "IPYTHONDIR"):
        env.pop(key, None)
    env.update(
        COURSE_PROFILE="offline",
        COURSE_OUTPUT_DIR=str(workdir / "runs"),
        HOME=str(workdir / "home"),
        TMPDIR=str(workdir / "tmp"),
        XDG_CACHE_HOME=str(workdir / "cache"),
        MPLCONFIGDIR=str(workdir / "cache" / "matplotlib"),
        IPYTHONDIR=str(workdir / "cache" / "ipython"),
        # torch writes the folder it chose into its own environment once imported, so the grader's
        # would otherwise pass its /tmp folder on: read-only in the sandbox.
        TORCHINDUCTOR_CACHE_DIR=str(workdir / "cache" / "torchinductor"),
        TRITON_CACHE_DIR=str(workdir / "cache" / "triton"),
        HF_HOME=str(workdir / "cache" / "huggingface"),
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PIP_NO_INDEX="1",
        PYTHONDONTWRITEBYTECODE="1",
        CUDA_VISIBLE_DEVICES="",
        OMP_NUM_THREADS=str(threads),
        MKL_NUM_THREADS=str(threads),
        TOKENIZERS_PARALLELISM="false",
        PYTHONHASHSEED="0",
    )
    for folder in ("home", "tmp", "cache"):
        (workdir / folder).mkdir(parents=True, exist_ok=True)
    return env


def error_of(cell) -> str | None:
    """``"NameError: name 'x' is not defined"`` for a cell that raised, else None. The
    kernel's name for the cell's file is left out, so the same mistake reads the same."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            text = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".rstrip(": ")
            return one_line(re.sub(r"\(\d+\.py, line (\d+)\)", r"(line \1)", text))
    return None


def marked_lines(cell, marker: str) -> list[str]:
    """What the cell printed on lines that start with ``marker`` (the marker removed)."""
    text = "".join(out.get("text", "") for out in cell.get("outputs", []) if out.get("name") == "stdout")
    return [line.removeprefix(marker).strip() for line in text.splitlines() if line.startswith(marker)]


class CellStuck(Exception):
    """A cell did not finish within its limit (``reason`` "timeout") or killed its kernel ("died")."""

    def __init__(self, reason: str, limit: float):
        super().__init__(reason)
        self.reason = reason
        self.limit = limit


class Kernel:
    """A fresh kernel in ``workdir`` (writable, its working folder ``workdir/work``), sandboxed
    per ``settings``. Use as a context manager; :meth:`run` executes one cell."""

    def __init__(self, workdir: Path, settings: Settings, also_writable: tuple[str, ...] = ()):
        self.workdir = workdir
        self.settings = settings
        (workdir / "work").mkdir(parents=True, exist_ok=True)
        for folder in also_writable:
            Path(folder).mkdir(parents=True, exist_ok=True)  # the sandbox binds only a folder that exists
        sockets = workdir / "sockets"
        sockets.mkdir(exist_ok=True)
        self.notebook = nbformat.v4.new_notebook()
        self.notebook.metadata["kernelspec"] = dict(KERNELSPEC)
        manager = SandboxedKernelManager(kernel_name=KERNEL_NAME, config=local_kernel_config(sockets))
        manager.command_prefix = settings.sandbox.command(workdir, also_writable)
        self.client = NotebookClient(
            self.notebook,
            km=manager,
            kernel_name=KERNEL_NAME,
            allow_errors=True,
            record_timing=False,
            shutdown_kernel="immediate",
            startup_timeout=KERNEL_START_S,
            resources={"metadata": {"path": str(workdir / "work")}},
        )
        self._context = None

    def __enter__(self) -> Kernel:
        # cleanup_kc: nbclient shuts down only a kernel whose manager it made itself; this one is ours.
        self._context = self.client.setup_kernel(env=kernel_env(self.workdir, self.settings.threads), cleanup_kc=True)
        self._context.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(Exception):  # a kernel that died already
            self._context.__exit__(*exc)

    def run(self, source: str, limit: float):
        """Run one cell, at most ``limit`` seconds; the executed cell. :class:`CellStuck` if it hangs
        or kills the kernel."""
        cell = nbformat.v4.new_code_cell(source)
        self.notebook.cells.append(cell)
        self.client.timeout = max(1, int(limit))
        try:
            self.client.execute_cell(cell, len(self.notebook.cells) - 1)
        except CellTimeoutError:
            raise CellStuck("timeout", limit) from None
        except DeadKernelError:
            raise CellStuck("died", limit) from None
        return cell


def remaining(deadline: float) -> float:
    return deadline - time.monotonic()
