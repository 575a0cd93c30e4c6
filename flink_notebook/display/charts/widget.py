"""The live chart in widget frontends: altair's ``JupyterChart`` (an anywidget drawing
with vega-embed), made once with the chart's specification; afterwards only its rows
travel, as a replacement of its ``rows`` dataset, and only when they changed.

The JavaScript runs offline: vega-embed comes bundled by vl-convert
(``JupyterChart.enable_offline``), not from a CDN, so charts draw on Binder, in VS Code
and on machines without internet alike. The rows are replaced through the widget's
``_py_to_js_updates`` channel, the one altair's own VegaFusion support uses to update a
dataset in place (tests/test_charts.py checks the JavaScript still handles it).
"""

from __future__ import annotations

import threading
from typing import Any

from flink_notebook.display.charts.drawing import ChartDrawing
from flink_notebook.display.charts.vega import DATASET

_offline_lock = threading.Lock()


def _jupyter_chart_class() -> Any:
    import altair as alt

    with _offline_lock:
        alt.JupyterChart.enable_offline()
    return alt.JupyterChart


class LiveChart:
    """A chart widget kept current with :meth:`update`; ``updates`` counts what was sent."""

    def __init__(self, drawing: ChartDrawing) -> None:
        self.drawing = drawing
        self._sent = drawing.rows()
        self.widget = _jupyter_chart_class()(
            drawing.chart(self._sent), embed_options={"renderer": "svg", "actions": False})
        self.updates = 0

    def update(self) -> bool:
        """Send the rows if they changed since the last time; True if it did."""
        rows = self.drawing.rows()
        if rows == self._sent:
            return False
        self.widget._py_to_js_updates = [
            {"namespace": "data", "name": DATASET, "scope": [], "value": rows}]
        self._sent = rows
        self.updates += 1
        return True
