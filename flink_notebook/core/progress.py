"""What a cell waits for now, said from any layer: ``with step("Starting Flink"):``.

The engine, the executors and the cells say what they are doing; the cell's progress line
(:mod:`flink_notebook.display.progress`), installed on the cell's thread while it runs,
shows it. On any other thread, or with no line installed (a script, a background reader),
a step says nothing and costs nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Protocol

#: The first step of a kernel's first cell: Java, the environments, the embedded cluster.
STARTING_FLINK = "Starting Flink"


class Line(Protocol):
    def step(self, text: str, counting: bool = False) -> AbstractContextManager[None]: ...

    def over(self, text: str) -> None: ...


_here = threading.local()


def step(text: str, counting: bool = False) -> AbstractContextManager[None]:
    """Within the block the cell is doing ``text`` ("Planning"); ``counting``: its line
    counts the seconds (a start that takes a while)."""
    line: Line | None = getattr(_here, "line", None)
    return nullcontext() if line is None else line.step(text, counting)


def over(text: str) -> None:
    """The step ``text`` is over, if the line still says it (said by whoever ends what
    another began: the engine's start, begun by the cell)."""
    line: Line | None = getattr(_here, "line", None)
    if line is not None:
        line.over(text)


def current() -> Line | None:
    """The line this thread's steps are shown by, if any."""
    return getattr(_here, "line", None)


@contextmanager
def shown_by(line: Line) -> Iterator[None]:
    """Within the block, this thread's steps are shown by ``line``."""
    before = getattr(_here, "line", None)
    _here.line = line
    try:
        yield
    finally:
        _here.line = before
