"""Files written whole or not at all, created by exactly one of several racing processes."""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from pathlib import Path


def create_once(path: Path, content: bytes, mode: int) -> bool:
    """Create PATH with CONTENT and MODE unless it exists; True if this call created it.

    The content goes to a temporary file in the same folder first, synced, and is then
    hard-linked into place. A link never replaces an existing file, so of processes starting
    together exactly one creates PATH, and no process ever reads it empty or half written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)  # exactly MODE, whatever the umask
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        _sync_folder(path.parent)
        return True
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temporary)


def _sync_folder(folder: Path) -> None:
    """Make the new name durable, so a crash right after cannot lose a key in use."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
