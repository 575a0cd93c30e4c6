"""``ANALYZE TABLE``: a statement that runs its job inside ``execute_sql`` and returns no
job client.

Flink computes the statistics with a query of its own (one per partition when a partition
is named), waits for it and writes the result into the catalog. The query is submitted by
the session's environment, so it runs where the cell's executor points it, like any job;
its handle is found afterwards on that cluster, by the job name the cell gave it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from flink_notebook.jobs.rest import client_for

if TYPE_CHECKING:
    from flink_notebook.core.address import ClusterAddress
    from flink_notebook.core.config import Configuration
    from flink_notebook.engine.session import FlinkSession


def run_analyze(session: FlinkSession, address: ClusterAddress, configuration: Configuration,
                run: Callable[[], Any], j_env: Any = None) -> str:
    """Run ``run`` (the statement) routed to ``address``; return the id of the newest job
    it ran there (named ``pipeline.name`` of ``configuration``)."""
    name = configuration.get("pipeline.name")
    rest = client_for(address.url, configuration)
    try:
        before = {job["jid"] for job in rest.jobs_overview()}
        with session.routed(address, configuration, j_env):
            run()
        ran = [job for job in rest.jobs_overview()
               if job["jid"] not in before and job.get("name") == name]
    finally:
        rest.close()
    if not ran:
        from IPython.core.error import UsageError

        raise UsageError(f"ANALYZE TABLE ran, but its job {name!r} is not on {address.url}.")
    return max(ran, key=lambda job: job.get("start-time", 0))["jid"]
