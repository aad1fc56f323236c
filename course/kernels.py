"""What every tool that runs notebooks shares: how it talks to a kernel, and what a
committed notebook keeps of its metadata."""

from __future__ import annotations

from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from traitlets import default
from traitlets.config import Config

# The kernel spec every tool runs (`make install` registers it in the virtual environment).
KERNEL_NAME = "python3"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": KERNEL_NAME}


def local_kernel_config(folder: Path | str) -> Config:
    """Talk to a kernel over local IPC sockets in ``folder`` (its connection file goes there too), not TCP ports.

    Over TCP without encryption every kernel prints a security warning; IPC sockets are
    files only this user can reach, so there is nothing to warn about. Errors still show.
    """
    folder = Path(folder)
    return Config(
        {
            "KernelManager": {
                "transport": "ipc",
                "ip": str(folder / "kernel"),
                "connection_file": str(folder / "kernel.json"),
            }
        }
    )


def kernel_manager_class(kernels: Path | str) -> type[AsyncKernelManager]:
    """A kernel manager class (async, as nbclient's default) that finds the kernel spec ``KERNEL_NAME`` in
    the folder ``kernels`` (one folder per spec, as in ``share/jupyter/kernels``) instead of the running
    environment's: a kernel of another environment, e.g. the Colab twin of ``python -m course colab``.
    nbclient creates it, and so shuts its kernel down after each notebook as it does its default one's."""
    folder = str(kernels)

    class FolderKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self) -> KernelSpecManager:
            return KernelSpecManager(kernel_dirs=[folder])

    return FolderKernelManager


def clean_metadata(notebook) -> None:
    """Keep a committed notebook free of run-specific metadata."""
    notebook.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
