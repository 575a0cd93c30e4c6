"""Handles for jobs this kernel did not start (``%flink_attach``): after a kernel restart,
or someone else's job on a shared cluster."""

from __future__ import annotations

from typing import TYPE_CHECKING

from IPython.core.error import UsageError

from flink_notebook.core.address import configured_remote
from flink_notebook.core.states import is_job_id
from flink_notebook.jobs.client import JobClient
from flink_notebook.jobs.rest import reached

if TYPE_CHECKING:
    from flink_notebook.engine.session import FlinkSession


def attach(session: FlinkSession, job_id: str, rest_url: str | None) -> JobClient:
    """A handle for a job already on a cluster: the given REST URL, else the remote
    target's cluster, else the session's embedded one."""
    job_id = job_id.strip().lower()
    if not is_job_id(job_id):
        raise UsageError(
            f"{job_id!r} is not a Flink job id (32 hexadecimal characters, as in the "
            "web UI or %flink_jobs)."
        )
    remote = configured_remote(session.configuration)
    url = rest_url or (remote.url if remote else None)
    if url is None:
        session.ensure_started()
        url = session.embedded_cluster().address.url
    if not url.startswith(("http://", "https://")):
        url = "http://" + url
    # The notebook's headers and TLS settings (a cluster behind a proxy); unreachable or
    # refused: says so within seconds.
    rest, _ = reached(url, session.configuration)
    details = rest.job(job_id)  # no such job: "No job ... on URL"
    job = JobClient(job_id, rest, name=details.get("name"))
    job.status()
    return job
