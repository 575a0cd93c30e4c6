"""``SHOW JOBS``, ``DESCRIBE JOB '<id>'`` and ``STOP JOB '<id>' [WITH SAVEPOINT] [WITH
DRAIN]``: Flink's SQL client and gateway accept them, a TableEnvironment refuses them. Here
they mean what they mean there, answered through the REST API of the cell's target cluster
(the embedded one, the remote target's, or for per-job the clusters of this session's jobs).
A job this session started is found on its own cluster whatever the target.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from IPython.core.error import UsageError
from IPython.display import display

from flink_notebook.core.config import savepoint_directory
from flink_notebook.core.states import TERMINAL, is_job_id
from flink_notebook.engine.internals import parser
from flink_notebook.jobs.client import JobClient
from flink_notebook.jobs.rest import client_for, reached
from flink_notebook.sql.statements import Statement, tokens

if TYPE_CHECKING:
    from flink_notebook.cells.notebook import Notebook
    from flink_notebook.core.config import Configuration
    from flink_notebook.engine.session import FlinkSession

_COLUMNS = ["job id", "job name", "status", "start time"]  # as the SQL gateway names them


def is_job_statement(statement: Statement) -> bool:
    words = [word.lower() for word in tokens(statement.text)[:2]]
    return words in (["show", "jobs"], ["describe", "job"], ["desc", "job"], ["stop", "job"])


def run(notebook: Notebook, statement: Statement, configuration: Configuration) -> Any:
    session = notebook.session
    operation = parser(session.t_env).parse(statement.text)[0]  # errors point here
    kind = operation.getClass().getSimpleName()
    if kind == "ShowJobsOperation":
        clusters = _clusters(session, configuration)
        try:
            frame = _frame([row for rest in clusters for row in rest.jobs_overview()]
                           if clusters is not None else [_row(job) for job in _per_job(notebook)])
        finally:  # their sockets now, not when the collector gets to them
            for rest in clusters or []:
                rest.close()
    else:
        job = _handle(notebook, configuration, str(operation.getJobId()))
        try:
            if kind == "DescribeJobOperation":
                frame = _frame([_details(job)])
            else:
                frame = _stop(job, configuration, bool(operation.isWithSavepoint()),
                              bool(operation.isWithDrain()))
        finally:
            if job not in notebook.jobs:  # a handle made for this statement only
                job.rest.close()
    display(frame)
    return frame


def _frame(jobs: list[dict]) -> pd.DataFrame:
    rows = [(job["jid"], job["name"], job["state"], _start_time(job.get("start-time", -1)))
            for job in sorted(jobs, key=lambda job: job.get("start-time", 0))]
    return pd.DataFrame(rows, columns=_COLUMNS)


def _start_time(millis: int) -> str:
    if millis is None or millis < 0:
        return ""
    return datetime.fromtimestamp(millis / 1000).isoformat(sep=" ", timespec="milliseconds")


def _stop(job: JobClient, configuration: Configuration, savepoint: bool, drain: bool
          ) -> pd.DataFrame:
    state = job.status()
    if state in TERMINAL:
        raise UsageError(f"Job {job.job_id} has already ended ({state}); nothing to stop.")
    if not savepoint:
        if drain:
            raise UsageError("WITH DRAIN goes with WITH SAVEPOINT: STOP JOB '<id>' WITH "
                             "SAVEPOINT WITH DRAIN.")
        job.cancel()
        return pd.DataFrame({"result": ["OK"]})
    directory = savepoint_directory(configuration)
    if not directory:
        raise UsageError("STOP JOB ... WITH SAVEPOINT needs a savepoint directory: "
                         "SET 'state.savepoints.dir' = 'file:///path/to/savepoints';")
    return pd.DataFrame({"savepoint path": [job.stop_with_savepoint(directory, drain)]})


def _handle(notebook: Notebook, configuration: Configuration, job_id: str) -> JobClient:
    job_id = job_id.strip().lower()
    if not is_job_id(job_id):
        raise UsageError(f"{job_id!r} is not a Flink job id (32 hexadecimal characters, as "
                         "SHOW JOBS lists them).")
    for job in reversed(notebook.jobs):
        if job.job_id == job_id:
            return job
    clusters = _clusters(notebook.session, configuration)
    for rest in clusters or []:
        if any(job["jid"] == job_id for job in rest.jobs_overview()):
            return JobClient(job_id, rest)
        rest.close()
    where = (f"the cluster at {clusters[0].url}" if clusters else
             f"the clusters of this session's {configuration.get('execution.target')} jobs")
    raise UsageError(f"No job {job_id} on {where}. SHOW JOBS lists the jobs there.")


def _clusters(session: FlinkSession, configuration: Configuration) -> list[Any] | None:
    """REST clients of the cluster the cell's target submits to; None for targets with a
    cluster per job (per-job, most plug-ins), whose jobs this session knows by handle."""
    target = configuration.get("execution.target")
    if target == "local":
        session.ensure_started()
        address = session.embedded_cluster().start()
        return [client_for(address.url, configuration)]
    if target == "remote":
        from flink_notebook.executors.remote import remote_address

        rest, _ = reached(remote_address(configuration).url, configuration)
        return [rest]
    return None


def _per_job(notebook: Notebook) -> list[JobClient]:
    return [job for job in notebook.jobs if job.cluster is not None]


def _details(job: JobClient) -> dict:
    try:
        return job.rest.job(job.job_id)
    except UsageError:
        return _row(job)  # its cluster is gone (per-job): what the handle saw last


def _row(job: JobClient) -> dict:
    """A job as the cluster would list it; its last known state once its cluster is gone."""
    try:
        state = job.status()
    except UsageError:
        state = job._last_state
    return {"jid": job.job_id, "name": job.name, "state": state,
            "start-time": int(job._submitted * 1000)}
