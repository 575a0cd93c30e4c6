"""Leases: a cluster stops itself when its owner dies or its jobs have ended."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from flink_notebook.clusters.lease import watch
from flink_notebook.clusters.standalone import ClusterProcess, LocalCluster

# A bounded job with a Python UDF, submitted from a separate PyFlink client:
# it also shows the TaskManagers can run Python code.
SUBMIT_JOB = textwrap.dedent(
    """
    import os
    import sys

    # PyFlink would run the UDF in this client (loopback), which is about to exit.
    os.environ["_python_worker_execution_mode"] = "process"
    from pyflink.common import Configuration
    from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
    from pyflink.table.udf import udf

    conf = Configuration()
    for key, value in {
        "execution.target": "remote",
        "rest.address": "127.0.0.1",
        "rest.port": sys.argv[1],
        "parallelism.default": "1",
    }.items():
        conf.set_string(key, value)
    settings = EnvironmentSettings.new_instance().with_configuration(conf).build()
    t_env = TableEnvironment.create(settings)
    t_env.create_temporary_function(
        "plus_one", udf(lambda x: x + 1, result_type=DataTypes.BIGINT())
    )
    t_env.execute_sql(
        "CREATE TABLE numbers (x BIGINT) WITH ('connector'='datagen', 'number-of-rows'='100')"
    )
    t_env.execute_sql("CREATE TABLE sink (x BIGINT) WITH ('connector'='blackhole')")
    # Detached: the cluster goes away as soon as the job ends, nobody waits for it.
    result = t_env.execute_sql("INSERT INTO sink SELECT plus_one(x) FROM numbers")
    print(result.get_job_client().get_job_id())
    """
)


def wait_until_gone(processes: list[ClusterProcess], limit: float = 60) -> list[ClusterProcess]:
    """The processes still alive after waiting up to ``limit`` seconds for them to end."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and any(p.alive() for p in processes):
        time.sleep(1)
    return [p for p in processes if p.alive()]


@pytest.mark.cluster
def test_lease_stops_the_cluster_when_its_owner_is_killed():
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    cluster = LocalCluster(name="test-lease-owner")
    try:
        cluster.start(owner_pid=owner.pid)
        assert cluster.status() == "running"
        assert cluster.lease is not None and cluster.lease.alive()

        owner.kill()
        owner.wait()

        assert wait_until_gone([*cluster.processes, cluster.lease]) == []
        assert not cluster.registry_file.exists()
    finally:
        owner.kill()
        cluster.stop()


@pytest.mark.cluster
def test_lease_stops_the_cluster_once_its_job_has_ended():
    cluster = LocalCluster(name="test-lease-job")
    try:
        address = cluster.start(owner_pid=os.getpid(), until_job_ends=True)
        client = subprocess.run(
            [sys.executable, "-c", SUBMIT_JOB, str(address.port)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert client.returncode == 0, client.stderr[-2000:]
        job_id = client.stdout.split()[-1]

        assert wait_until_gone([*cluster.processes, cluster.lease]) == []
        assert not cluster.registry_file.exists()
        lease_log = (cluster.log_dir / "lease.out").read_text()
        assert f"jobs ended: {job_id} FINISHED" in lease_log
    finally:
        cluster.stop()


def test_watch_returns_once_the_cluster_is_gone():
    gone = ClusterProcess("jobmanager", os.getpid(), 0.0)  # same pid, other start time
    cluster = LocalCluster(name="never-started")
    cluster.processes = [gone]

    assert watch(cluster, owner=None, until_job_ends=True) == "cluster gone"
