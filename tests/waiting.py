"""Waiting on conditions, never on the clock: every wait has a deadline and says what it
waited for when the deadline passes."""

from __future__ import annotations

import _thread
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable


def until(predicate: Callable[[], Any], what: str = "the condition", seconds: float = 120.0,
          every: float = 0.2) -> Any:
    """Poll ``predicate()`` until it returns something truthy; return that. Fails naming
    ``what`` after ``seconds`` (a generous deadline: a slow machine is not a failure)."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not reached within {seconds:g} s"
        time.sleep(every)


@contextmanager
def interrupt_when(predicate: Callable[[], Any], what: str,
                   seconds: float = 120.0) -> Iterator[None]:
    """Within the block, interrupt the main thread (as the notebook's stop button does)
    once ``predicate()`` holds, polled from another thread. If it never holds, the main
    thread is interrupted at the deadline anyway and the block fails naming ``what``."""
    state = {"reached": False, "stop": False}

    def watch() -> None:
        deadline = time.monotonic() + seconds
        while not state["stop"] and time.monotonic() < deadline:
            try:
                if predicate():
                    state["reached"] = True
                    break
            except Exception:  # not there yet (no job, no rows): ask again
                pass
            time.sleep(0.1)
        if not state["stop"]:
            _thread.interrupt_main()

    watcher = threading.Thread(target=watch, daemon=True, name="interrupt-when")
    watcher.start()
    try:
        yield
    finally:
        state["stop"] = True
        try:
            watcher.join()
        except KeyboardInterrupt:  # it fired just as the block ended on its own
            watcher.join()
    assert state["reached"], f"{what}: not reached within {seconds:g} s"
