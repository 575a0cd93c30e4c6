"""A detached per-job job outlives the kernel that started it (issue 33, item 1): its
cluster ends with the job, never with the kernel, whether the kernel is shut down or
killed. A later kernel lists it, attaches to it by id, and cancelling it stops its cluster.
An attached job's cluster still goes with a killed kernel."""

from __future__ import annotations

import os

import httpx
import pytest
from kernels import kill_9, run, started_kernel
from waiting import until

from flink_notebook.clusters.standalone import LocalCluster
from flink_notebook.jobs.attach import left_running

pytestmark = pytest.mark.cluster

TABLES = ("%%flink_sql\n"
          "CREATE TEMPORARY TABLE o_src (n INT) WITH ('connector'='datagen', "
          "'rows-per-second'='5');\n"
          "CREATE TEMPORARY TABLE o_sink (n INT) WITH ('connector'='blackhole')")
DETACHED = "%%flink_sql --target per-job --detached -o pj\nINSERT INTO o_sink SELECT n FROM o_src"
ATTACHED = ("%%flink_sql --target per-job -D notebook.renderer=text\n"
            "INSERT INTO o_sink SELECT n FROM o_src")


def jobs_on(cluster: LocalCluster) -> list[dict]:
    """The jobs on ``cluster`` (none while its REST API is not up yet)."""
    try:
        return httpx.get(f"{cluster.rest_url}/jobs/overview", timeout=5).json().get("jobs", [])
    except httpx.HTTPError:
        return []


def per_job_clusters() -> dict[str, LocalCluster]:
    return {c.name: c for c in LocalCluster.known() if c.status() == "running"}


@pytest.mark.parametrize("end", ["shut down", "killed"])
def test_a_detached_job_runs_on_after_its_kernel_and_a_later_one_cancels_it(shell, end):
    before = set(per_job_clusters())
    manager, client = started_kernel({**os.environ, "JPY_SESSION_NAME": "pipelines/orders.ipynb"})
    try:
        run(client, "%load_ext flink_notebook")
        run(client, TABLES)
        run(client, DETACHED)
        job_id = run(client, "print(pj.job_id)").strip()
        [cluster] = [c for name, c in per_job_clusters().items() if name not in before]
        assert cluster.detached and cluster.notebook == "pipelines/orders.ipynb"
    finally:
        client.stop_channels()
        if end == "killed":
            kill_9(manager)
        else:
            manager.shutdown_kernel(now=False)  # the notebook closes what it started
    try:
        owner = cluster.owner
        until(lambda: not owner.alive(), "the kernel gone")
        lease_log = cluster.log_dir / "lease.out"
        until(lambda: lease_log.is_file() and "its detached job runs on" in lease_log.read_text(),
              "the lease seeing the kernel gone", seconds=60)
        assert cluster.status() == "running"
        state = httpx.get(f"{cluster.rest_url}/jobs/{job_id}", timeout=5).json()["state"]
        assert state == "RUNNING"

        # A later kernel (here: the test's own notebook) sees it, marked as whose it is.
        [listed] = [job for job in left_running() if job.job_id == job_id]
        assert listed.origin == "an earlier kernel (pipelines/orders.ipynb)"
        # Listed again: the same handle, not one more connection to the cluster.
        assert [job for job in left_running() if job.job_id == job_id] == [listed]
        assert next(job for job in left_running() if job.job_id == job_id) is listed
        table = shell.run_line_magic("flink_jobs", "").set_index("job_id")  # no widgets here
        assert table.loc[job_id, "state"] == "RUNNING"
        assert table.loc[job_id, "target"] == (
            "per-job, from an earlier kernel (pipelines/orders.ipynb)")
        job = shell.run_line_magic("flink_attach", f"{job_id} -o again") or shell.user_ns["again"]
        assert job.cluster is not None and job.cluster.name == cluster.name
        job.cancel()
        until(lambda: cluster.status() == "stopped" and not cluster.registry_file.exists(),
              "the cancelled job's cluster stopping", seconds=60)
        assert job.status() == "CANCELED"
    finally:
        cluster.stop()


def test_an_attached_jobs_cluster_goes_with_a_killed_kernel():
    before = set(per_job_clusters())
    manager, client = started_kernel({**os.environ, "JPY_SESSION_NAME": "attached.ipynb"})
    try:
        run(client, "%load_ext flink_notebook")
        run(client, TABLES)
        client.execute(ATTACHED)  # runs until the kernel dies
        until(lambda: len(set(per_job_clusters()) - before) == 1, "the per-job cluster",
              seconds=120)
        [cluster] = [c for name, c in per_job_clusters().items() if name not in before]
        until(lambda: jobs_on(cluster), "the job on it", seconds=120)
        assert not cluster.detached
    finally:
        client.stop_channels()
        kill_9(manager)
    try:
        until(lambda: cluster.status() == "stopped", "the cluster going with its kernel",
              seconds=60)
    finally:
        cluster.stop()
