"""The sandbox a student's kernel runs in, where the machine has one: bubblewrap (Debian's
``bubblewrap`` package, the ``bwrap`` command).

Inside it the kernel has no network, and sees the file system read-only, except its own
temporary folder (the copy of the student's notebook folder, the kernel's sockets, its caches).
``/tmp`` is an empty, read-only one of its own, so the other notebooks' temporary folders are out
of sight, and so are the class's folder (SUBMISSIONS) and the grader's output folder, except the
training cache, which it reads. What it does not protect: the kernel still runs as you and can
read the rest of what your account can read (it cannot send it anywhere, or write it anywhere
but its own folder, which is deleted after grading), and it shares the machine's processors
and memory (the grader's time limits stop a notebook that runs too long).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from ..catalog import ROOT

MODES = ("auto", "on", "off")
INSTALL = "install bubblewrap (Debian and Ubuntu: apt-get install bubblewrap)"


class SandboxError(Exception):
    """``--sandbox on`` where no sandbox can run; the message names the fix."""


@dataclass(frozen=True)
class Sandbox:
    bwrap: str | None  # the bwrap command, or None: kernels run unconfined
    why: str  # one line: what the grader runs the kernels in, and why
    hidden: tuple[str, ...] = field(default=())  # folders the kernels must not see (the class, the output)
    readable: tuple[str, ...] = field(default=())  # folders they read (the training cache)

    @property
    def on(self) -> bool:
        return self.bwrap is not None

    def command(self, writable: Path, also_writable: tuple[str, ...] = ()) -> list[str]:
        """The bwrap command line to put before a kernel's own: everything read-only and no network,
        ``writable`` (the kernel's temporary folder) and ``also_writable`` (a course
        kernel's training cache) writable, the hidden folders out of sight."""
        if self.bwrap is None:
            return []
        command = [self.bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        # What the kernel needs that /tmp may cover: the course, Python. Bound before the hidden folders,
        # so that a class folder inside the course's folder stays hidden; one inside a hidden folder, after.
        needed = [folder for folder in dict.fromkeys([str(ROOT), sys.prefix, sys.base_prefix]) if Path(folder).exists()]
        inside_hidden = [folder for folder in needed if any(Path(folder).is_relative_to(h) for h in self.hidden)]
        for folder in needed:
            if folder not in inside_hidden:
                command += ["--ro-bind", folder, folder]
        for folder in self.hidden:
            command += ["--tmpfs", folder]
        # The training cache (inside the output folder by default), and what a hidden folder covered.
        for folder in dict.fromkeys([*inside_hidden, *self.readable]):
            if Path(folder).exists():
                command += ["--ro-bind", folder, folder]
        for folder in dict.fromkeys([*also_writable, str(writable)]):
            command += ["--bind", folder, folder]
        # The empty folders that hide /tmp and the class's folders are read-only too (what is bound inside stays).
        for folder in ("/tmp", *self.hidden):
            command += ["--remount-ro", folder]
        return command + ["--unshare-net", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--"]


def probe(bwrap: str) -> str | None:
    """None when bwrap can start a confined process here, else why not (one line)."""
    try:
        done = subprocess.run(
            [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net", "--", "true"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{bwrap} did not run ({type(error).__name__}: {error})"
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return f"{bwrap} cannot confine a process here ({lines[-1] if lines else f'exit {done.returncode}'})"
    return None


def choose(mode: str, hidden: list[Path] = (), readable: list[Path] = ()) -> Sandbox:
    """The sandbox for ``--sandbox MODE``: ``auto`` uses bubblewrap where it runs, ``on`` requires
    it (a :class:`SandboxError` with the fix where it cannot), ``off`` runs kernels unconfined."""
    if mode not in MODES:
        raise SandboxError(f"--sandbox {mode!r} is not a mode. Fix: use one of {', '.join(MODES)}.")
    hidden_folders = tuple(str(Path(path).resolve()) for path in hidden)
    readable_folders = tuple(str(Path(path).resolve()) for path in readable)
    if mode == "off":
        return Sandbox(None, "none (--sandbox off): students' code runs as you, with your files and network")
    bwrap = shutil.which("bwrap")
    problem = probe(bwrap) if bwrap else "bubblewrap is not installed (no bwrap command)"
    if problem is None:
        # Each hidden folder made now, once, if missing: bwrap cannot make it on the read-only root, and
        # a folder made later (the grades, while kernels run) would be in sight of the kernels before it.
        for folder in hidden_folders:
            Path(folder).mkdir(parents=True, exist_ok=True)
        why = (
            f"bubblewrap ({bwrap}): each student's kernel has no network and sees the files read-only, "
            "but its own temporary folder"
        )
        return Sandbox(bwrap, why, hidden_folders, readable_folders)
    if mode == "on":
        raise SandboxError(f"--sandbox on, but {problem}. Fix: {INSTALL}, or grade with --sandbox off.")
    return Sandbox(None, f"none: {problem}, so students' code runs as you. Fix: {INSTALL}")


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel starts inside the sandbox: bwrap's command line, then the kernel's.
    Asynchronous, as nbclient expects: with a blocking client, a cell that never ends would block the
    wait for its output and no cell timeout would ever fire."""

    command_prefix: list[str] = []

    def format_kernel_cmd(self, extra_arguments=None) -> list[str]:
        return [*self.command_prefix, *super().format_kernel_cmd(extra_arguments)]
