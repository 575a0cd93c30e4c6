"""The renderer for frontends without widgets: one output updated in place through
``display_id`` (JupyterLab, nbconvert, papermill, Colab), so what stays in a saved
notebook is the final state."""

from __future__ import annotations

from IPython.display import display

from flink_notebook.display.renderers.base import Renderer
from flink_notebook.display.renderers.snapshot import bundle
from flink_notebook.display.view import JobView


class HtmlRenderer(Renderer):
    """One output, updated in place."""

    #: It redraws its output in place, also after its cell returned: the monitor draws
    #: an ended view's last state (follow.py).
    in_place = True

    def __init__(self, view: JobView) -> None:
        super().__init__(view)
        self._handle = None
        self._drawn = -1

    def show(self) -> None:
        self._handle = display(bundle(self.view), raw=True, display_id=True)
        self._drawn = self.view.version

    def update(self) -> None:
        if self.view.version != self._drawn and self._handle is not None:
            self._handle.update(bundle(self.view), raw=True)
            self._drawn = self.view.version

    def close(self) -> None:
        self.update()
