"""The rows a chart plots, as Vega-Lite reads them: its columns only, a sliding window of
``notebook.chart-window`` seconds when x is a time, at most ``notebook.max-rows`` rows, and
JSON-safe records (times as UTC ISO text of the wall clock the table shows)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from flink_notebook.display.charts.spec import NUMERIC, TEMPORAL, ChartSpec

_ISO = "%Y-%m-%dT%H:%M:%S.%fZ"


def chart_frame(spec: ChartSpec, frame: pd.DataFrame, roots: dict[str, str],
                window: float = 0.0, max_rows: int | None = None) -> pd.DataFrame:
    """``frame``'s plotted part. ``roots``: Flink type root per column; ``window``: seconds
    of a time x axis kept, counted back from its newest value (0: all)."""
    columns = list(dict.fromkeys(spec.columns()))
    part = frame[columns].copy() if len(frame) else pd.DataFrame(columns=columns)
    for column in columns:
        root = roots.get(column)
        if root in TEMPORAL:
            values = pd.to_datetime(part[column])
            if getattr(values.dt, "tz", None) is not None:
                values = values.dt.tz_localize(None)  # the wall clock the table shows
            part[column] = values
        elif root in NUMERIC:
            part[column] = pd.to_numeric(part[column], errors="coerce").astype("float64")
    part = part.dropna(subset=[spec.x, spec.value])
    if window > 0 and roots.get(spec.x) in TEMPORAL and len(part):
        part = part[part[spec.x] >= part[spec.x].max() - pd.Timedelta(seconds=window)]
    if max_rows is not None:
        part = part.tail(max_rows)
    return part


def records(part: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as JSON-safe dicts (times as ISO text in UTC, missing values as None)."""
    out = part.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime(_ISO)
    out = out.astype(object).where(out.notna(), None)
    return [{k: _plain(v) for k, v in row.items()} for row in out.to_dict("records")]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)
