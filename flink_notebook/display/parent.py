"""Output from background threads lands in the cell that started the job.

ipykernel routes a message to a cell by its parent header. A monitor thread
updating a detached job's view sets, for itself only, the parent of the cell
that displayed the view (ipykernel's ``set_thread_parent`` API), so the update
is not attributed to whatever cell runs now.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def current_parent() -> dict[str, Any] | None:
    """The parent header of the cell running now (None outside a kernel)."""
    from IPython import get_ipython

    kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None:
        return None
    return kernel.get_parent()


@contextmanager
def thread_parent(parent: dict[str, Any] | None) -> Iterator[None]:
    """Within the block, this thread's display and streams belong to ``parent``."""
    from IPython import get_ipython

    shell = get_ipython()
    targets = [getattr(shell, "display_pub", None), sys.stdout, sys.stderr]
    tokens = []
    if parent:
        for target in targets:
            if hasattr(target, "set_thread_parent"):
                tokens.append((target, target.set_thread_parent(parent)))
    try:
        yield
    finally:
        for target, token in reversed(tokens):
            target.reset_thread_parent(token)
