"""Rows as a check compares them: each value in one canonical form, so that an answer is
not wrong for its dtypes (``int`` against ``int64``, ``3`` against ``3.0``, a Timestamp
against its text), and floats equal within a tolerance."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Closeness:
    """When two numbers are the same: rounded to ``decimals`` places if given, else
    within ``tolerance`` (relative or absolute)."""

    tolerance: float = 1e-6
    decimals: int | None = None

    def same(self, a: Any, b: Any) -> bool:
        if a == b:
            return True
        if not (_is_number(a) and _is_number(b)):
            return False
        if self.decimals is not None:
            return round(a, self.decimals) == round(b, self.decimals)
        return math.isclose(a, b, rel_tol=self.tolerance, abs_tol=self.tolerance)

    def bucket(self, value: Any) -> Any:
        """A hashable stand-in that close numbers usually share (a check then confirms)."""
        if isinstance(value, float):
            if self.decimals is not None:
                return round(value, self.decimals)
            digits = max(1, round(-math.log10(self.tolerance))) if self.tolerance > 0 else 15
            return float(f"{value:.{min(digits, 15)}g}")
        return value


def canonical(value: Any) -> Any:
    """One form per value: None for every kind of missing, Python ints and floats, naive
    Timestamps (an aware one at its wall-clock time), tuples for arrays and maps."""
    try:
        if pd.isna(value) is True:  # None, NaN, NaT, pd.NA (a list answers with a list)
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, (numbers.Real, decimal.Decimal)):
        return float(value)  # 3.0 == 3, and both hash alike
    if isinstance(value, (pd.Timestamp, dt.datetime, np.datetime64)):
        stamp = pd.Timestamp(value)
        return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(canonical(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, canonical(v)) for k, v in value.items()))
    return value


def canonical_rows(frame: pd.DataFrame) -> list[Row]:
    """The frame's rows (its index ignored) as tuples of canonical values."""
    return [tuple(canonical(v) for v in row)
            for row in frame.itertuples(index=False, name=None)]


def align_text(mine: list[Row], theirs: list[Row]) -> tuple[list[Row], list[Row]]:
    """A column that holds timestamps (or dates) on one side and text on the other: the
    text is read as timestamps ("2024-03-01 08:00:00"), where every value of it parses."""
    width = len(mine[0]) if mine else len(theirs[0]) if theirs else 0
    for column in range(width):
        for one, other in ((mine, theirs), (theirs, mine)):
            kinds = {_time_kind(row[column]) for row in other} - {None}
            if len(kinds) != 1 or not all(
                    isinstance(row[column], str) or row[column] is None for row in one):
                continue
            kind = kinds.pop()
            parsed = [_parse_time(row[column], kind) for row in one]
            if all(p is not None or row[column] is None for p, row in zip(parsed, one)):
                one[:] = [row[:column] + (p,) + row[column + 1:] for p, row in zip(parsed, one)]
    return mine, theirs


def shown(value: Any) -> str:
    """A value as a student reads it: text quoted, floats without binary noise."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float):
        text = f"{value:.10g}"
        return text + ".0" if text.lstrip("-").isdigit() else text
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _time_kind(value: Any) -> str | None:
    if isinstance(value, pd.Timestamp):
        return "timestamp"
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    return None


def _parse_time(text: str | None, kind: str) -> Any:
    if text is None:
        return None
    try:
        if kind == "date":
            return dt.date.fromisoformat(text.strip())
        if kind == "time":
            return dt.time.fromisoformat(text.strip())
        return canonical(pd.Timestamp(text.strip()))
    except ValueError:
        return None
