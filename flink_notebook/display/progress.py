"""A cell's progress line: one line saying what the cell waits for before there is a job
view to look at ("Starting Flink… 3 s", "Planning…", "Submitting to …").

The layers below say what they do with :func:`flink_notebook.core.progress.step`; the line
shows the step once it has lasted ``SHOWN_AFTER`` (a warm cell's quarter second shows
none) and is emptied when the cell shows its own output (a job view: :func:`done`) or
ends, whichever way it ends (an error, Ctrl-C). A line that changed nothing in between is
empty in the saved notebook, not a stale "Planning…".

In a kernel it is one output updated in place (``display_id``); a background thread counts
the seconds while the cell's thread is blocked in Java, in the cell's own output (its
parent header, :mod:`flink_notebook.display.parent`), and is stopped with the cell. A
terminal prints a line per step; elsewhere (Zeppelin, a script) nothing is shown.
"""

from __future__ import annotations

import html
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flink_notebook.core import progress
from flink_notebook.display.parent import current_parent, thread_parent

log = logging.getLogger(__name__)

#: A step is shown once it has lasted this long (seconds); a line that is shown switches
#: to the next step at once, and is emptied this long after its step ended with none after.
SHOWN_AFTER = 0.2
#: What a line updated to nothing holds: an empty output (``flink-notebook run`` drops it).
EMPTY: dict[str, str] = {"text/plain": ""}
_STYLE = ("color: var(--jp-ui-font-color2, #666); "
          "font-family: var(--jp-code-font-family, monospace)")


def frontend(setting: str = "auto", shell: Any = None) -> str:
    """How this frontend shows the line: ``display`` (a kernel: one output updated in
    place), ``print`` (a terminal: a line per step) or ``none`` (Zeppelin, a script)."""
    if setting == "zeppelin" or any(key.startswith("ZEPPELIN_") for key in os.environ):
        return "none"  # its output is read as %html / %table: no line may come first
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        return "none"
    if getattr(shell, "kernel", None) is not None:
        return "display"
    return "print" if type(shell).__name__ == "TerminalInteractiveShell" else "none"


def bundle(text: str) -> dict[str, str]:
    """The output showing ``text`` (escaped in its HTML)."""
    return {"text/plain": text,
            "text/html": f"<div class='flink-cell-progress' style='{_STYLE}'>{html.escape(text)}"
                         "</div>"}


