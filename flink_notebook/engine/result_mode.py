"""How a query's rows are kept while it runs; apart from :mod:`.results` so that what
only names a mode (the magics' options, a cell's request) does not import pandas."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: Rows kept for a bounded result: all of them (it is fetched whole into pandas).
UNLIMITED = 2**31 - 1


class ResultMode(str, Enum):
    """How a query's rows are kept while it runs."""

    APPEND = "append"  # the last N rows and the total count
    UPDATE = "update"  # the materialized table, retractions applied
    CHANGELOG = "changelog"  # the last N changes with their row kinds
    ALL = "all"  # every row, for a bounded result fetched whole

    @property
    def java_code(self) -> int:
        return list(ResultMode).index(self)


@dataclass(frozen=True)
class RowOrder:
    """Where an updating result's rows belong, so a redraw keeps each row in its place:
    the query's ORDER BY as (column index, ascending, nulls first), and the columns that
    make a row unique (a GROUP BY's, a join's), as the planner derives them; ``None``
    when not known."""

    sort: tuple[tuple[int, bool, bool], ...] = ()
    key: tuple[int, ...] | None = None
