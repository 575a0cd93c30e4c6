"""Files in the state directory that several processes (kernels, the command line, a
lease) read and rewrite: each change is made under a cross-process lock, and written
whole, so no writer's change is lost and no reader sees half a file."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold ``path``'s lock (``<path>.lock`` beside it, ``flock``) for a read-modify-write;
    other processes and threads wait for it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A lock file of its own: the data file is replaced on every write, a lock on it would
    # be left behind on the old inode.
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=path.name + ".",
                                     suffix=".tmp", delete=False) as out:
        out.write(text)
    os.replace(out.name, path)
