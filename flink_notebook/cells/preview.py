"""``--preview``: a cell's INSERTs, statement sets and ``CREATE TABLE ... AS SELECT`` run with
every sink replaced by a live view, one per sink, of the rows it would receive, with its
columns (names and types as the table has them). Nothing is written; no table is created.

Flink's parser says what each statement writes (:mod:`flink_notebook.sql.sinks`); the
query that feeds each sink becomes a Table, run as a ``%%flink_sql`` SELECT is (the same
live view, row counting and rows kept). Each view is bounded (``--preview-rows``,
``--preview-seconds``): at the bound it says so, and its job is cancelled. The other
statements run as they would (a ``CREATE TEMPORARY TABLE`` the INSERT reads from).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from flink_notebook.cells.looks import check_look
from flink_notebook.cells.queries import query_pipeline
from flink_notebook.core.progress import step
from flink_notebook.display.follow import follow
from flink_notebook.display.notes import note
from flink_notebook.display.progress import done as progress_done
from flink_notebook.engine.internals import java_table, parser, table_of
from flink_notebook.sql.operations import parsed
from flink_notebook.sql.sinks import NotASink, Sink, sinks_of
from flink_notebook.sql.statements import Statement, StatementKind

if TYPE_CHECKING:
    import pandas as pd

    from flink_notebook.cells.notebook import Notebook
    from flink_notebook.cells.request import CellRequest, Preview
    from flink_notebook.core.config import Configuration

#: What --preview is for, said when a cell has nothing it applies to.
FOR = ("--preview shows what INSERT, a statement set or CREATE TABLE ... AS SELECT would "
       "write, without writing it; this cell has none of them.")
DETACHED = "--preview shows its rows in the cell: it cannot run detached."
_WRITES = (StatementKind.INSERT, StatementKind.STATEMENT_SET, StatementKind.BEGIN_SET,
           StatementKind.END_SET)
#: CREATE ... AS: a CTAS whose source the cell creates first cannot be parsed before.
_CREATE_AS = re.compile(r"^\s*(create|replace)\b.*\bas\b", re.IGNORECASE | re.DOTALL)


def check_cell(t_env: Any, statements: list[Statement], configuration: Configuration,
               open_set: bool = False) -> None:
    """Refuse, in one line, a preview that could show nothing: a detached one, and one of a
    cell that writes nowhere (``open_set``: a statement set opened in an earlier cell, whose
    INSERTs this cell may add to)."""
    if not configuration.get("execution.attached"):
        raise UsageError(DETACHED)
    if not open_set and not any(_may_write(t_env, s) for s in statements):
        raise UsageError(FOR)


def _may_write(t_env: Any, statement: Statement) -> bool:
    if parsed(t_env, statement).kind in _WRITES:
        return True
    if statement.kind is StatementKind.DDL and _CREATE_AS.match(statement.text):
        try:  # one that parses is known; one that does not may read what the cell creates
            parser(t_env).parse(statement.text)
        except Exception:  # noqa: BLE001 - its error comes when it runs
            return True
    return False


def run_preview(notebook: Notebook, statement: Statement, configuration: Configuration,
                request: CellRequest) -> Any:
    """Preview one statement's sinks, one view each; the DataFrame of its one sink, or a
    dict of them by table name."""
    session = notebook.session
    bounds = request.preview
    try:
        sinks = sinks_of(session.t_env, statement.text)
    except NotASink as exc:
        raise UsageError(f"--preview cannot show this statement's rows: {exc}. Run it "
                         "without --preview.") from None
    if not sinks:
        raise UsageError(f"--preview cannot show what {statement.first_line!r} writes. "
                         "Run it without --preview.")
    frames: dict[str, pd.DataFrame] = {}
    for sink in sinks:
        frames[sink.table] = _preview_sink(notebook, sink, configuration, request, bounds)
    return next(iter(frames.values())) if len(sinks) == 1 else frames


def _preview_sink(notebook: Notebook, sink: Sink, configuration: Configuration,
                  request: CellRequest, bounds: Preview) -> pd.DataFrame:
    session = notebook.session
    name = f"preview of {sink.table}"
    configuration = configuration.with_cell({"notebook.max-rows": bounds.rows})
    with step("Planning"):
        table = as_sink_receives(session.t_env, sink)
        check_look(request, table)
        pipeline = query_pipeline(session, table, name, configuration, request.mode,
                                  stop_after=bounds.rows)
        job = notebook.executor_for(configuration).execute(pipeline, configuration)
    notebook.register(job, request, configuration)
    progress_done()
    note(f"Preview of {sink.table}: the rows it would receive (nothing is written).")
    seconds = bounds.seconds if request.timeout is None else min(bounds.seconds,
                                                                 request.timeout)
    follow(job, configuration, seconds, notebook.look_of(job),
           timeout_note=f"Preview stopped after {seconds:g} s (its --preview-seconds bound):"
                        " the job was cancelled.")
    return job.to_pandas()


def as_sink_receives(t_env: Any, sink: Sink) -> Any:
    """The PyFlink Table of the rows ``sink`` would receive, with its columns' names and
    types (Flink casts a query's columns to the sink's when it writes them)."""
    table = table_of(t_env, sink.query)
    j_table = java_table(table)
    schema = j_table.getResolvedSchema()
    given = list(zip(schema.getColumnNames(), schema.getColumnDataTypes()))
    if len(given) != len(sink.columns):  # not one for one: shown as the query gives them
        return table
    from pyflink.java_gateway import get_gateway

    gateway = get_gateway()
    api = gateway.jvm.org.apache.flink.table.api
    columns = gateway.new_array(gateway.jvm.org.apache.flink.table.expressions.Expression,
                                len(given))
    no_more = gateway.new_array(gateway.jvm.java.lang.String, 0)
    for i, ((column, query_type), (sink_column, sink_type)) in enumerate(
            zip(given, sink.columns)):
        expression = api.Expressions.col(column)
        if not _same_type(query_type, sink_type):
            expression = expression.cast(sink_type.nullable())
        columns[i] = getattr(expression, "as")(sink_column, no_more)
    from pyflink.table import Table

    return Table(j_table.select(columns), t_env)


def _same_type(one: Any, other: Any) -> bool:
    """The same logical type, nullable or not."""
    return bool(one.getLogicalType().copy(True).equals(other.getLogicalType().copy(True)))
