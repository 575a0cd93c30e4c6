"""The ``local`` target: a session MiniCluster inside the kernel's own JVM.

It starts once (in the background at ``%load_ext``), serves every cell of the
kernel, and listens on 127.0.0.1 only, on a free port; its REST API and web UI
are the same as a real cluster's, so job handles work the same way.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from flink_notebook.executors.base import Executor, ExecutorFactory
from flink_notebook.pipeline import ClusterAddress

if TYPE_CHECKING:
    from flink_notebook.config import Configuration
    from flink_notebook.job import JobClient
    from flink_notebook.pipeline import Pipeline


class EmbeddedCluster:
    """A MiniCluster in the py4j JVM with ``slots`` task slots."""

    def __init__(self, gateway: Any, slots: int) -> None:
        self.slots = slots
        self._gateway = gateway
        self._lock = threading.Lock()
        self._mini_cluster: Any = None
        self.address: ClusterAddress | None = None

    def start(self) -> ClusterAddress:
        with self._lock:
            if self.address is None:
                jvm = self._gateway.jvm
                conf = jvm.org.apache.flink.configuration.Configuration()
                for key in ("rest.bind-address", "rest.address", "jobmanager.bind-host",
                            "taskmanager.bind-host", "taskmanager.host"):
                    conf.setString(key, "127.0.0.1")
                conf.setString("rest.port", "0")
                minicluster = jvm.org.apache.flink.runtime.minicluster
                settings = (
                    minicluster.MiniClusterConfiguration.Builder()
                    .setConfiguration(conf)
                    .setNumTaskManagers(1)
                    .setNumSlotsPerTaskManager(self.slots)
                    .build()
                )
                cluster = minicluster.MiniCluster(settings)
                cluster.start()
                uri = cluster.getRestAddress().get()
                self._mini_cluster = cluster
                self.address = ClusterAddress("127.0.0.1", uri.getPort())
            return self.address

    def busy(self) -> bool:
        """True while a job on it has not ended."""
        if self.address is None:
            return False
        from flink_notebook.rest import RestClient

        jobs = RestClient(self.address.url).jobs_overview()
        return any(job["state"] not in ("FINISHED", "CANCELED", "FAILED") for job in jobs)

    def restart(self, slots: int) -> None:
        """Start again with ``slots`` task slots (on a new port; the catalog is unaffected)."""
        self.stop()
        self.slots = slots
        self.start()

    def stop(self) -> None:
        with self._lock:
            if self._mini_cluster is not None:
                try:
                    self._mini_cluster.close()
                except Exception:  # the JVM may already be gone at exit
                    pass
                self._mini_cluster = None
                self.address = None


class LocalExecutor(Executor):
    """Runs pipelines on the kernel's embedded cluster."""

    def execute(self, pipeline: Pipeline, configuration: Configuration) -> JobClient:
        from flink_notebook.job import JobClient
        from flink_notebook.rest import RestClient
        from flink_notebook.session import FlinkSession

        session = FlinkSession.current()
        session.ensure_started()
        cluster = session.embedded_cluster()
        configured = int(configuration.get("notebook.slots"))
        if configured != cluster.slots and not cluster.busy():
            cluster.restart(configured)  # sized from the configuration while it is idle
        needed = pipeline.parallelism or session.parallelism(configuration)
        if needed > cluster.slots:
            raise UsageError(
                f"The job needs {needed} task slots but the embedded cluster has {cluster.slots}. "
                f"Lower the parallelism (-p {cluster.slots}), or run "
                f"%flink_config notebook.slots={needed} (the cluster is resized when no job "
                "runs on it)."
            )
        address = cluster.start()
        submission = pipeline.submit(address)
        return JobClient(
            submission.job_id, RestClient(address.url), name=pipeline.name,
            result=submission.result,
        )


class LocalExecutorFactory(ExecutorFactory):
    name = "local"
    description = "embedded Flink MiniCluster in the kernel (default, needs only Java)"

    def get_executor(self, configuration: Configuration) -> Executor:
        return LocalExecutor()
