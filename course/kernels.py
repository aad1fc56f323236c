"""What every tool that runs notebooks shares: how it talks to a kernel, and what a
committed notebook keeps of its metadata."""

from __future__ import annotations

from pathlib import Path

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


def clean_metadata(notebook) -> None:
    """Keep a committed notebook free of run-specific metadata."""
    notebook.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
