"""The live chart in widget frontends: an ipywidgets ``Output`` inside the job's view that
holds the chart as a Vega-Lite output, drawn by the frontend's own Vega renderer
(JupyterLab, Notebook 7 and VS Code ship one; no JavaScript of ours or from a CDN).

It is replaced only when the plotted rows changed, with the small specification and the
rows. At the end the output also carries the static SVG, so that the saved widget state
shows the chart where no Vega renderer runs (nbconvert's HTML). docs/libraries.md says why
this and not altair's ``JupyterChart``.
"""

from __future__ import annotations

from typing import Any

from flink_notebook.display.charts.drawing import ChartDrawing
from flink_notebook.display.charts.vega import MIMETYPE

#: vega-embed options for the frontend's renderer: SVG (crisp, and its marks can be read).
EMBED = {"embed_options": {"renderer": "svg", "actions": False}}
CHART_CLASS = "flink-live-chart"


class LiveChart:
    """A chart widget kept current with :meth:`update`."""

    def __init__(self, drawing: ChartDrawing) -> None:
        import ipywidgets as widgets

        self.drawing = drawing
        # A chart has its own width: in a narrow cell it scrolls sideways on its own, never
        # the whole view.
        self.widget = widgets.Output(layout=widgets.Layout(overflow_x="auto",
                                                           max_width="100%"))
        self.widget.add_class(CHART_CLASS)
        self._sent: list | None = None
        self._final = False
        self.update()

    def update(self, final: bool = False) -> bool:
        """Send the chart if its rows changed since the last time (``final``: with its
        static SVG, once); True if it did."""
        rows = self.drawing.rows()
        if rows == self._sent and (not final or self._final):
            return False
        data: dict[str, Any] = {MIMETYPE: self.drawing.spec_dict(rows),
                                "text/plain": self.drawing.summary()}
        if final:
            data["image/svg+xml"] = self.drawing.svg()
        self.widget.outputs = ({"output_type": "display_data", "data": data,
                                "metadata": {MIMETYPE: EMBED}},)
        self._sent, self._final = rows, final
        return True
