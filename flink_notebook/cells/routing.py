"""Which PyFlink calls submit jobs, and how each goes through the notebook's executor while
a ``%%flink`` cell runs: one table, :data:`ROUTES`.

Each routed call becomes a Pipeline (its ``kind`` and a default job name below); the
executor picks the cluster, and the job gets a handle in the notebook. The calls still
return what PyFlink returns, so ordinary PyFlink code keeps working.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Protocol

from flink_notebook.core.flink_versions import minor_tuple
from flink_notebook.engine import query_plan
from flink_notebook.engine.internals import (
    apply_chaining_optimization,
    insert_operation,
    java_data_stream,
    java_job_client,
    java_table,
    java_table_result,
    pending_modify_operations,
    table_env_of,
)
from flink_notebook.engine.java_classes import kernel_flink
from flink_notebook.sql.operations import parsed
from flink_notebook.sql.sinks import NotASink, modify_operations
from flink_notebook.sql.statements import StatementKind, job_name, split_statements

if TYPE_CHECKING:
    from flink_notebook.engine.results import ResultMode
    from flink_notebook.jobs.client import JobClient

#: Statements that make execute_sql submit a job, and the Pipeline kind of each.
JOB_STATEMENTS = {StatementKind.QUERY: "query", StatementKind.INSERT: "insert",
                  StatementKind.STATEMENT_SET: "statement-set",
                  StatementKind.ANALYZE: "analyze"}


class RoutedCell(Protocol):
    """What a routed call needs of the cell it runs in (a ``%%flink`` cell's
    :class:`~flink_notebook.cells.python.PythonCell`)."""

    @property
    def attached(self) -> bool:
        """Whether the cell waits for its jobs (``execution.attached``)."""

    def original(self, owner: str, method: str) -> Callable:
        """PyFlink's own method (``owner`` a class name) while the calls are routed."""

    def configured_name(self, owner: Any) -> str | None:
        """``pipeline.name`` as the environment that submits ``owner``'s job has it."""

    def follow(self, job: JobClient) -> None:
        """Show ``job`` live until it ends."""

    def submit(self, name: str, kind: str, send: Callable[[], Any], owner: Any = None,
               result_mode: ResultMode | None = None, max_rows: int = ...,
               ) -> tuple[JobClient, Any]:
        """Run ``send`` through the notebook's executor; the handle and what it returned."""

    @property
    def previewing(self) -> bool:
        """``--preview``: a call that would write to sinks shows their rows instead."""

    def preview(self, owner: Any, operations: list[Any]) -> Any:
        """Show what each Java ModifyOperation's sink would receive, writing nothing;
        what the call returns instead of PyFlink's TableResult."""


def job_id_of(value: Any) -> str:
    """The job id of what a submitting call returned: a PyFlink TableResult or JobClient,
    or Java's TableResult."""
    from pyflink.common import JobClient
    from pyflink.table import TableResult

    if isinstance(value, JobClient):
        return java_job_client(value).getJobID().toHexString()
    if isinstance(value, TableResult):
        value = java_table_result(value)
    return value.getJobClient().get().getJobID().toHexString()


def _job_name(cell: RoutedCell, given: str | None, default: str, owner: Any = None) -> str:
    """As Flink names a job: the name the call gives, else ``pipeline.name`` of the
    environment submitting it (the cell's --name for ``env``/``t_env``), else the default."""
    return given or cell.configured_name(owner) or default


# -- how: each takes the cell, the route and PyFlink's own method; returns the routed one --

def _returns_table_result(cell: RoutedCell, route: Route, original: Callable) -> Callable:
    """A call whose TableResult carries the job: submitted as it is."""

    def call(obj: Any, *args: Any, **kwargs: Any) -> Any:
        _, native = cell.submit(_job_name(cell, None, route.default_name, obj), route.kind,
                                lambda: original(obj, *args, **kwargs), owner=obj)
        return native

    return call


def _execute_sql(cell: RoutedCell, route: Route, original: Callable) -> Callable:
    """Only statements that submit a job are routed; DDL and the like run as they are."""

    def execute_sql(t_env: Any, stmt: str) -> Any:
        statements = split_statements(stmt)
        for statement in statements:  # to mask in the code's errors
            cell.secrets |= statement.secrets
        kind = (JOB_STATEMENTS.get(parsed(t_env, statements[0]).kind)
                if len(statements) == 1 else None)
        if kind is None:
            return original(t_env, stmt)
        name = _job_name(cell, None, job_name(stmt), t_env)
        _, native = cell.submit(name, kind, lambda: original(t_env, stmt), owner=t_env)
        return native

    return execute_sql


