"""Zeppelin's IPython interpreter: status as ``%html``, rows as ``%table``.

Zeppelin reads a paragraph's output for display-system prefixes at the start
of a line: ``%html`` renders HTML, ``%table`` a tab-separated table with a
header row (so Zeppelin's built-in charts work on the results).

Detection: the kernel runs under Zeppelin when a ``ZEPPELIN_*`` environment
variable is set (Zeppelin's interpreter launcher exports ``ZEPPELIN_HOME``,
``ZEPPELIN_INTERPRETER_*``...) or when the user namespace holds Zeppelin's
context ``z``. ``%flink_config notebook.renderer=zeppelin`` forces it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from flink_notebook.display.renderers.base import Renderer
from flink_notebook.display.renderers.snapshot import html_snapshot
from flink_notebook.display.values import shown
from flink_notebook.display.view import JobView


def in_zeppelin(namespace: dict[str, Any] | None = None, environ=os.environ) -> bool:
    if any(key.startswith("ZEPPELIN_") for key in environ):
        return True
    z = (namespace or {}).get("z")
    return z is not None and "zeppelin" in type(z).__name__.lower()


def _cell(value: Any) -> str:
    return " ".join(str(value).split())  # tabs and newlines would break the table


def table_text(frame, types=None) -> str:
    """Zeppelin's %table form; values as Flink prints them when their types are known."""
    frame = shown(frame, types, len(frame))
    lines = ["\t".join(_cell(c) for c in frame.columns)]
    lines += ["\t".join(_cell(v) for v in row) for row in frame.itertuples(index=False)]
    return "%table " + "\n".join(lines)


class ZeppelinRenderer(Renderer):
    """Prints once, at the end: Zeppelin cannot update an output in place."""

    def __init__(self, view: JobView, stream=None) -> None:
        super().__init__(view)
        self.stream = stream or sys.stdout

    def show(self) -> None:
        """Nothing while it runs (each print would be a new output)."""

    def update(self) -> None:
        """See show()."""

    def close(self) -> None:
        view = self.view
        rows, view.rows = view.rows, None
        try:
            print("%html " + html_snapshot(view, chart=False).replace("\n", " "), file=self.stream)
        finally:
            view.rows = rows
        if rows is not None:
            print(table_text(rows, getattr(view.result, "types", None)), file=self.stream)
        print("%text ", file=self.stream, flush=True)
