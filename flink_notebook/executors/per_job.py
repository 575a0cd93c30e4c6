"""The ``per-job`` target: a fresh standalone cluster for every job, gone when it is.

Each pipeline gets a :class:`~flink_notebook.clusters.standalone.LocalCluster` with as
many slots as its parallelism. The cluster goes away when the job is over
(attached: when its handle sees the end; detached: its lease watches the jobs).
An attached job's cluster also goes when the kernel that started it dies (its owner
lease); a detached job runs on after its kernel, until it ends or is cancelled (from a
later kernel: ``%flink_jobs``, ``%flink_attach JOB_ID``). A detached query is the
notebook's (its rows have nowhere else to go): it goes with the kernel.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from flink_notebook.clusters.standalone import LocalCluster
from flink_notebook.core.progress import step
from flink_notebook.executors.base import Executor, ExecutorFactory, submit

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration
    from flink_notebook.jobs.client import JobClient
    from flink_notebook.jobs.pipeline import Pipeline


class PerJobExecutor(Executor):
    """Starts one cluster per pipeline and stops the ones still running on close."""

    def __init__(self) -> None:
        self._clusters: list[LocalCluster] = []
        self._lock = threading.Lock()

    def execute(self, pipeline: Pipeline, configuration: Configuration) -> JobClient:
        from flink_notebook.engine.session import FlinkSession
        from flink_notebook.jobs.rest import RestClient

        slots = pipeline.parallelism or FlinkSession.parallelism(configuration)
        attached = configuration.get("execution.attached") is not False
        cluster = LocalCluster(slots=slots)
        # A query's rows are fetched from the cluster after the job ends: only
        # its handle knows when they are all read, so it stops that cluster.
        ends_itself = not attached and pipeline.kind != "query"
        with self._lock:
            self._clusters = [c for c in self._clusters if c.status() != "stopped"]
            self._clusters.append(cluster)
        with step("Starting a per-job cluster", counting=True):
            address = cluster.start(
                timeout=float(configuration.get("notebook.startup-timeout") or 90),
                owner_pid=os.getpid(),
                until_job_ends=ends_itself,
            )
        try:
            job = submit(pipeline, address, RestClient(address.url), cluster=cluster,
                         target=f"its per-job cluster ({address.url})")
        except BaseException:
            cluster.stop()
            raise
        if ends_itself:
            # A detached job outlives this kernel: its lease stops the cluster when the job
            # ends, and closing the notebook leaves it running.
            with self._lock:
                self._clusters = [c for c in self._clusters if c is not cluster]
        return job

    def close(self) -> None:
        with self._lock:
            clusters, self._clusters = self._clusters, []
        for cluster in clusters:
            cluster.stop()


class PerJobExecutorFactory(ExecutorFactory):
    name = "per-job"
    description = "a dedicated local Flink cluster per job, stopped when the job ends"

    def get_executor(self, configuration: Configuration) -> Executor:
        return PerJobExecutor()
