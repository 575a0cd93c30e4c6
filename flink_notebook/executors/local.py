"""The ``local`` target: the kernel's embedded cluster (a session MiniCluster in the
kernel's JVM, see :mod:`flink_notebook.clusters.embedded`), the default."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from IPython.core.error import UsageError

from flink_notebook.executors.base import Executor, ExecutorFactory, submit

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration
    from flink_notebook.jobs.client import JobClient
    from flink_notebook.jobs.pipeline import Pipeline


class LocalExecutor(Executor):
    """Runs pipelines on the kernel's embedded cluster."""

    def execute(self, pipeline: Pipeline, configuration: Configuration) -> JobClient:
        from flink_notebook.core.java import flink_log_dir
        from flink_notebook.jobs.rest import RestClient

        session = pipeline.engine
        if session is None:
            raise UsageError("The local target runs pipelines built on the kernel's Flink "
                             "session (a notebook cell's); this one names no session.")
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
        if cluster.repair():
            print("flink-notebook: the embedded cluster had lost its TaskManager and has a new "
                  f"one (the kernel's Flink log in {flink_log_dir()} says what stopped it).",
                  file=sys.stderr)
        return submit(pipeline, address, RestClient(address.url), output=False,
                      target="the embedded cluster")


class LocalExecutorFactory(ExecutorFactory):
    name = "local"
    description = "embedded Flink MiniCluster in the kernel (default, needs only Java)"

    def get_executor(self, configuration: Configuration) -> Executor:
        return LocalExecutor()
