"""What a query's plan says before it runs: does it end, and does it update rows?

Both decide how its rows are shown: a bounded query is fetched whole into a
DataFrame; an unbounded one is watched live, as the last rows (append-only) or
as a materialized table (updating).
"""

from __future__ import annotations

import re
from typing import Any

from flink_notebook.engine.result_mode import UNLIMITED, ResultMode

_SOURCE_CLASSES = ("SourceTransformation", "LegacySourceTransformation")
_CHANGELOG = re.compile(r"changelogMode=\[([A-Z,]+)\]")


def is_bounded(t_env: Any, table: Any) -> bool:
    """True when every source of the query's plan is bounded."""
    from pyflink.java_gateway import get_gateway

    jvm = get_gateway().jvm
    operation = jvm.org.apache.flink.table.operations.CollectModifyOperation(
        table._j_table.getQueryOperation()
    )
    transformations = t_env._j_tenv.getPlanner().translate(
        jvm.java.util.Collections.singletonList(operation)
    )
    for transformation in transformations:
        for node in transformation.getTransitivePredecessors():
            if node.getClass().getSimpleName() not in _SOURCE_CLASSES:
                continue
            if node.getBoundedness().toString() == "BOUNDED":
                continue
            # VALUES and constant queries run as InputFormat sources, which report
            # CONTINUOUS_UNBOUNDED although they end.
            factory = node.getOperatorFactory() if hasattr(node, "getOperatorFactory") else None
            if factory is not None and "InputFormat" in factory.getClass().getSimpleName():
                continue
            return False
    return True


def is_append_only(table: Any) -> bool:
    """True when the query only inserts rows (its top node's changelog mode is [I]).
    Explained from the table, not its SQL: no second parse and validation (5 ms, B2)."""
    from pyflink.table import ExplainDetail

    plan = table.explain(ExplainDetail.CHANGELOG_MODE)
    physical = plan.split("== Optimized Physical Plan ==", 1)[-1]
    match = _CHANGELOG.search(physical)
    return match is None or match.group(1) == "I"



def result_mode(
    t_env: Any, table: Any, requested: ResultMode | None, max_rows: int
) -> tuple[ResultMode, int]:
    """The mode a query's rows are kept in, and how many rows are kept.

    A bounded query keeps every row: ALL for append-only results, UPDATE (retractions
    applied) for updating ones. An unbounded one keeps ``max_rows``: the last rows
    (APPEND) or the materialized table (UPDATE). ``requested`` (``--mode``) wins.
    """
    bounded = is_bounded(t_env, table)
    if requested is not None:
        return requested, UNLIMITED if bounded and requested is ResultMode.UPDATE else max_rows
    append_only = is_append_only(table)
    if bounded:
        return (ResultMode.ALL if append_only else ResultMode.UPDATE), UNLIMITED
    return (ResultMode.APPEND if append_only else ResultMode.UPDATE), max_rows

