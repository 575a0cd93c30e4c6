"""Running a ``%%flink`` cell: Python with ``env`` and ``t_env`` bound.

While the cell runs, PyFlink's job-submitting calls are routed through the
notebook's executor (FLIP-73, :mod:`flink_notebook.cells.routing`): each call becomes a
Pipeline, the executor picks the cluster, and the job gets a handle in the session.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any, Callable

from IPython.display import display

from flink_notebook.cells.analyze import run_analyze
from flink_notebook.cells.routing import job_id_of, routed_calls
from flink_notebook.display.follow import follow
from flink_notebook.display.monitor import show
from flink_notebook.engine import query_plan
from flink_notebook.engine.results import QueryResult, ResultMode
from flink_notebook.executors import executor_for
from flink_notebook.jobs.pipeline import ClusterAddress, Pipeline, Submission

if TYPE_CHECKING:
    from flink_notebook.cells.request import CellRequest
    from flink_notebook.engine.session import FlinkSession
    from flink_notebook.jobs.client import JobClient

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
        self._originals: dict[tuple[str, str], Callable] = {}

    @property
    def attached(self) -> bool:
        return bool(self.configuration.get("execution.attached"))

    def original(self, owner: str, method: str) -> Callable:
        """PyFlink's own method (``owner`` a class name), while the cell's calls are routed."""
        return self._originals[(owner, method)]

    def follow(self, job: JobClient) -> None:
        follow(job, self.configuration, self.request.timeout)

    def run(self, code: str, shell: Any) -> Any:
        """Run the code; return the value ``-o`` binds (a DataFrame, a handle or a list)."""
        session = self.session
        session.ensure_started()
        shell.user_ns["env"] = session.env
        shell.user_ns["t_env"] = session.t_env
        with routed_calls(self) as originals:
            self._originals = originals
            value = _exec_cell(code, shell)
            if _is_table(value):
                return self._show_table(value)
        if self.attached:
            # Query results the code holds are read by the code itself; other jobs are
            # followed here, at the end of the cell, in the order they were submitted.
            for job in self.jobs:
                if self._kinds[job.job_id] not in _READ_BY_THE_CODE and not job.is_terminal:
                    self.follow(job)
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
        self, name: str, kind: str, send: Callable[[], Any],
        result_mode: ResultMode | None = None, max_rows: int = query_plan.UNLIMITED,
    ) -> tuple[JobClient, Any]:
        """Run ``send`` (PyFlink's own call) through the executor; return the handle and
        what PyFlink returned (for queries with ``result_mode``, rows kept in the JVM)."""
        native: dict[str, Any] = {}
        session, configuration = self.session, self.configuration

        named = configuration.with_cell({"pipeline.name": name})

        def to_cluster(address: ClusterAddress) -> Submission:
            if kind == "analyze":  # its job ran inside the call, which returns no client
                job_id = run_analyze(session, address, named,
                                     lambda: native.__setitem__("value", send()))
                return Submission(job_id)
            with session.routed(address, named):
                native["value"] = send()
                zone = session.local_zone()
            result = None
            if result_mode is not None:
                result = QueryResult(session.gateway, native["value"], result_mode, max_rows,
                                     zone)
            return Submission(job_id_of(native["value"]), result)

        pipeline = Pipeline(name, kind, session.parallelism(configuration), to_cluster)
        job = executor_for(session, configuration).execute(pipeline, configuration)
        self.jobs.append(session.register(job))
        self._kinds[job.job_id] = kind
        return job, native["value"]

    def _show_table(self, table: Any) -> Any:
        """The cell's last expression is a Table: run it like a ``%%flink_sql`` SELECT."""
        mode, kept = query_plan.table_result_mode(
            self.session.t_env, table, self.request.mode,
            int(self.configuration.get("notebook.max-rows")),
        )
        job, _ = self.submit(
            self.configuration.get("pipeline.name") or "table query", "query",
            lambda: table._j_table.execute(), result_mode=mode, max_rows=kept,
        )
        if not self.attached:
            show(job, self.configuration)
            return job
        self.follow(job)
        return job.to_pandas()


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


def run_python_cell(session: FlinkSession, code: str, request: CellRequest, shell: Any) -> Any:
    """Run a ``%%flink`` cell; return what ``-o`` binds."""
    return PythonCell(session, request).run(code, shell)