def _to_pandas(cell: RoutedCell, route: Route, original: Callable) -> Callable:
    """Rows fetched in bulk from the JVM (Arrow batches), as the SQL cells fetch them."""

    def to_pandas(table: Any) -> Any:
        mode, _ = query_plan.result_mode(table_env_of(table), table, None, query_plan.UNLIMITED)
        job, _ = cell.submit(_job_name(cell, None, route.default_name, table), route.kind,
                             lambda: java_table(table).execute(), owner=table, result_mode=mode)
        return job.result()

    return to_pandas


def _execute_async(cell: RoutedCell, route: Route, original: Callable) -> Callable:
    def execute_async(env: Any, job_name: str | None = None) -> Any:
        name = _job_name(cell, job_name, route.default_name, env)
        _, native = cell.submit(name, route.kind, lambda: original(env, name), owner=env)
        return native

    return execute_async


def _execute(cell: RoutedCell, route: Route, original: Callable) -> Callable:
    """``env.execute()``: submitted like execute_async; attached, the cell follows the job
    and returns PyFlink's JobExecutionResult; detached, what Flink's ``flink run -d`` gives:
    a JobExecutionResult of a DetachedJobExecutionResult (its job id, and an error that
    says it was detached for anything else). The cell's handle is the JobClient."""

    def execute(env: Any, job_name: str | None = None) -> Any:
        from pyflink.common import JobExecutionResult

        name = _job_name(cell, job_name, route.default_name, env)
        execute_async = cell.original("StreamExecutionEnvironment", "execute_async")
        job, native = cell.submit(name, route.kind, lambda: execute_async(env, name),
                                  owner=env)
        if not cell.attached:
            from pyflink.java_gateway import get_gateway

            execution = get_gateway().jvm.org.apache.flink.core.execution
            return JobExecutionResult(
                execution.DetachedJobExecutionResult(java_job_client(native).getJobID()))
        outcome: dict[str, Any] = {}

        def keep(_: Any) -> None:  # at the end, before a per-job cluster goes with it
            try:
                outcome["result"] = java_job_client(native).getJobExecutionResult().get()
            except Exception:  # noqa: BLE001 - a failed job: job.result() says why
                pass

        job.on_terminal(keep)
        cell.follow(job)
        job.result()  # raises the root cause if the job failed
        if "result" not in outcome:
            keep(job)
        return JobExecutionResult(outcome["result"])

    return execute


def _execute_and_collect(cell: RoutedCell, route: Route, original: Callable) -> Callable:
    """What PyFlink's method does, with the job submitted through the executor: the
    stream's collect sink first, then the job, which hands the sink its client."""

    def execute_and_collect(stream: Any, job_execution_name: str | None = None,
                            limit: int | None = None) -> Any:
        from pyflink.datastream import StreamExecutionEnvironment
        from pyflink.datastream.data_stream import CloseableIterator
        from pyflink.java_gateway import get_gateway

        j_env = java_data_stream(stream).getExecutionEnvironment()
        get_gateway().jvm.org.apache.flink.python.util.PythonConfigUtil \
            .configPythonOperator(j_env)
        apply_chaining_optimization(stream)
        rows = CloseableIterator(java_data_stream(stream).collectAsync(), stream.get_type())
        env = StreamExecutionEnvironment(j_env)
        name = _job_name(cell, job_execution_name, route.default_name, env)
        execute_async = cell.original("StreamExecutionEnvironment", "execute_async")
        cell.submit(name, route.kind, lambda: execute_async(env, name), owner=env)
        if limit is None:
            return rows
        with rows:
            return [row for row, _ in zip(rows, range(limit))]

    return execute_and_collect


# -- what a call would write (--preview): its Java ModifyOperations, or None ---------------

def _statement_writes(t_env: Any, stmt: str, *args: Any, **kwargs: Any) -> list[Any] | None:
    from IPython.core.error import UsageError

    try:
        return modify_operations(t_env, stmt)
    except NotASink as exc:
        raise UsageError(f"--preview cannot show this statement's rows: {exc}. Run it "
                         "without --preview.") from None
    except Exception:  # noqa: BLE001 - PyFlink's own call raises the same error, shown as ever
        return None


