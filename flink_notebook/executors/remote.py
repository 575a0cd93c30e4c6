"""The ``remote`` target: an existing Flink session cluster, found by ``rest.address``.

Any session cluster whose REST API is reachable works: one started with
``flink-notebook cluster start``, a standalone or a Kubernetes/YARN session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
from IPython.core.error import UsageError

from flink_notebook.executors.base import Executor, ExecutorFactory
from flink_notebook.pipeline import ClusterAddress

if TYPE_CHECKING:
    from flink_notebook.config import Configuration
    from flink_notebook.job import JobClient
    from flink_notebook.pipeline import Pipeline

DEFAULT_PORT = 8081
#: The first request to the cluster: connect and answer each get a bound, so an address
#: that does not answer (refused, black-holed, silent) fails within 5 s naming it.
REACH_TIMEOUT = httpx.Timeout(2.5, connect=2.0)


def remote_address(configuration: Configuration) -> ClusterAddress:
    """The cluster ``rest.address`` (a host, or a URL such as https://host:port) and
    ``rest.port`` (default 8081) name."""
    host = str(configuration.get("rest.address") or "").strip()
    if not host:
        raise UsageError(
            "The remote target needs the cluster's REST address: "
            "%flink_config rest.address=HOST rest.port=PORT, or rest.address=URL "
            "(start one with %flink_cluster start or `flink-notebook cluster start`)."
        )
    port = int(configuration.get("rest.port") or DEFAULT_PORT)
    if "://" not in host:
        return ClusterAddress(host, port)
    url = urlsplit(host)
    if url.scheme not in ("http", "https") or not url.hostname or url.path.strip("/"):
        raise UsageError(
            f"rest.address {host} is not a cluster URL: write http(s)://HOST[:PORT] "
            "(a path prefix is Flink's rest.path option)."
        )
    return ClusterAddress(url.hostname, url.port or port, url.scheme)


class RemoteExecutor(Executor):
    """Submits pipelines to the session cluster at ``rest.address:rest.port``."""

    def execute(self, pipeline: Pipeline, configuration: Configuration) -> JobClient:
        from flink_notebook.job import JobClient
        from flink_notebook.rest import client_for
        from flink_notebook.session import FlinkSession

        address = remote_address(configuration)
        FlinkSession.current().check_submission_headers(configuration)
        rest = client_for(address.url, configuration, timeout=REACH_TIMEOUT)
        overview = rest.overview()  # before Java starts: an unreachable cluster fails at once
        needed = pipeline.parallelism or FlinkSession.parallelism(configuration)
        free = overview.get("slots-available", 0)
        # Flink would wait minutes for slots and then fail; say it now.
        if needed > free:
            raise UsageError(
                f"The job needs {needed} slots but the cluster at {address.url} has {free} free "
                f"(of {overview.get('slots-total', 0)}). Lower the parallelism (-p {max(free, 1)})"
                " or free slots by cancelling jobs there."
            )
        submission = pipeline.submit(address)
        return JobClient(
            submission.job_id, client_for(address.url, configuration), name=pipeline.name,
            result=submission.result,
        )


class RemoteExecutorFactory(ExecutorFactory):
    name = "remote"
    description = "an existing Flink session cluster at rest.address:rest.port"

    def get_executor(self, configuration: Configuration) -> Executor:
        return RemoteExecutor()
