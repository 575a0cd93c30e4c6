"""A PyFlink Table run as a query whose rows its job's view shows live: a ``%%flink_sql``
SELECT's, a ``--preview``'s sink."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flink_notebook.cells.routing import JOB_STATEMENTS, job_id_of
from flink_notebook.engine import query_plan
from flink_notebook.engine.internals import java_table
from flink_notebook.engine.results import QueryResult, ResultMode
from flink_notebook.jobs.pipeline import ClusterAddress, Pipeline, Submission
from flink_notebook.sql.statements import StatementKind

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration
    from flink_notebook.engine.session import FlinkSession


def query_pipeline(
    session: FlinkSession, table: Any, name: str, configuration: Configuration,
    mode: ResultMode | None = None, stop_after: int = 0,
) -> Pipeline:
    """The pipeline that runs ``table`` (a PyFlink Table) as a query whose rows the job's
    view shows live: a SELECT's, a preview's. ``stop_after``: its reading stops, and the
    job is cancelled, once that many rows (changes) came (0: none)."""
    t_env = session.t_env
    max_rows = int(configuration.get("notebook.max-rows"))
    named = configuration.with_cell({"pipeline.name": name})

    def submit(address: ClusterAddress) -> Submission:
        with session.routed(address, named):
            j_result = java_table(table).execute()
            zone = session.local_zone()  # TIMESTAMP_LTZ values are shown in it
        try:
            # Read from the plan while the job starts (a warm cell's job takes about
            # 0.15 s to its rows, the plan 0.05 s: B2); the rows wait in its sink.
            kept_as, kept = query_plan.result_mode(t_env, table, mode, max_rows)
        except BaseException:
            try:  # no handle would reach the job
                j_result.getJobClient().get().cancel()
            except Exception:  # the plan's error is the one to report
                pass
            raise
        result = QueryResult(session.gateway, j_result, kept_as, kept, zone,
                             session.runs_here(address), stop_after=stop_after)
        if kept_as is ResultMode.UPDATE:  # drawn in a stable order (tens of ms)
            result.order = query_plan.row_order(table)
        return Submission(job_id_of(j_result), result)

    kind = JOB_STATEMENTS[StatementKind.QUERY]
    return Pipeline(name, kind, session.parallelism(configuration), submit, session)
