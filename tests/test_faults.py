"""Faults on real clusters: a TaskManager or the JobManager killed mid-job, cancelling a
job that has ended. (Unreachable clusters and too few slots: test_executors_remote.py,
test_executors_local.py and test_cluster_magics.py.)"""

from __future__ import annotations

import time

import pytest
from IPython.core.error import UsageError

from flink_notebook.clusters import LocalCluster
from flink_notebook.display.view import JobView

pytestmark = pytest.mark.cluster

# Loss of a TaskManager is noticed within seconds, and a failed job is not restarted.
FAST_FAILURE = {
    "heartbeat.interval": "1000",
    "heartbeat.timeout": "4000",
    "restart-strategy.type": "none",
}
SOURCE = """
CREATE TEMPORARY TABLE IF NOT EXISTS fault_ticks (n BIGINT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '10');
CREATE TEMPORARY TABLE IF NOT EXISTS fault_sink (n BIGINT) WITH ('connector' = 'blackhole');
"""


def until(predicate, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.3)


def start_job(shell, cluster: LocalCluster, out: str):
    shell.run_cell_magic("flink_sql", "", SOURCE)
    shell.run_cell_magic(
        "flink_sql",
        f"--target remote --detached -D rest.address={cluster.rest_url} -o {out}",
        "INSERT INTO fault_sink SELECT n FROM fault_ticks",
    )
    job = shell.user_ns[out]
    until(lambda: job.status() == "RUNNING"
          and all(v["status"] == "RUNNING" for v in job._last_details.get("vertices", [])))
    return job


def test_a_killed_taskmanager_fails_the_job_and_the_view_says_why(shell):
    with LocalCluster(slots=1, name="fault-tm", options=FAST_FAILURE) as cluster:
        job = start_job(shell, cluster, "tm_job")
        view = JobView(job).refresh()
        taskmanager = next(p for p in cluster.processes if p.role.startswith("taskmanager"))
        taskmanager.signal_group(9)
        until(lambda: view.refresh().ended)
        assert view.state == "FAILED"
        assert "TaskManager with id" in view.failure and "no longer reachable" in view.failure
        assert "Caused by" not in view.failure  # short; the whole trace is behind a toggle
        assert "no longer reachable" in view.failure_trace  # JobMaster or ResourceManager says it


def test_a_killed_jobmanager_is_reported_with_the_last_known_state(shell):
    with LocalCluster(slots=1, name="fault-jm") as cluster:
        job = start_job(shell, cluster, "jm_job")
        jobmanager = next(p for p in cluster.processes if p.role == "jobmanager")
        jobmanager.signal_group(9)
        until(lambda: not jobmanager.alive(), 30)
        with pytest.raises(UsageError, match="Lost the connection to the cluster of job .*"
                                             "last known state is RUNNING"):
            job.wait(timeout=60)
        view = JobView(job).refresh()
        assert view.ended and "last known state is RUNNING" in view.note


def test_cancelling_a_finished_job_says_it_has_ended(shell):
    shell.run_cell_magic("flink_sql", "--detached -o done_job",
                         "SELECT n FROM (VALUES (1), (2)) AS t(n)")
    job = shell.user_ns["done_job"]
    assert job.wait(timeout=120) == "FINISHED"
    with pytest.raises(UsageError, match="already FINISHED; nothing to cancel"):
        job.cancel()
