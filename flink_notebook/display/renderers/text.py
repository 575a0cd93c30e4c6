"""Terminal IPython: a one-line status updated in place, then the final table."""

from __future__ import annotations

import sys

from flink_notebook.display.renderers.base import Renderer
from flink_notebook.display.renderers.snapshot import status_line, text_snapshot
from flink_notebook.display.view import JobView


class TextRenderer(Renderer):
    def __init__(self, view: JobView, stream=None) -> None:
        super().__init__(view)
        self.stream = stream or sys.stdout

    def show(self) -> None:
        self.update()

    def update(self) -> None:
        self.stream.write("\r\x1b[K" + status_line(self.view)[:150])
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r\x1b[K" + text_snapshot(self.view) + "\n")
        self.stream.flush()
