"""Faults on real clusters, each as a user meets it: an unreachable cluster, a TaskManager
or the JobManager killed mid-job, cancelling a job that has ended, a job that needs more
slots than the cluster has."""

from __future__ import annotations

import socket
import time

import psutil
import pytest
from IPython.core.error import UsageError

from flink_notebook.clusters.standalone import LocalCluster
from flink_notebook.core.ports import free_port
from flink_notebook.display.poller import JobPoller
from flink_notebook.display.renderers.snapshot import text_snapshot
from flink_notebook.engine.session import FlinkSession
from flink_notebook.executors.remote import RemoteExecutor
from flink_notebook.jobs.pipeline import Pipeline

pytestmark = pytest.mark.cluster

# Loss of a TaskManager is noticed within seconds, and a failed job is not restarted.
FAST_FAILURE = {
    "heartbeat.interval": "1000",
    "heartbeat.timeout": "4000",
    "restart-strategy.type": "none",
}
# ... or restarted once after 3 s, on another TaskManager.
ONE_RESTART = {
    **FAST_FAILURE,
    "restart-strategy.type": "fixed-delay",
    "restart-strategy.fixed-delay.attempts": "1",
    "restart-strategy.fixed-delay.delay": "3 s",
}
SOURCE = """
CREATE TEMPORARY TABLE IF NOT EXISTS fault_ticks (n BIGINT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '10');
CREATE TEMPORARY TABLE IF NOT EXISTS fault_rows (n BIGINT) WITH (
  'connector' = 'datagen', 'number-of-rows' = '50');
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
        poller = JobPoller(job)
        view = poller.poll()
        taskmanager = next(p for p in cluster.processes if p.role.startswith("taskmanager"))
        taskmanager.signal_group(9)
        until(lambda: poller.poll().ended)
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
        poller = JobPoller(job)
        view = poller.poll()
        assert view.ended and "last known state is RUNNING" in view.note


def test_cancelling_a_finished_job_says_it_has_ended(shell):
    shell.run_cell_magic("flink_sql", "--detached -o done_job",
                         "SELECT n FROM (VALUES (1), (2)) AS t(n)")
    job = shell.user_ns["done_job"]
    assert job.wait(timeout=120) == "FINISHED"
    with pytest.raises(UsageError, match="already FINISHED; nothing to cancel"):
        job.cancel()


def never_submitted(address):
    raise AssertionError(f"submitted to {address} although the cluster is unreachable")


@pytest.fixture(params=["refused", "silent"])
def unreachable_url(request):
    """No process on the port, or one that accepts connections and never answers."""
    if request.param == "refused":
        yield f"http://127.0.0.1:{free_port()}"
        return
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        yield f"http://127.0.0.1:{silent.getsockname()[1]}"


def test_an_unreachable_cluster_fails_within_seconds_naming_it(shell, unreachable_url):
    shell.run_cell_magic("flink_sql", "", SOURCE)
    started = time.monotonic()
    with pytest.raises(UsageError, match=f"Cannot reach the Flink cluster at {unreachable_url}"):
        shell.run_cell_magic("flink_sql", f"--target remote -D rest.address={unreachable_url}",
                             "INSERT INTO fault_sink SELECT n FROM fault_rows")
    cell = time.monotonic() - started

    configuration = FlinkSession.current().configuration.with_cell(
        {"execution.target": "remote", "rest.address": unreachable_url})
    started = time.monotonic()
    with pytest.raises(UsageError, match=f"Cannot reach the Flink cluster at {unreachable_url}"):
        RemoteExecutor().execute(Pipeline("x", "insert", 1, never_submitted), configuration)
    reach = time.monotonic() - started
    print(f"unreachable {unreachable_url}: executor {reach:.2f} s, whole cell {cell:.2f} s")
    assert reach < 5  # socket timeouts (2 s connect, 2.5 s answer), not machine speed


def busy_taskmanager(cluster: LocalCluster):
    """The TaskManager process whose slot the job holds (found by its data port)."""
    from flink_notebook.jobs.rest import RestClient

    rest = RestClient(cluster.rest_url)
    [busy] = [tm for tm in rest.taskmanagers() if tm["freeSlots"] < tm["slotsNumber"]]
    port = busy["dataPort"]
    for process in cluster.processes:
        if process.role.startswith("taskmanager") and any(
            c.laddr.port == port and c.status == psutil.CONN_LISTEN
            for c in psutil.Process(process.pid).net_connections("tcp")
        ):
            return process
    raise AssertionError(f"no TaskManager process listens on data port {port}")


def test_a_killed_taskmanager_restarts_the_job_and_the_view_says_why(shell):
    with LocalCluster(slots=1, taskmanagers=2, name="fault-restart",
                      options=ONE_RESTART) as cluster:
        job = start_job(shell, cluster, "restart_job")
        poller = JobPoller(job)
        view = poller.poll()
        busy_taskmanager(cluster).signal_group(9)
        seen = set()

        def restarted_and_running() -> bool:
            poller.poll()
            seen.add(view.state)
            return bool(view.note) and view.state == "RUNNING" and all(
                op.status == "RUNNING" for op in view.operators)

        until(restarted_and_running)
        assert view.note.startswith("Restarted after a failure: ")
        assert "no longer reachable" in view.note and "Caused by" not in view.note
        assert view.note in text_snapshot(view)
        print(f"states seen after the kill: {sorted(seen)}")
        assert job.cancel() == "CANCELED"


def test_a_job_needing_more_slots_than_a_session_cluster_has_is_refused(shell):
    shell.run_cell_magic("flink_sql", "", SOURCE)
    with LocalCluster(slots=1, name="fault-slots") as cluster:
        with pytest.raises(UsageError, match=f"The job needs 2 slots but the cluster at "
                                             f"{cluster.rest_url} has 1 free \\(of 1\\)"):
            shell.run_cell_magic("flink_sql", f"-p 2 --target remote -D rest.address="
                                 f"{cluster.rest_url}",
                                 "INSERT INTO fault_sink SELECT n FROM fault_rows")
        assert not cluster_jobs(cluster)  # refused before submitting


def cluster_jobs(cluster: LocalCluster) -> list[dict]:
    from flink_notebook.jobs.rest import RestClient

    return RestClient(cluster.rest_url).jobs_overview()


def test_a_job_needing_more_slots_than_the_embedded_cluster_has_is_refused(shell):
    shell.run_cell_magic("flink_sql", "", SOURCE)
    slots = int(FlinkSession.current().configuration.get("notebook.slots"))
    with pytest.raises(UsageError, match=f"needs {slots + 1} task slots but the embedded "
                                         f"cluster has {slots}.*notebook.slots={slots + 1}"):
        shell.run_cell_magic("flink_sql", f"-p {slots + 1} --target local",
                             "INSERT INTO fault_sink SELECT n FROM fault_rows")


def test_a_per_job_cluster_is_sized_for_its_job(shell):
    shell.run_cell_magic("flink_sql", "", SOURCE)
    shell.run_cell_magic("flink_sql", "-p 2 --target per-job --detached -o wide",
                         "INSERT INTO fault_sink SELECT n FROM fault_rows")
    job = shell.user_ns["wide"]
    assert job.cluster.slots == 2
    assert job.wait(timeout=120) == "FINISHED"
