"""Short notes in a cell's output: a statement's confirmation, a statement set opened.
Plain text for terminals and nbconvert, a quiet line for HTML frontends (escaped)."""

from __future__ import annotations

import html
from typing import Any

from IPython.display import display

_STYLE = "color: var(--jp-ui-font-color2, #666); font-family: var(--jp-code-font-family, monospace)"


def note(*lines: str) -> None:
    """Show ``lines`` as one output, one per line."""
    if not lines:
        return
    shown = "<br>".join(html.escape(line) for line in lines)
    display({"text/plain": "\n".join(lines),
             "text/html": f"<div class='flink-note' style='{_STYLE}'>{shown}</div>"}, raw=True)


class Answer:
    """A magic's value shown as a note of ``lines`` rather than as itself; reading it reads
    the value (``config.get(key)`` after ``config = %flink_config key=value``)."""

    def __init__(self, value: Any, *lines: str) -> None:
        self.value, self.lines = value, lines

    def __getattr__(self, name: str) -> Any:
        if name == "value":  # not set yet (a copy being made): no value to read from
            raise AttributeError(name)
        return getattr(self.value, name)

    def __repr__(self) -> str:
        return "\n".join(self.lines)

    def _ipython_display_(self) -> None:
        note(*self.lines)


class Notes:
    """A cell's confirmations, shown together: before the cell's next other output, and at
    its end (an error included, so what was done before it is said)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        self.lines.append(line)

    def flush(self) -> None:
        lines, self.lines = self.lines, []
        note(*lines)
