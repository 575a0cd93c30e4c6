"""Values as Flink's SQL client prints them, for the rendered views (the DataFrame keeps
the typed values): TIMESTAMP(3) with three fraction digits, TIMESTAMP_LTZ in the session's
zone, DECIMAL with its scale, ``<NULL>``, ``TRUE``, ``x'0a'`` for bytes, ``(1, a)`` for a
ROW, ``[1, 2]`` for an ARRAY and ``{k=1}`` for a MAP."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from flink_notebook.engine.results import ColumnType

NULL = "<NULL>"  # what Flink's PrintStyle shows for SQL NULL


def shown(frame: pd.DataFrame, types: list[ColumnType] | None, max_rows: int) -> pd.DataFrame:
    """The rows ``to_html``/``to_string(max_rows=max_rows)`` would show, as Flink's strings
    (pandas' own formatters cannot show NULL as Flink does). Rows left out stay left out:
    pandas still draws its ``...`` row. Columns without a type (a changelog view's ``op``)
    are left as they are."""
    if not types:
        return frame
    if len(frame) > max_rows:
        half = max_rows // 2 + 1
        frame = pd.concat([frame.head(half), frame.tail(half)])
    offset = frame.shape[1] - len(types)  # a changelog view has an op column in front
    out = frame.astype(object)
    for i in range(offset, frame.shape[1]):
        column_type = types[i - offset]
        out.isetitem(i, [flink_string(value, column_type) for value in frame.iloc[:, i]])
    return out


def flink_string(value: Any, column_type: ColumnType | None = None) -> str:
    precision = column_type.precision if column_type else None
    if _is_null(value):
        return NULL
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return _timestamp(pd.Timestamp(value), precision)
    if isinstance(value, dt.time):
        text = value.strftime("%H:%M:%S")
        return text + _fraction(value.microsecond * 1000, precision or 0)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (bytes, bytearray)):
        return f"x'{bytes(value).hex()}'"
    if isinstance(value, dict):  # ROW
        return "(" + ", ".join(flink_string(v) for v in value.values()) + ")"
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(value)
        if column_type and column_type.root in ("MAP", "MULTISET") or (
                items and all(isinstance(i, tuple) and len(i) == 2 for i in items)):
            return "{" + ", ".join(f"{flink_string(k)}={flink_string(v)}" for k, v in items) + "}"
        return "[" + ", ".join(flink_string(i) for i in items) + "]"
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def _is_null(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def _timestamp(value: pd.Timestamp, precision: int | None) -> str:
    nanos = value.microsecond * 1000 + value.nanosecond
    if precision is None:  # nested, its type not known here: milliseconds when there are any
        precision = 0 if nanos == 0 else 3 if nanos % 1_000_000 == 0 else 6 if \
            nanos % 1000 == 0 else 9
    return value.strftime("%Y-%m-%d %H:%M:%S") + _fraction(nanos, precision)


def _fraction(nanos: int, precision: int) -> str:
    return "." + f"{nanos:09d}"[:precision] if precision > 0 else ""
