"""What Flink's own parser says a statement is, where its first words do not tell.

``CREATE TABLE t (...)`` is DDL, but ``CREATE TABLE t AS SELECT ...``, ``CREATE OR REPLACE
TABLE ... AS`` and ``REPLACE TABLE ... AS`` submit a job, as INSERT does; so does anything
else Flink parses into a modify operation or a plan execution, and ``ANALYZE TABLE``. A
statement that does not parse keeps its kind: running it raises Flink's error, pointed at
the cell's line.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flink_notebook.engine.internals import parser
from flink_notebook.sql.statements import Statement, StatementKind

# Kinds told by the first words alone, and right: only these are asked about.
_ASK = (StatementKind.DDL, StatementKind.OTHER)
_PLAN_EXECUTIONS = ("ExecutePlanOperation", "CompileAndExecutePlanOperation")


def parsed(t_env: Any, statement: Statement) -> Statement:
    """``statement`` with the kind of the operation Flink parses it into."""
    if statement.kind not in _ASK:
        return statement
    kind = _operation_kind(t_env, statement.text)
    return statement if kind is None else dataclasses.replace(statement, kind=kind)


def _operation_kind(t_env: Any, text: str) -> StatementKind | None:
    try:
        operations = parser(t_env).parse(text)
    except Exception:  # noqa: BLE001 - execute_sql raises the same error where it belongs
        return None
    if len(operations) != 1:
        return None
    operation = operations[0]
    if is_instance(operation, "org.apache.flink.table.operations.QueryOperation"):
        return StatementKind.QUERY
    if is_instance(operation, "org.apache.flink.table.operations.ModifyOperation"):
        return StatementKind.INSERT
    name = operation.getClass().getSimpleName()
    if name == "StatementSetOperation":
        return StatementKind.STATEMENT_SET
    if name in _PLAN_EXECUTIONS:
        return StatementKind.INSERT
    if name == "AnalyzeTableOperation":
        return StatementKind.ANALYZE
    return None


def is_instance(java_object: Any, interface: str) -> bool:
    """``java_object instanceof interface`` (the interface as the object's own loader sees it:
    the planner's classes come from their own class loader)."""
    loader = java_object.getClass().getClassLoader()
    java_class = java_object.getClass()
    try:
        wanted = java_class.forName(interface, False, loader)
    except Exception:  # noqa: BLE001 - not visible from there: not one
        return False
    return bool(wanted.isAssignableFrom(java_class))
