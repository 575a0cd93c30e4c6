"""A view's chart now: the rows it plots, the Vega-Lite chart of them and its SVG (made
again only when the rows changed), a note when rows were left out, and a line of text."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd
from IPython.core.error import UsageError

from flink_notebook.display.charts.data import chart_frame, records
from flink_notebook.display.words import plural

if TYPE_CHECKING:
    from flink_notebook.display.charts.spec import ChartSpec
    from flink_notebook.display.view import JobView

_DRAWINGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def drawing_for(view: JobView) -> ChartDrawing | None:
    """The view's drawing (one per view), None when it has no chart."""
    look = getattr(view, "look", None)
    if look is None or look.chart is None or view.result is None:
        return None
    drawing = _DRAWINGS.get(view)
    if drawing is None:
        drawing = _DRAWINGS[view] = ChartDrawing(view)
    return drawing


def check_drawable(spec: ChartSpec, roots: dict[str, str]) -> None:
    """A UsageError now if the chart of these columns cannot be made (before its job
    starts), rather than while the job runs."""
    from flink_notebook.display.charts.vega import spec_dict, vega_lite

    with _charting():
        spec_dict(vega_lite(spec, roots, []))


class ChartDrawing:
    def __init__(self, view: JobView) -> None:
        self.view = view
        self.spec = view.look.chart  # type: ignore[union-attr]
        result = view.result
        self.roots = {c: t.root for c, t in zip(result.columns, result.types)}
        self.max_rows = int(result.max_rows) if result.max_rows else None
        self.whole = result.whole
        self._svg: tuple[list, str] | None = None
        #: The plotted rows and their records, computed once per state of the view.
        self._now: tuple[tuple[int, int], pd.DataFrame, list[dict[str, Any]]] | None = None

    def _current(self) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
        key = (self.view.version, id(self.view.rows))
        if self._now is None or self._now[0] != key:
            part = self._compute_part()
            self._now = (key, part, records(part))
        return self._now[1], self._now[2]

    def part(self) -> pd.DataFrame:
        """The rows plotted now."""
        return self._current()[0]

    def _compute_part(self) -> pd.DataFrame:
        frame = self.view.rows if self.view.rows is not None else pd.DataFrame(
            columns=self.view.result.columns)
        look = self.view.look
        limit = look.max_rows or self.max_rows  # type: ignore[union-attr]
        # The time window slides along a live stream; a bounded query's answer is drawn
        # whole (lesson 05's four 15-minute windows lie further apart than the window).
        window = 0.0 if self.whole else look.window  # type: ignore[union-attr]
        return chart_frame(self.spec, frame, self.roots, window, limit)

    def rows(self) -> list[dict[str, Any]]:
        """The plotted rows as JSON-safe records."""
        return self._current()[1]

    def chart(self, rows: list[dict[str, Any]] | None = None) -> Any:
        from flink_notebook.display.charts.vega import vega_lite

        with _charting():
            return vega_lite(self.spec, self.roots, self.rows() if rows is None else rows)

    def spec_dict(self, rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The Vega-Lite specification with the rows (version 5, as frontends render it)."""
        from flink_notebook.display.charts.vega import spec_dict

        chart = self.chart(rows)
        with _charting():
            return spec_dict(chart)

    def svg(self) -> str:
        """The chart as SVG (cached while its rows stay the same)."""
        from flink_notebook.display.charts.vega import svg

        rows = self.rows()
        if self._svg is None or self._svg[0] != rows:
            chart = self.chart(rows)
            with _charting():
                self._svg = (rows, svg(chart))
        return self._svg[1]

    def note(self) -> str | None:
        """Says so when the chart shows fewer rows than the result has."""
        total = 0 if self.view.rows is None else len(self.view.rows)
        shown = len(self.part())
        if shown < total:
            return f"the chart shows {shown:,} of {plural(total, 'row')} (the newest; " \
                   f"notebook.max-rows and notebook.chart-window)"
        return None

    def summary(self) -> str:
        """One line: what is plotted, over how many points, with the value's range."""
        part = self.part()
        text = f"{self.spec.describe()}: {plural(len(part), 'point')}"
        if len(part):
            value = part[self.spec.value]
            text += f", {self.spec.value} {value.min():g} to {value.max():g}"
        return text


@contextmanager
def _charting() -> Iterator[None]:
    """altair's or vl-convert's failure as one line (a UsageError), not their traceback."""
    try:
        yield
    except Exception as exc:
        said = str(exc).strip().splitlines()
        raise UsageError(f"--chart: the chart could not be drawn "
                         f"({said[0] if said else type(exc).__name__}).") from None
