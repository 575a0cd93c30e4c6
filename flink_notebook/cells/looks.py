"""A cell's ``--chart`` and ``--mode single --template``: checked against the query's
columns before its job starts, then given to the job so that its views draw them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from flink_notebook.display.card import check_template
from flink_notebook.engine.internals import java_table

if TYPE_CHECKING:
    from flink_notebook.cells.request import CellRequest
    from flink_notebook.core.config import Configuration
    from flink_notebook.display.view import Look
    from flink_notebook.jobs.client import JobClient


def wants_look(request: CellRequest) -> bool:
    return request.chart is not None or request.template is not None


def check_look(request: CellRequest, table: Any, what: str = "query") -> None:
    """Raise a UsageError if the chart or template names columns ``table`` (a PyFlink
    Table) lacks, before anything runs. ``what`` is not a query: say it has no rows."""
    if not wants_look(request):
        return
    option = "--chart" if request.chart is not None else "--mode single"
    if table is None:
        raise UsageError(f"{option} draws a query's rows; this cell's {what} returns none "
                         f"(use it on a SELECT).")
    if request.chart is not None:
        from flink_notebook.display.charts import require_altair

        require_altair()
    schema = java_table(table).getResolvedSchema()
    columns = [str(c) for c in schema.getColumnNames()]
    roots = [str(t.getLogicalType().getTypeRoot().toString())
             for t in schema.getColumnDataTypes()]
    if request.chart is not None:
        from flink_notebook.display.charts.drawing import check_drawable

        request.chart.check(columns, roots)
        check_drawable(request.chart, dict(zip(columns, roots)))
    if request.template:
        check_template(request.template, columns)


def look_of_cell(job: JobClient, request: CellRequest, configuration: Configuration
                 ) -> Look | None:
    """The chart or card the cell asks ``job``'s views to draw, if any."""
    if wants_look(request) and job.query_result is not None:
        from flink_notebook.display.charts.show import look_for

        return look_for(configuration, request.chart, request.template)
    return None
