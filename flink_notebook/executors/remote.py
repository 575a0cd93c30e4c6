"""The ``remote`` target: an existing Flink session cluster, found by ``rest.address``.

Any session cluster whose REST API is reachable works: one started with
``flink-notebook cluster start``, a standalone or a Kubernetes/YARN session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from IPython.core.error import UsageError

from flink_notebook.core.address import ClusterAddress, configured_remote
from flink_notebook.core.flink_versions import check_cluster
from flink_notebook.core.progress import step
from flink_notebook.core.secrets import mask_text
from flink_notebook.executors.base import Executor, ExecutorFactory, submit
from flink_notebook.jobs.rest import reached

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration
    from flink_notebook.engine.session import FlinkSession
    from flink_notebook.jobs.client import JobClient
    from flink_notebook.jobs.pipeline import Pipeline

def remote_address(configuration: Configuration) -> ClusterAddress:
    """The session cluster ``rest.address`` and ``rest.port`` name; says how to set them
    when they are not."""
    address = configured_remote(configuration)
    if address is None:
        raise UsageError(
            "The remote target needs the cluster's REST address: "
            "%flink_config rest.address=HOST rest.port=PORT, or rest.address=URL "
            "(start one with %flink_cluster start or `flink-notebook cluster start`)."
        )
    return address


def _check_flink_trusts(address: ClusterAddress, configuration: Configuration) -> None:
    """Flink's client, which submits the job and fetches its rows, checks an https
    cluster's certificate with Java's truststore, not with notebook.rest-verify: a private CA
    given to ours only would fail the submission after a minute of retries."""
    from flink_notebook.core.rest_options import rest_verify

    verify = rest_verify(configuration)
    if address.scheme != "https" or not isinstance(verify, str) or \
            "security.ssl.rest.truststore" in configuration.flink_options():
        return
    raise UsageError(
        f"notebook.rest-verify ({verify}) lets this notebook trust {address.url}, but Flink's "
        "client, which submits the job, needs the same CA in a Java truststore: set "
        "security.ssl.rest.truststore (keytool -importcert -file <the CA's PEM> -keystore "
        "trust.p12) and security.ssl.rest.truststore-password. See docs/tls.md.")


def check_versions(configuration: Configuration, engine: FlinkSession | None = None) -> None:
    """Refuse the remote cluster now when it runs another Flink minor version than the
    kernel's (or is not there): a cell about to submit asks this before the kernel's Java
    starts, so a new kernel hears it within seconds, not after Java's start and the plan.
    With the session (``engine``), headers it cannot send are refused first, as the
    submission would (a proxy would refuse this request without them)."""
    address = remote_address(configuration)
    if engine is not None:
        engine.check_submission_headers(configuration)
    with step(f"Reaching {mask_text(address.url)}"):
        rest, _ = reached(address.url, configuration)
    rest.close()
    check_cluster(address.url, rest.cluster_version or "")


class RemoteExecutor(Executor):
    """Submits pipelines to the session cluster at ``rest.address:rest.port``."""

    def execute(self, pipeline: Pipeline, configuration: Configuration) -> JobClient:
        address = remote_address(configuration)
        if pipeline.engine is not None:
            pipeline.engine.check_submission_headers(configuration)
        with step(f"Submitting to {mask_text(address.url)}"):  # said while it is asked too
            return self._execute(pipeline, configuration, address)

    def _execute(self, pipeline: Pipeline, configuration: Configuration,
                 address: ClusterAddress) -> JobClient:
        from flink_notebook.engine.session import FlinkSession

        # before Java starts: an unreachable cluster fails at once
        rest, overview = reached(address.url, configuration)
        try:
            # A job built with another Flink would be refused there, or fail on its classes:
            # refused here, before anything is sent, by the version /config said (reached).
            check_cluster(address.url, rest.cluster_version or "")
            _check_flink_trusts(address, configuration)
            needed = pipeline.parallelism or FlinkSession.parallelism(configuration)
            free = overview.get("slots-available", 0)
            # Flink would wait minutes for slots and then fail; say it now.
            if needed > free:
                raise UsageError(
                    f"The job needs {needed} slots but the cluster at {address.url} has {free} "
                    f"free (of {overview.get('slots-total', 0)}). Lower the parallelism "
                    f"(-p {max(free, 1)}) or free slots by cancelling jobs there."
                )
        except BaseException:
            rest.close()  # its socket now, not when the collector gets to it
            raise
        return submit(pipeline, address, rest)


class RemoteExecutorFactory(ExecutorFactory):
    name = "remote"
    description = "an existing Flink session cluster at rest.address:rest.port"

    def get_executor(self, configuration: Configuration) -> Executor:
        return RemoteExecutor()
