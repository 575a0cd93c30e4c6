"""``job.chart(...)``: a chart of a query job's rows on its own, below the cell. While the
job runs it follows it from the cluster's monitor, as detached views do; after the job
ended it draws the final rows once."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable

from IPython.display import display

from flink_notebook.display.charts import require_altair
from flink_notebook.display.charts.drawing import ChartDrawing, drawing_for
from flink_notebook.display.charts.spec import ChartSpec
from flink_notebook.display.renderers import Renderer, renderer_name
from flink_notebook.display.renderers.snapshot import chart_html
from flink_notebook.display.view import JobView, Look
from flink_notebook.display.widget_view import widget_view

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration
    from flink_notebook.jobs.client import JobClient


def chart_shower(configuration: Configuration, look: Look | None = None
                 ) -> Callable[..., None]:
    """What draws a handle's ``job.chart(kind, x, y, color)`` (``JobClient.on_chart``):
    with ``configuration`` as it is when the chart is asked for, keeping ``look``'s chart
    window and row limit."""

    def shower(job: JobClient, kind: str, x: str | None, y: str | None,
               color: str | None) -> None:
        show_chart(job, ChartSpec.of(kind, x, y, color), configuration, look)

    return shower


def look_for(configuration: Configuration, chart: ChartSpec | None = None,
             template: str | None = None) -> Look:
    """The Look a cell asks for, with the notebook's chart window and row limit."""
    return Look(chart=chart, template=template,
                window=float(configuration.get("notebook.chart-window")),
                max_rows=int(configuration.get("notebook.max-rows")))


def show_chart(job: JobClient, spec: ChartSpec, configuration: Configuration,
               look: Look | None = None) -> None:
    from flink_notebook.display.monitor import ClusterMonitor
    from flink_notebook.display.poller import poller_for

    require_altair()
    result = job.query_result
    spec.check(result.columns, [t.root for t in result.types])
    poller = poller_for(job, configuration)
    poller.view.look = replace(look or look_for(configuration), chart=spec, template=None)
    poller.poll()
    renderer = ChartRenderer(poller.view, configuration.get("notebook.renderer") or "auto")
    renderer.show()
    if poller.view.ended:
        renderer.close()
    else:
        refresh = float(configuration.get("notebook.refresh-interval"))
        ClusterMonitor.for_url(job.rest.url, refresh).watch(poller, renderer, refresh)


def chart_bundle(drawing: ChartDrawing) -> dict[str, str]:
    """The chart as a static SVG (for frontends without widgets, and saved notebooks)."""
    return {"text/html": chart_html(drawing.view), "text/plain": drawing.summary()}


class ChartRenderer(Renderer):
    """Only the chart of a view: a live widget, an SVG updated in place, or a line."""

    def __init__(self, view: JobView, setting: str = "auto") -> None:
        super().__init__(view)
        self.drawing = drawing_for(view)
        self.name = renderer_name(setting)
        self.live: Any = None
        self._handle: Any = None
        self._drawn: list | None = None

    def show(self) -> None:
        if self.name == "text":
            return
        data = chart_bundle(self.drawing)
        if self.name == "widget":
            from flink_notebook.display.charts.widget import LiveChart

            self.live = LiveChart(self.drawing)
            data.update(widget_view(self.live.widget))
        self._handle = display(data, raw=True, display_id=True)

    def update(self) -> None:
        if self.live is not None:
            self.live.update()
        elif self._handle is not None and self.drawing.rows() != self._drawn:
            self._drawn = self.drawing.rows()
            self._handle.update(chart_bundle(self.drawing), raw=True)

    def close(self) -> None:
        if self.name == "text":
            print(self.drawing.summary())
            return
        self.update()
        if self.live is not None:
            self.live.update(final=True)
        data = chart_bundle(self.drawing)  # the final state, kept in the saved notebook
        if self.live is not None:
            data.update(widget_view(self.live.widget))
        self._handle.update(data, raw=True)
