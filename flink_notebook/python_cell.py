"""Running a ``%%flink`` cell: Python with ``env`` and ``t_env`` bound.

While the cell runs, PyFlink's job-submitting calls are routed through the
notebook's executor (FLIP-73): each call becomes a Pipeline, the executor picks
the cluster, and the job gets a handle in the session. The calls still return
what PyFlink returns, so ordinary PyFlink code keeps working.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable

from IPython.display import display

from flink_notebook import query_plan
from flink_notebook.pipeline import ClusterAddress, Pipeline, Submission
from flink_notebook.results import QueryResult, ResultMode
from flink_notebook.sql import StatementKind, split_statements
from flink_notebook.watch import follow, show

if TYPE_CHECKING:
    from flink_notebook.cell import CellRequest
    from flink_notebook.job import JobClient
    from flink_notebook.session import FlinkSession

_JOB_STATEMENTS = {StatementKind.QUERY, StatementKind.INSERT, StatementKind.STATEMENT_SET}
# Jobs whose rows the cell's code reads itself: the cell does not wait for them to end.
_READ_BY_THE_CODE = {"query", "collect"}


class PythonCell:
    """One ``%%flink`` cell and the jobs its code submitted."""

    def __init__(self, session: FlinkSession, request: CellRequest) -> None:
        self.session = session
        self.request = request
        self.configuration = request.configuration(session)
        self.jobs: list[JobClient] = []
        self._kinds: dict[str, str] = {}
        self._originals: dict[tuple[type, str], Callable] = {}

    @property
    def attached(self) -> bool:
        return bool(self.configuration.get("execution.attached"))

    def run(self, code: str, shell: Any) -> Any:
        """Run the code; return the value ``-o`` binds (a DataFrame, a handle or a list)."""
        session = self.session
        session.ensure_started()
        shell.user_ns["env"] = session.env
        shell.user_ns["t_env"] = session.t_env
        with self._routing():
            value = _exec_cell(code, shell)
            if _is_table(value):
                return self._show_table(value)
        if self.attached:
            # Query results the code holds are read by the code itself; other jobs are
            # followed here, at the end of the cell, in the order they were submitted.
            for job in self.jobs:
                if self._kinds[job.job_id] not in _READ_BY_THE_CODE and not job.is_terminal:
                    follow(job, self.configuration, self.request.timeout)
        else:
            for job in self.jobs:
                show(job, self.configuration)
        if self.jobs:  # the handles stand for what the calls returned
            return self.jobs[0] if len(self.jobs) == 1 else list(self.jobs)
        if value is not None:
            display(value)
        return value

    # -- submitting ---------------------------------------------------------

    def submit(
        self, name: str, kind: str, send: Callable[[], Any], job_id_of: Callable[[Any], str],
        result_mode: ResultMode | None = None, max_rows: int = query_plan.UNLIMITED,
    ) -> tuple[JobClient, Any]:
        """Run ``send`` (PyFlink's own call) through the executor; return the handle and
        what PyFlink returned (for queries with ``result_mode``, rows kept in the JVM)."""
        native: dict[str, Any] = {}
        session, configuration = self.session, self.configuration

        def to_cluster(address: ClusterAddress) -> Submission:
            with session.routed(address, configuration.with_cell({"pipeline.name": name})):
                native["value"] = send()
            job_id = job_id_of(native["value"])
            result = None
            if result_mode is not None:
                result = QueryResult(session.gateway, native["value"], result_mode, max_rows)
            return Submission(job_id, result)

        pipeline = Pipeline(name, kind, session.parallelism(configuration), to_cluster)
        job = session.executor(configuration).execute(pipeline, configuration)
        self.jobs.append(session.register(job))
        self._kinds[job.job_id] = kind
        return job, native["value"]

    def _show_table(self, table: Any) -> Any:
        """The cell's last expression is a Table: run it like a ``%%flink_sql`` SELECT."""
        t_env = self.session.t_env
        mode, kept = query_plan.result_mode(
            t_env, table, _table_sql(table), self.request.mode,
            int(self.configuration.get("notebook.max-rows")),
        )
        job, _ = self.submit(
            self.configuration.get("pipeline.name") or "table query", "query",
            lambda: table._j_table.execute(), _table_job_id, result_mode=mode, max_rows=kept,
        )
        if not self.attached:
            show(job, self.configuration)
            return job
        follow(job, self.configuration, self.request.timeout)
        return job.to_pandas()

    @contextmanager
    def _routing(self) -> Iterator[None]:
        from pyflink.datastream import DataStream, StreamExecutionEnvironment
        from pyflink.table import StatementSet, Table, TableEnvironment
        from pyflink.table.table_pipeline import TablePipeline

        patches = {
            (DataStream, "execute_and_collect"): self._execute_and_collect,
            (StreamExecutionEnvironment, "execute"): self._env_execute,
            (StreamExecutionEnvironment, "execute_async"): self._env_execute_async,
            (TableEnvironment, "execute_sql"): self._execute_sql,
            (StatementSet, "execute"): self._statement_set_execute,
            (Table, "execute"): self._table_execute,
            (Table, "execute_insert"): self._table_execute_insert,
            (Table, "to_pandas"): self._table_to_pandas,
            (TablePipeline, "execute"): self._table_pipeline_execute,
        }
        originals = {target: getattr(*target) for target in patches}
        self._originals = originals  # env.execute submits through the original execute_async
        try:
            for (cls, attr), make in patches.items():
                setattr(cls, attr, make(originals[(cls, attr)]))
            yield
        finally:
            for (cls, attr), original in originals.items():
                setattr(cls, attr, original)

    # Each wrapper takes PyFlink's original method and returns the routed one.

    def _env_execute(self, original: Callable) -> Callable:
        cell = self

        def execute(env: Any, job_name: str | None = None) -> Any:
            from pyflink.common import JobExecutionResult

            name = job_name or cell.configuration.get("pipeline.name") or "Flink Streaming Job"
            job, native = cell.submit(
                name, "datastream", lambda: cell._originals_execute_async(env, name),
                _client_job_id,
            )
            if not cell.attached:
                return job
            follow(job, cell.configuration, cell.request.timeout)
            job.result()  # raises the root cause if the job failed
            return JobExecutionResult(native._j_job_client.getJobExecutionResult().get())

        return execute

    def _originals_execute_async(self, env: Any, name: str) -> Any:
        from pyflink.datastream import StreamExecutionEnvironment

        return self._originals[(StreamExecutionEnvironment, "execute_async")](env, name)

    def _env_execute_async(self, original: Callable) -> Callable:
        cell = self

        def execute_async(env: Any, job_name: str = "Flink Streaming Job") -> Any:
            _, native = cell.submit(
                job_name, "datastream", lambda: original(env, job_name), _client_job_id
            )
            return native

        return execute_async

    def _execute_and_collect(self, original: Callable) -> Callable:
        cell = self

        def execute_and_collect(stream: Any, job_execution_name: str | None = None,
                                limit: int | None = None) -> Any:
            # What PyFlink's method does, with the job submitted through the executor: the
            # stream's collect sink first, then the job, which hands the sink its client.
            from pyflink.datastream import StreamExecutionEnvironment
            from pyflink.datastream.data_stream import CloseableIterator
            from pyflink.java_gateway import get_gateway

            j_env = stream._j_data_stream.getExecutionEnvironment()
            get_gateway().jvm.org.apache.flink.python.util.PythonConfigUtil \
                .configPythonOperator(j_env)
            stream._apply_chaining_optimization()
            rows = CloseableIterator(stream._j_data_stream.collectAsync(), stream.get_type())
            name = (job_execution_name or cell.configuration.get("pipeline.name")
                    or "Flink Streaming Job")
            env = StreamExecutionEnvironment(j_env)
            cell.submit(name, "collect", lambda: cell._originals_execute_async(env, name),
                        _client_job_id)
            if limit is None:
                return rows
            with rows:
                return [row for row, _ in zip(rows, range(limit))]

        return execute_and_collect

    def _execute_sql(self, original: Callable) -> Callable:
        cell = self

        def execute_sql(t_env: Any, stmt: str) -> Any:
            statements = split_statements(stmt)
            kind = statements[0].kind if len(statements) == 1 else None
            if kind not in _JOB_STATEMENTS:
                return original(t_env, stmt)
            pipeline_kind = {StatementKind.QUERY: "query", StatementKind.INSERT: "insert"}.get(
                kind, "statement-set"
            )
            name = cell.configuration.get("pipeline.name") or " ".join(stmt.split())[:60]
            _, native = cell.submit(name, pipeline_kind, lambda: original(t_env, stmt),
                                    _result_job_id)
            return native

        return execute_sql

    def _statement_set_execute(self, original: Callable) -> Callable:
        return self._table_result_call(original, "statement-set", "statement set")

    def _table_execute(self, original: Callable) -> Callable:
        return self._table_result_call(original, "query", "table query")

    def _table_pipeline_execute(self, original: Callable) -> Callable:
        return self._table_result_call(original, "insert", "table insert")

    def _table_execute_insert(self, original: Callable) -> Callable:
        cell = self

        def execute_insert(table: Any, *args: Any, **kwargs: Any) -> Any:
            name = cell.configuration.get("pipeline.name") or "table insert"
            _, native = cell.submit(
                name, "insert", lambda: original(table, *args, **kwargs), _result_job_id
            )
            return native

        return execute_insert

    def _table_result_call(self, original: Callable, kind: str, default: str) -> Callable:
        cell = self

        def call(obj: Any) -> Any:
            name = cell.configuration.get("pipeline.name") or default
            _, native = cell.submit(name, kind, lambda: original(obj), _result_job_id)
            return native

        return call

    def _table_to_pandas(self, original: Callable) -> Callable:
        cell = self

        def to_pandas(table: Any) -> Any:
            name = cell.configuration.get("pipeline.name") or "to_pandas"
            mode, _ = query_plan.result_mode(
                cell.session.t_env, table, _table_sql(table), None, query_plan.UNLIMITED
            )
            job, _ = cell.submit(
                name, "query", lambda: table._j_table.execute(), _table_job_id,
                result_mode=mode,
            )
            return job.result()

        return to_pandas


def _exec_cell(code: str, shell: Any) -> Any:
    """Run the cell like IPython does (tracebacks point at the cell's lines) and return
    the value of its last expression."""
    filename = shell.compile.cache(code)
    tree = ast.parse(code, filename=filename)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), shell.user_ns)
    if last is None:
        return None
    return eval(compile(last, filename, "eval"), shell.user_ns)


def _is_table(value: Any) -> bool:
    from pyflink.table import Table

    return isinstance(value, Table)


def _table_sql(table: Any) -> str:
    """A SQL text for the table's plan, so its changelog mode can be explained."""
    return f"SELECT * FROM {table}"


def _result_job_id(table_result: Any) -> str:
    return table_result._j_table_result.getJobClient().get().getJobID().toHexString()


def _table_job_id(j_table_result: Any) -> str:
    return j_table_result.getJobClient().get().getJobID().toHexString()


def _client_job_id(job_client: Any) -> str:
    return job_client._j_job_client.getJobID().toHexString()


def run_python_cell(session: FlinkSession, code: str, request: CellRequest, shell: Any) -> Any:
    """Run a ``%%flink`` cell; return what ``-o`` binds."""
    return PythonCell(session, request).run(code, shell)