class ProgressLine:
    """One cell's line. ``step`` is :class:`flink_notebook.core.progress.Line`'s: the
    cell's thread says what it does; a ticker thread draws it when it is due."""

    def __init__(self, how: str = "display", parent: dict[str, Any] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 show: Callable[[dict[str, str]], Any] | None = None,
                 update: Callable[[Any, dict[str, str]], None] | None = None,
                 ticking: bool = True) -> None:
        """``how``: :func:`frontend`'s answer. ``parent``: the cell's parent header, for
        the ticker's output. ``show`` and ``update`` put a bundle on screen and change it
        (IPython's ``display(display_id=True)`` and its handle's ``update``). ``ticking``:
        a thread draws what is due (without, :meth:`tick` does, when called)."""
        self.how, self._parent, self._clock = how, parent, clock
        self._show, self._update = show or _display, update or _update_display
        self._cond = threading.Condition()
        self._text: str | None = None  # the step now
        self._counting = False
        self._since = 0.0  # when the step began
        self._due = 0.0  # when it is shown on an empty line
        self._ended = 0.0  # when the last step ended (with none after it)
        self._shown: str | None = None  # what the line shows (None: nothing)
        self._handle: Any = None
        self._printed: str | None = None
        self._ticker: threading.Thread | None = None
        self._closed = False
        self._ticking = ticking
        self.drawn: list[str] = []  # every text put on screen, "" for emptied (tests)

    # -- what the cell does -------------------------------------------------------------

    @contextmanager
    def step(self, text: str, counting: bool = False) -> Iterator[None]:
        self.say(text, counting)
        try:
            yield
        finally:
            self.over(text)

    def say(self, text: str, counting: bool = False, at_once: bool = False) -> None:
        """The cell does ``text`` from now on (until :meth:`over`); the same text again
        keeps its start, so its seconds go on counting. ``at_once``: shown now, not once
        it lasted (known to take seconds)."""
        with self._cond:
            if self._closed:
                return
            if text != self._text:
                self._text, self._counting, self._since = text, counting, self._clock()
                self._due = self._since + (0.0 if at_once else SHOWN_AFTER)
            self._start_ticker()
            self._cond.notify()

    def over(self, text: str) -> None:
        """The step ``text`` ended (nothing if the line says another by now)."""
        with self._cond:
            if self._text == text:
                self._text, self._ended = None, self._clock()
                self._cond.notify()

    def done(self) -> None:
        """The cell shows its own output now: the line is emptied at once (the next step
        may show it again, in the same place)."""
        with self._cond:
            self._text = None
            self._draw(None)

    def close(self) -> None:
        """The cell ended: the ticker stops and the line is emptied."""
        with self._cond:
            self._closed = True
            self._cond.notify()
            ticker = self._ticker
        try:
            if ticker is not None and ticker is not threading.current_thread():
                ticker.join(timeout=5)
        finally:  # a second Ctrl-C while it stops: the line is emptied all the same
            self.done()

    # -- drawing ------------------------------------------------------------------------

    def _start_ticker(self) -> None:
        if self._ticker is None and self._ticking and self.how != "none":
            self._ticker = threading.Thread(target=self._tick_on, daemon=True,
                                            name="flink-notebook-progress")
            self._ticker.start()

    def _tick_on(self) -> None:
        with thread_parent(self._parent), self._cond:
            while not self._closed:
                try:
                    wait = self.tick()
                except Exception:  # a line is never worth a cell: it stops drawing
                    log.debug("progress line failed", exc_info=True)
                    return
                self._cond.wait(wait)

    def tick(self) -> float | None:
        """Draw what is due now (the lock held); seconds until the next thing is (None:
        nothing until the cell says something)."""
        now = self._clock()
        if self._text is None:
            if self._shown is None:
                return None
            if now < self._ended + SHOWN_AFTER:  # a next step may come: no blank between
                return self._ended + SHOWN_AFTER - now
            self._draw(None)
            return None
        if self._shown is None and now < self._due:
            return self._due - now
        seconds = int(now - self._since)
        if self._counting and seconds >= 1 and self.how == "display":
            self._draw(f"{self._text}… {seconds} s")
            return self._since + seconds + 1 - now
        self._draw(f"{self._text}…")
        return self._since + 1 - now if self._counting and self.how == "display" else None

    def _draw(self, text: str | None) -> None:
        if text == self._shown:
            return
        self._shown = text
        if self.how == "print":  # a terminal: a line per step, never taken back
            if text is not None and text != self._printed:
                self._printed = text
                print(text, file=sys.stderr, flush=True)
            return
        if self.how != "display":
            return
        if self._handle is None:
            if text is None:
                return
            self._handle = self._show(bundle(text))
        else:
            self._update(self._handle, EMPTY if text is None else bundle(text))
        self.drawn.append(text or "")


def _display(data: dict[str, str]) -> Any:
    from IPython.display import display

    return display(data, raw=True, display_id=True)


def _update_display(handle: Any, data: dict[str, str]) -> None:
    handle.update(data, raw=True)


@contextmanager
def cell_progress(setting: str = "auto", starting: bool = True, started: bool = False
                  ) -> Iterator[ProgressLine]:
    """The line of the cell running now, for the block: the layers' steps on this thread
    are shown by it; it is emptied and its ticker stopped when the block ends, however.
    ``starting``: until the engine says it has started (or another step comes), the cell
    is starting Flink (importing what it needs, waiting for Java); ``started``: the
    engine's Java runs already (shown only if it lasts, then: the first cell's imports)."""
    line = ProgressLine(frontend(setting), current_parent())
    try:
        with progress.shown_by(line):
            if starting:
                line.say(progress.STARTING_FLINK, counting=True, at_once=not started)
            yield line
    finally:
        line.close()


def done() -> None:
    """The cell shows its own output now (a job view): its line, if any, is emptied first."""
    line = progress.current()
    if isinstance(line, ProgressLine):
        line.done()
