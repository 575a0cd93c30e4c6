"""Running a ``%%flink_sql`` cell, statement by statement.

DDL, SET, SHOW, DESCRIBE and EXPLAIN run at once. Those that return rows show them; the
others answer with one line each (``created table orders``), shown together.
SELECT, INSERT and statement sets become pipelines that the configured
executor runs: attached, the cell follows the job; detached, it returns the
job handle.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Callable

import pandas as pd
from IPython.display import display

from flink_notebook.cells import job_statements, statement_set
from flink_notebook.cells.analyze import run_analyze
from flink_notebook.cells.looks import check_look
from flink_notebook.cells.preview import check_cell, run_preview
from flink_notebook.cells.queries import query_pipeline
from flink_notebook.cells.resume import resuming
from flink_notebook.cells.routing import JOB_STATEMENTS, job_id_of
from flink_notebook.core.errors import SubmissionFailed
from flink_notebook.core.progress import step
from flink_notebook.core.secrets import MASK, is_secret, mask_rows, mask_text
from flink_notebook.display.follow import follow
from flink_notebook.display.monitor import show
from flink_notebook.display.notes import Notes, note
from flink_notebook.display.progress import done as progress_done
from flink_notebook.engine.jars import added_jars_hidden, remove_jar
from flink_notebook.engine.results import ResultMode
from flink_notebook.executors.remote import check_versions
from flink_notebook.jobs.pipeline import ClusterAddress, Pipeline, Submission
from flink_notebook.sql.confirmations import confirmation
from flink_notebook.sql.errors import format_sql_error
from flink_notebook.sql.operations import parsed
from flink_notebook.sql.plan_advice import advice_bundle, plan_advice
from flink_notebook.sql.statements import (
    Statement,
    StatementKind,
    is_empty_set,
    parse_remove_jar,
    parse_reset,
    parse_set,
    split_statements,
    uses_jar,
)
from flink_notebook.sql.variables import substitute

if TYPE_CHECKING:
    from flink_notebook.cells.notebook import Notebook
    from flink_notebook.cells.request import CellRequest
    from flink_notebook.core.config import Configuration
    from flink_notebook.engine.session import FlinkSession


def sql_errors() -> tuple[type[BaseException], ...]:
    from py4j.protocol import Py4JJavaError
    from pyflink.util.exceptions import JavaException

    return (JavaException, Py4JJavaError)


def run_sql_cell(
    notebook: Notebook, cell: str, request: CellRequest, namespace: dict[str, Any] | None,
    source: str | None = None,
) -> Any:
    """Run every statement of the cell; return what ``-o`` binds (the last result).

    ``source`` names the file the SQL comes from (errors point at its lines); a file's
    text is run as it is, without ``{variable}`` substitution (None ``namespace``).
    """
    from IPython.core.error import UsageError

    text = cell if namespace is None else substitute(cell, namespace)
    statements = split_statements(text)
    if not statements:
        raise UsageError(f"{source or 'The cell'} holds no SQL statement.")
    configuration = request.configuration(notebook.configuration)
    if configuration.get("execution.target") == "remote" and any(
            s.kind in JOB_STATEMENTS or s.kind is StatementKind.BEGIN_SET for s in statements):
        check_versions(configuration, notebook.session)  # said before Java starts
    notebook.session.ensure_started()
    if request.preview is not None:  # refused in one line before any statement runs
        check_cell(notebook.session.t_env, statements, configuration,
                   open_set=notebook.statement_set is not None)
    request = resuming(request, text, configuration,
                       query=any(s.kind is StatementKind.QUERY for s in statements))  # --resume
    last: Any = None
    notes = Notes()  # DDL, SET, USE...: a line each, shown together
    try:
        for statement in statements:
            configuration = request.configuration(notebook.configuration)
            verbose = bool(configuration.get("notebook.verbose-errors"))
            try:
                last = _run_statement(notebook, statement, configuration, request, notes)
            except SubmissionFailed as exc:  # the cluster's, not the statement's
                raise exc.shown(verbose) from None
            except sql_errors() as exc:
                raise UsageError(format_sql_error(exc, statement, text, verbose,
                                                  source)) from None
    finally:
        notes.flush()
    return last


def _run_statement(
    notebook: Notebook, statement: Statement, configuration: Configuration,
    request: CellRequest, notes: Notes,
) -> Any:
    """Run one statement; a statement that returns no rows adds its line to ``notes``,
    anything else shows its output (after the notes so far)."""
    session = notebook.session
    if statement.kind is StatementKind.BEGIN_SET:
        notes.flush()
        return statement_set.begin(notebook)
    if statement.kind is StatementKind.END_SET:
        notes.flush()
        statement = statement_set.end(notebook, statement)
        if statement is None:
            return None
    elif notebook.statement_set is not None:
        notes.flush()
        return statement_set.add(notebook, statement)
    if is_empty_set(statement):
        notes.flush()
        return note(statement_set.EMPTY)
    if statement.kind is StatementKind.SET:
        return _set(session, statement, notes)
    if statement.kind is StatementKind.RESET:
        return _reset(session, statement, notes)
    statement = parsed(session.t_env, statement)  # CREATE TABLE ... AS SELECT is a job
    if request.preview is not None and statement.kind in JOB_STATEMENTS and \
            statement.kind is not StatementKind.QUERY:  # its sinks as views, nothing written
        notes.flush()
        return run_preview(notebook, statement, configuration, request)
    if statement.kind in JOB_STATEMENTS:
        notes.flush()
        return _run_job(notebook, statement, configuration, request)
    if job_statements.is_job_statement(statement):  # SHOW JOBS, DESCRIBE JOB, STOP JOB
        notes.flush()
        return job_statements.run(notebook, statement, configuration)
    removed = parse_remove_jar(statement)
    if removed is not None:  # the SQL client's, which a TableEnvironment does not have
        remove_jar(session.t_env, removed)
        notes.add(confirmation(statement.masked))
        return pd.DataFrame({"result": ["OK"]})
    return _run_at_once(session, statement, notes)


def _set(session: FlinkSession, statement: Statement, notes: Notes) -> pd.DataFrame:
    assignment = parse_set(statement)
    if assignment is None:  # SET; lists the options, as the SQL client does (masked)
        notes.flush()
        display(session.configuration)
        return pd.DataFrame([(key, value) for key, value, *_ in session.configuration.rows()
                             if value != ""], columns=["key", "value"])
    key, value = assignment
    session.configuration.set(key, value)
    shown = session.configuration.get(key)
    if is_secret(key) or isinstance(shown, str):  # a URL's password too
        shown = MASK if is_secret(key) else mask_text(shown)
    notes.add(f"set '{key}' = '{shown}'")
    return pd.DataFrame({"key": [key], "value": [shown]})


def _reset(session: FlinkSession, statement: Statement, notes: Notes) -> None:
    key = parse_reset(statement)
    if key is None:
        reset = [key for key, _, layer in session.configuration.items() if layer == "notebook"]
        for key in reset:
            session.configuration.unset(key)
        notes.add(f"reset {len(reset)} notebook-level option(s) (%flink_config shows them all)")
    else:
        session.configuration.unset(key)
        notes.add(f"reset '{key}' (now {_shown(session, key)})")


def _shown(session: FlinkSession, key: str) -> str:
    value = session.configuration.get(key)
    if value is None or value == "":
        return "unset"
    return f"'{MASK}'" if is_secret(key) else f"'{mask_text(str(value))}'"


def result_columns(result: Any) -> list[str]:
    """A TableResult's column names (PyFlink has ``get_resolved_schema`` from 2.1 on; the
    older ``get_table_schema`` is deprecated there)."""
    if hasattr(result, "get_resolved_schema"):
        return list(result.get_resolved_schema().get_column_names())
    return list(result.get_table_schema().get_field_names())


def _run_at_once(session: FlinkSession, statement: Statement, notes: Notes
                 ) -> pd.DataFrame | None:
    """DDL, SHOW, DESCRIBE, EXPLAIN...: no job, a small local result. A bare ``OK`` (DDL,
    USE, ADD JAR...) is a line in ``notes``; rows are shown."""
    if uses_jar(statement):
        with added_jars_hidden(session.t_env):  # CREATE FUNCTION ... USING JAR
            result = session.t_env.execute_sql(statement.text)
    else:
        result = session.t_env.execute_sql(statement.text)
    columns = result_columns(result)
    # SHOW CREATE TABLE has options, EXPLAIN those of hints
    rows = mask_rows((tuple(row) for row in result.collect()), statement.secrets)
    frame = pd.DataFrame(rows, columns=columns)
    if columns == ["result"] and rows == [("OK",)]:
        notes.add(confirmation(statement.masked))
        return frame
    notes.flush()
    if frame.shape == (1, 1) and "\n" in str(frame.iloc[0, 0]):  # EXPLAIN, SHOW CREATE ...
        text = str(frame.iloc[0, 0])
        advice = plan_advice(text) if statement.kind is StatementKind.EXPLAIN else []
        if advice:  # EXPLAIN PLAN_ADVICE: the advice first, as advice
            display(advice_bundle(advice), raw=True)
        display({"text/plain": text, "text/html": f"<pre>{html.escape(text)}</pre>"}, raw=True)
    else:
        display(frame)
    return frame


def _run_job(
    notebook: Notebook, statement: Statement, configuration: Configuration,
    request: CellRequest,
) -> Any:
    if statement.kind is not StatementKind.QUERY:
        check_look(request, None, statement.kind.name.replace("_", " ").lower())
    with step("Planning"):  # the executor says when it submits, or starts a cluster
        pipeline = sql_pipeline(notebook.session, statement, configuration, request.mode,
                                check=lambda table: check_look(request, table))
        job = notebook.executor_for(configuration).execute(pipeline, configuration)
    notebook.register(job, request, configuration)  # its chart or card, its --resume memory
    progress_done()  # the job view takes the progress line's place
    if not configuration.get("execution.attached"):
        show(job, configuration, notebook.look_of(job))
        return job
    follow(job, configuration, request.timeout, notebook.look_of(job))
    if statement.kind is StatementKind.QUERY:
        return job.to_pandas()
    return job


def sql_pipeline(
    session: FlinkSession, statement: Statement, configuration: Configuration,
    mode: ResultMode | None = None, check: Callable[[Any], None] | None = None,
) -> Pipeline:
    """The pipeline for a SELECT, INSERT or statement set. A query is validated here, so
    its errors point into the cell before any cluster is involved; ``check`` sees its
    Table too (a chart's columns)."""
    t_env = session.t_env
    name = configuration.get("pipeline.name") or statement.job_name
    named = configuration.with_cell({"pipeline.name": name})
    if statement.kind is StatementKind.QUERY:
        table = t_env.sql_query(statement.text)
        if check is not None:
            check(table)
        return query_pipeline(session, table, name, configuration, mode)
    if statement.kind is StatementKind.ANALYZE:

        def submit(address: ClusterAddress) -> Submission:
            return Submission(run_analyze(session, address, named,
                                          lambda: t_env.execute_sql(statement.text)))
    else:

        def submit(address: ClusterAddress) -> Submission:
            with session.routed(address, named):
                result = t_env.execute_sql(statement.text)
            return Submission(job_id_of(result))

    kind = JOB_STATEMENTS[statement.kind]
    return Pipeline(name, kind, session.parallelism(configuration), submit, session)
