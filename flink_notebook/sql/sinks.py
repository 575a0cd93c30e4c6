"""What a statement writes, by Flink's own parser: each sink's table, its columns, and the
query whose rows it would receive.

An ``INSERT`` parses into a sink modify operation, ``CREATE TABLE ... AS SELECT`` (and
``[CREATE OR] REPLACE TABLE ... AS``) into one that also creates the table, a statement set
into a list of them. Each is a ``ModifyOperation`` whose child is the query operation that
feeds the sink: ``--preview`` runs that query instead (cells/preview.py). Parsing creates
nothing and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flink_notebook.engine.internals import parser
from flink_notebook.sql.operations import is_instance

_MODIFY = "org.apache.flink.table.operations.ModifyOperation"
_SINK_MODIFY = "org.apache.flink.table.operations.SinkModifyOperation"
#: CREATE TABLE ... AS and [CREATE OR] REPLACE TABLE ... AS: the table they would create.
_CREATING = ("CreateTableASOperation", "ReplaceTableAsOperation")


@dataclass(frozen=True)
class Sink:
    """One table a statement writes to."""

    table: str  #: its full name, ``default_catalog.default_database.orders``
    query: Any  #: the Java QueryOperation whose rows it would receive
    columns: tuple[tuple[str, Any], ...]  #: the columns it is written, with Java DataTypes


class NotASink(Exception):
    """The statement submits a job that writes elsewhere than to a table's sink (EXECUTE
    PLAN, a conversion to a DataStream): the message names what it is."""


def sinks_of(t_env: Any, text: str) -> list[Sink]:
    """Every sink ``text`` writes to, in order (a statement set's each); [] when it writes
    none (DDL, a query). Raises Flink's error if it does not parse, NotASink for a job whose
    sink is not a table's."""
    return [sink_of(modify) for modify in modify_operations(t_env, text) or []]


def modify_operations(t_env: Any, text: str) -> list[Any] | None:
    """The Java ModifyOperations ``text`` parses into (a statement set's each); None when it
    writes nothing. Raises Flink's error if it does not parse, NotASink for EXECUTE PLAN."""
    found: list[Any] = []
    for operation in parser(t_env).parse(text):
        name = str(operation.getClass().getSimpleName())
        if name == "StatementSetOperation":
            found += list(operation.getOperations())
        elif is_instance(operation, _MODIFY):
            found.append(operation)
        elif name.endswith("PlanOperation"):  # EXECUTE PLAN, COMPILE AND EXECUTE PLAN
            raise NotASink(f"{operation.asSummaryString()} runs a compiled plan")
    return found or None


def sink_of(modify: Any) -> Sink:
    """The sink a Java ModifyOperation writes to."""
    name = str(modify.getClass().getSimpleName())
    if name in _CREATING:
        created = modify.getCreateTableOperation()
        identifier = created.getTableIdentifier()
        schema = created.getCatalogTable().getResolvedSchema()
    elif is_instance(modify, _SINK_MODIFY):
        table = modify.getContextResolvedTable()
        identifier, schema = table.getIdentifier(), table.getResolvedSchema()
    else:
        raise NotASink(f"{modify.asSummaryString()} does not write to a table")
    columns = tuple((str(column.getName()), column.getDataType())
                    for column in schema.getColumns() if column.isPersisted())
    return Sink(str(identifier.asSummaryString()), modify.getChild(), columns)
