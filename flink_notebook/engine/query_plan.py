"""What a query's plan says before it runs: does it end, and does it update rows?

Both decide how its rows are shown: a bounded query is fetched whole into a
DataFrame; an unbounded one is watched live, as the last rows (append-only) or
as a materialized table (updating).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flink_notebook.engine.internals import java_table, planner, table_env_of
from flink_notebook.engine.result_mode import UNLIMITED, ResultMode, RowOrder

_SOURCE_CLASSES = ("SourceTransformation", "LegacySourceTransformation")
log = logging.getLogger(__name__)

_CHANGELOG = re.compile(r"changelogMode=\[([A-Z,]+)\]")


def is_bounded(t_env: Any, table: Any) -> bool:
    """True when every source of the query's plan is bounded."""
    from pyflink.java_gateway import get_gateway

    jvm = get_gateway().jvm
    operation = jvm.org.apache.flink.table.operations.CollectModifyOperation(
        java_table(table).getQueryOperation()
    )
    transformations = planner(t_env).translate(
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



def row_order(table: Any) -> RowOrder:
    """The ORDER BY and unique key of a query's result, from its logical plan (Calcite's
    tree as Flink's parser left it: nothing is optimized again). What cannot be read is
    left unknown: the rows are then drawn in the order of their columns."""
    from py4j.protocol import Py4JError
    from pyflink.util.exceptions import JavaException  # what PyFlink turns Java's into

    try:
        rel = _logical_plan(table)
        return RowOrder(_sort(rel), _key(rel))
    except (Py4JError, JavaException, AttributeError, TypeError, ValueError):
        # Java's errors, a plan of another shape (a member another Flink lacks): the order
        # only helps. Anything else is a bug of ours, and raises.
        log.debug("no row order read from the plan", exc_info=True)
        return RowOrder()


def _logical_plan(table: Any) -> Any:
    operation = java_table(table).getQueryOperation()
    if operation.getClass().getSimpleName() == "PlannerQueryOperation":  # a SQL query
        return operation.getCalciteTree()
    return planner(table_env_of(table)).createRelBuilder().queryOperation(operation).build()


def _sort(rel: Any) -> tuple[tuple[int, bool, bool], ...]:
    """The top ORDER BY's columns, as output column indices: a sort under the final
    projection (an ORDER BY column not selected) counts up to its first unselected column."""
    from py4j.java_gateway import get_field

    project = None
    if rel.getClass().getSimpleName() == "LogicalProject":
        project, rel = rel, rel.getInput()
    if rel.getClass().getSimpleName() != "LogicalSort":
        return ()
    out = {}
    if project is not None:
        for i, expression in enumerate(project.getProjects()):
            if expression.getClass().getSimpleName() == "RexInputRef":
                out.setdefault(expression.getIndex(), i)
    sort = []
    for collation in rel.getCollation().getFieldCollations():
        index = collation.getFieldIndex()
        if project is not None:
            if index not in out:
                break
            index = out[index]
        ascending = not str(collation.getDirection().toString()).startswith("DESC")
        nulls = str(get_field(collation, "nullDirection").toString())
        # Flink sorts NULL as the lowest value unless told (FIRST ascending, LAST descending).
        sort.append((index, ascending, nulls == "FIRST" or (nulls != "LAST" and ascending)))
    return tuple(sort)


def _key(rel: Any) -> tuple[int, ...] | None:
    """The narrowest set of columns that is unique in the result (Calcite's unique keys:
    a GROUP BY's columns, carried through projections and joins), None if none is known."""
    keys = rel.getCluster().getMetadataQuery().getUniqueKeys(rel)
    if not keys:
        return None
    return min((tuple(int(i) for i in key.toList()) for key in keys), key=lambda k: (len(k), k))
