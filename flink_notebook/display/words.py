"""How the views say a count: the one place a number meets its noun ("1 row", "1,371
changes"), so that no view says "1 rows" or "task slot(s)"."""

from __future__ import annotations

from flink_notebook.engine.result_mode import ResultMode


def plural(count: int, word: str, many: str | None = None) -> str:
    """``count`` with ``word``, or with its plural (``many``, else ``word`` + "s"), the
    count grouped by thousands: ``plural(1, "row")`` is "1 row", ``plural(1371,
    "change")`` "1,371 changes"."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"


def rows_received(mode: ResultMode | None, in_view: int, received: int) -> str:
    """What a query's result has received, in words a reader can check against its rows:
    "5 rows" for an append-only result, "5 rows, from 1,371 changes" for an updating one
    (the table now, and the changes that made it), "1,371 changes" for a changelog (each
    change is a row)."""
    if mode is ResultMode.UPDATE:
        return f"{plural(in_view, 'row')}, from {plural(received, 'change')}"
    if mode is ResultMode.CHANGELOG:
        return plural(received, "change")
    return plural(received, "row")
