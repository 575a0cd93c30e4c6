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
from flink_notebook.engine import query_plan
from flink_notebook.engine.internals import java_table, parser, table_env_of, table_of
from flink_notebook.engine.result_mode import ResultMode
from flink_notebook.sql.operations import parsed
from flink_notebook.sql.sinks import NotASink, Sink, sink_of, sinks_of
from flink_notebook.sql.statements import Statement, StatementKind

if TYPE_CHECKING:
    import pandas as pd

    from flink_notebook.cells.notebook import Notebook
    from flink_notebook.cells.request import CellRequest
    from flink_notebook.core.config import Configuration
    from flink_notebook.jobs.client import JobClient

#: What --preview is for, said when a cell has nothing it applies to.
FOR = ("--preview shows what INSERT, a statement set or CREATE TABLE ... AS SELECT would "
       "write, without writing it; this cell has none of them.")
DETACHED = "--preview shows its rows in the cell: it cannot run detached."
#: What --preview is for in a %%flink cell whose code wrote nowhere.
FOR_CODE = ("--preview shows what execute_insert, execute_sql('INSERT ...') or a statement "
            "set would write, without writing it; this cell's code called none of them.")
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
    dict of them by table name (``name #2`` for a table written twice)."""
    session = notebook.session
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
        key = sink.table if sink.table not in frames else f"{sink.table} #{len(frames) + 1}"
        frames[key] = _preview_sink(notebook, sink, configuration, request)
    return next(iter(frames.values())) if len(sinks) == 1 else frames


def _preview_sink(notebook: Notebook, sink: Sink, configuration: Configuration,
                  request: CellRequest) -> pd.DataFrame:
    session, bounds = notebook.session, request.preview
    shown = named(session.t_env, sink)
    name = f"preview of {shown}"
    configuration = configuration.with_cell({"notebook.max-rows": bounds.rows})
    with step("Planning"):
        table = as_sink_receives(session.t_env, sink)
        check_look(request, table)
        pipeline = query_pipeline(session, table, name, configuration, request.mode,
                                  stop_after=bounds.rows)
        job = notebook.executor_for(configuration).execute(pipeline, configuration)
    notebook.register(job, request, configuration)
    progress_done()
    _follow(notebook, job, shown, configuration, request)
    return job.to_pandas()


def preview_in_code(cell: Any, owner: Any, operations: list[Any]) -> PreviewResult:
    """A ``%%flink --preview`` cell's call that would write (``execute_insert``,
    ``execute_sql("INSERT ...")``, a statement set's ``execute``): a view per sink of what
    it would receive, run through the cell's (its PythonCell's) environments; nothing is
    written."""
    bounds = cell.request.preview
    t_env = table_env_of(owner)
    views = []
    for operation in operations:
        try:
            sink = sink_of(operation)
        except NotASink as exc:
            raise UsageError(f"--preview cannot show these rows: {exc}. Run it without "
                             "--preview.") from None
        with step("Planning"):
            table = as_sink_receives(t_env, sink)
            mode, kept = query_plan.result_mode(t_env, table, cell.request.mode, bounds.rows)
            shown = named(t_env, sink)
            job, _ = cell.submit(f"preview of {shown}", "query",
                                 lambda table=table: java_table(table).execute(), owner=table,
                                 result_mode=mode, max_rows=kept, stop_after=bounds.rows)
        if mode is ResultMode.UPDATE and job.query_result is not None:
            job.query_result.order = query_plan.row_order(table)
        progress_done()
        _follow(cell.notebook, job, shown, cell.configuration, cell.request)
        views.append(job)
    return PreviewResult(views)


class PreviewResult:
    """What a previewed call returns instead of PyFlink's TableResult: its ``wait()`` is
    over at once (the previews were followed), and it has no rows of its own."""

    def __init__(self, jobs: list[JobClient]) -> None:
        self.jobs = jobs  #: the previews' handles, a sink each

    def wait(self, timeout_ms: int | None = None) -> None:
        """Nothing to wait for: the previews have ended."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # IPython's display hooks and the like
            raise AttributeError(name)
        raise UsageError(f"--preview wrote nothing, so there is no TableResult.{name}(): "
                         "the rows are in the previews (their handles: .jobs).")


def named(t_env: Any, sink: Sink) -> str:
    """The sink's table as a reader names it: without the current catalog and database."""
    current = f"{t_env.get_current_catalog()}.{t_env.get_current_database()}."
    return sink.table[len(current):] if sink.table.startswith(current) else sink.table


def _follow(notebook: Notebook, job: JobClient, shown: str, configuration: Configuration,
            request: CellRequest) -> None:
    """Follow a preview's job (of the sink ``shown``) in its cell, within its bounds."""
    bounds = request.preview
    note(f"Preview of {shown}: the rows it would receive (nothing is written).")
    seconds = bounds.seconds if request.timeout is None else min(bounds.seconds,
                                                                 request.timeout)
    follow(job, configuration, seconds, notebook.look_of(job),
           timeout_note=f"Preview stopped after {seconds:g} s (its --preview-seconds bound):"
                        " the job was cancelled.")


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
