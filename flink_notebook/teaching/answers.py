"""What a check reads as an answer: a DataFrame as it is, or a query handle's final table,
with whether its query orders its rows."""

from __future__ import annotations

from typing import Any

import pandas as pd
from IPython.core.error import UsageError

from flink_notebook.engine.result_mode import ResultMode


def final_rows(result: Any, timeout: float = 60.0) -> tuple[Any, list[str]]:
    """``result``'s rows (a DataFrame or list as it is) and the columns its query orders
    them by (known only for a handle's updating query, from its plan, e.g. a Top-N: its
    table is then sorted so; else none).

    A query's job handle gives its final table: this waits up to ``timeout`` seconds for
    the query to end, and raises when it does not, when it was cancelled before its end,
    or when its view kept only part of its table (``--max-rows``): a check never reads a
    table that is not the whole, final one."""
    if isinstance(result, (pd.DataFrame, list, tuple)):
        return result, []
    if not hasattr(result, "query_result"):
        raise UsageError(f"A check reads a DataFrame, a list of rows or a query's job handle, "
                         f"not {type(result).__name__}.")
    query, label = result.query_result, result.label
    if query is None:
        raise UsageError(f"Job {label} is not a query: it has no rows to check.")
    if query.mode is ResultMode.CHANGELOG:
        raise UsageError(f"Job {label} keeps changes (--mode changelog), not a table: run "
                         "it without --mode changelog to check its table.")
    query.check_kept()
    query.wait(timeout)  # every row, or the deadline
    if not query.done:
        raise UsageError(
            f"Job {label} is still running after {timeout:g} s, so it has no final table "
            "yet. A streaming exercise is checked over a bounded replay (a source that "
            "ends, e.g. the data set's --rows); or give the check a longer timeout.")
    if not result.rows_complete():
        result.to_pandas()  # raises when the job failed or its rows could not be read
        raise UsageError(f"Job {label} was cancelled before its end: its rows are not its "
                         "final table. Check a query that ends (a bounded replay).")
    if query.counters().truncated:
        raise UsageError(f"Job {label} kept only {query.max_rows:,} rows of its table "
                         "(--max-rows): run it with a larger --max-rows to check it whole.")
    return by_order(result.to_pandas(), query.order.sort)


def by_order(frame: pd.DataFrame, sort: tuple[tuple[int, bool, bool], ...]
             ) -> tuple[pd.DataFrame, list[str]]:
    """The table in its query's ORDER BY (an updating result keeps rows where they came,
    not where they sort), and the names of the columns it sorts by."""
    if not sort or frame.empty:
        return frame, [str(frame.columns[i]) for i, _, _ in sort]
    for index, ascending, nulls_first in reversed(sort):  # stable sorts, last key first
        frame = frame.sort_values(frame.columns[index], ascending=ascending, kind="stable",
                                  na_position="first" if nulls_first else "last")
    return frame.reset_index(drop=True), [str(frame.columns[i]) for i, _, _ in sort]
