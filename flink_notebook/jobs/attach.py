"""Handles for jobs this kernel did not start (``%flink_attach``): after a kernel restart,
or someone else's job on a shared cluster; and the detached jobs that earlier kernels left
running on their own per-job clusters (:func:`left_running`, found in the registry)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from IPython.core.error import UsageError

from flink_notebook.clusters.standalone import LocalCluster
from flink_notebook.core.address import configured_remote
from flink_notebook.core.flink_versions import other_flink_note
from flink_notebook.core.states import TERMINAL, is_job_id
from flink_notebook.jobs.client import JobClient
from flink_notebook.jobs.rest import RestClient, reached

if TYPE_CHECKING:
    from flink_notebook.engine.session import FlinkSession


def attach(session: FlinkSession, job_id: str, rest_url: str | None) -> JobClient:
    """A handle for a job already on a cluster: the given REST URL, else a per-job cluster
    of this host that an earlier kernel's detached job runs on, else the remote target's
    cluster, else the session's embedded one."""
    job_id = job_id.strip().lower()
    if not is_job_id(job_id):
        raise UsageError(
            f"{job_id!r} is not a Flink job id (32 hexadecimal characters, as in the "
            "web UI or %flink_jobs)."
        )
    if rest_url is None:
        # A detached job an earlier kernel left on its own cluster on this host.
        for job in left_running():
            if job.job_id == job_id:
                return job
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
    # Another Flink there: what goes over REST works, and is not refused (a submission is).
    note = other_flink_note(url, rest.cluster_version)
    if note is not None:
        print(f"flink-notebook: {note}", file=sys.stderr)
    return job


#: The handles left_running made, by job id: a later listing gives the same handle (and
#: its one connection to the cluster) instead of opening another each time.
_LEFT: dict[str, JobClient] = {}


def left_running() -> list[JobClient]:
    """Handles for the detached jobs that other kernels (earlier ones, or others running)
    left on their per-job clusters of this host, each with ``origin`` saying whose."""
    found = []
    for cluster in LocalCluster.known():
        if not cluster.detached or cluster.rest_url is None or cluster.status() != "running":
            continue
        owner = cluster.owner
        alive = owner is not None and owner.alive()
        if alive and owner.pid == os.getpid():
            continue  # this kernel's own: its notebook has their handles
        known = [job for job in _LEFT.values() if job.cluster.rest_url == cluster.rest_url]
        rest = known[0].rest if known else RestClient(cluster.rest_url)
        try:
            jobs = rest.jobs_overview()
        except UsageError:
            rest.close()  # stopping right now (asked again, it opens a connection)
            continue
        whose = "another kernel" if alive else "an earlier kernel"
        origin = f"{whose} ({cluster.notebook})" if cluster.notebook else whose
        running = [overview for overview in jobs if overview.get("state") not in TERMINAL]
        for overview in running:
            job = _LEFT.get(overview["jid"])
            if job is None:
                job = JobClient(overview["jid"], rest, name=overview.get("name"),
                                cluster=cluster)
                _LEFT[job.job_id] = job
            job.origin = origin
            found.append(job)
        if not running:
            rest.close()
    _LEFT.clear()  # jobs no longer running are forgotten
    _LEFT.update((job.job_id, job) for job in found)
    return found