def _pending_writes(obj: Any, *args: Any, **kwargs: Any) -> list[Any]:
    return pending_modify_operations(obj)


def _insert_writes(table: Any, target: Any, overwrite: bool = False) -> list[Any]:
    return [insert_operation(table, target, overwrite)]


@dataclass(frozen=True)
class Route:
    """One PyFlink method that submits a job."""

    owner: str  #: the class, as module:name
    method: str
    kind: str  #: the Pipeline kind (execute_sql: from the statement)
    default_name: str  #: the job name when neither the call nor pipeline.name gives one
    how: Callable[[RoutedCell, Route, Callable], Callable]
    since: str | None = None  #: the first Flink minor whose PyFlink has the method
    #: What the call would write, from its arguments (--preview): Java ModifyOperations,
    #: or None when it writes nothing; None for a call that never writes to a table.
    writes: Callable[..., list[Any] | None] | None = None

    @property
    def exists(self) -> bool:
        """Whether the kernel's PyFlink has the method (engine/ledger.py lists them)."""
        return self.since is None or kernel_flink() >= minor_tuple(self.since)

    @property
    def owner_class(self) -> type:
        module, name = self.owner.split(":")
        return getattr(importlib.import_module(module), name)


#: Every PyFlink call that submits a job.
ROUTES = (
    Route("pyflink.datastream:StreamExecutionEnvironment", "execute", "datastream",
          "Flink Streaming Job", _execute),
    Route("pyflink.datastream:StreamExecutionEnvironment", "execute_async", "datastream",
          "Flink Streaming Job", _execute_async),
    Route("pyflink.datastream:DataStream", "execute_and_collect", "collect",
          "Flink Streaming Job", _execute_and_collect),
    Route("pyflink.table:TableEnvironment", "execute_sql", "(statement)", "", _execute_sql,
          writes=_statement_writes),
    Route("pyflink.table:StatementSet", "execute", "statement-set", "statement set",
          _returns_table_result, writes=_pending_writes),
    Route("pyflink.table:Table", "execute", "query", "table query", _returns_table_result),
    Route("pyflink.table:Table", "execute_insert", "insert", "table insert",
          _returns_table_result, writes=_insert_writes),
    Route("pyflink.table:Table", "to_pandas", "query", "to_pandas", _to_pandas),
    Route("pyflink.table.table_pipeline:TablePipeline", "execute", "insert", "table insert",
          _returns_table_result, since="2.1", writes=_pending_writes),
)


def routes() -> tuple[Route, ...]:
    """The routes the kernel's PyFlink has."""
    return tuple(route for route in ROUTES if route.exists)


@contextmanager
def routed_calls(cell: RoutedCell) -> Iterator[dict[tuple[str, str], Callable]]:
    """Within the block, every call in :data:`ROUTES` made on this thread goes through
    ``cell.submit`` (other threads get PyFlink's own methods); they are back afterwards,
    whatever happened. Yields the originals by (class name, method)."""
    present = routes()
    originals = {(route.owner_class, route.method): getattr(route.owner_class, route.method)
                 for route in present}
    by_name = {(cls.__name__, method): fn for (cls, method), fn in originals.items()}
    thread = threading.get_ident()
    try:
        for route in present:
            cls = route.owner_class
            original = originals[(cls, route.method)]
            setattr(cls, route.method,
                    _on_thread(thread, _previewed(cell, route, route.how(cell, route, original)),
                               original))
        yield by_name
    finally:
        for (cls, method), original in originals.items():
            setattr(cls, method, original)


def _previewed(cell: RoutedCell, route: Route, routed: Callable) -> Callable:
    """``routed``, except that with ``--preview`` a call that would write shows its sinks'
    rows instead (cells/preview.py)."""
    if route.writes is None or not cell.previewing:
        return routed

    def call(obj: Any, *args: Any, **kwargs: Any) -> Any:
        operations = route.writes(obj, *args, **kwargs)
        if operations is None:
            return routed(obj, *args, **kwargs)
        return cell.preview(obj, operations)

    return call


def _on_thread(thread: int, routed: Callable, original: Callable) -> Callable:
    """``routed`` for calls from ``thread``, ``original`` for everyone else's."""

    @functools.wraps(original)
    def call(*args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == thread:
            return routed(*args, **kwargs)
        return original(*args, **kwargs)

    return call
