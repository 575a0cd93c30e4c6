"""A deployment outlives the kernel that made it: killed, its job runs on its per-job
cluster; ``flink-notebook deploy list`` (another process) shows it RUNNING with its notebook,
and ``deploy stop`` ends it and its cluster."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from kernels import kill_9, run, started_kernel
from waiting import until

from flink_notebook.clusters.standalone import LocalCluster
from flink_notebook.deploy.records import Records

pytestmark = pytest.mark.cluster

CELL = ("%%flink_deploy survivor\n"
        "CREATE TEMPORARY TABLE k_src (n INT) WITH ('connector'='datagen', "
        "'rows-per-second'='5');\n"
        "CREATE TEMPORARY TABLE k_sink (n INT) WITH ('connector'='blackhole');\n"
        "INSERT INTO k_sink SELECT n FROM k_src")


def cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flink_notebook", "deploy", *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_deployment_runs_on_after_its_kernel_is_killed_and_the_cli_stops_it():
    manager, client = started_kernel({**os.environ, "JPY_SESSION_NAME": "pipelines/k.ipynb"})
    try:
        run(client, "%load_ext flink_notebook")
        run(client, CELL)
    finally:
        client.stop_channels()
        kill_9(manager)
    version = Records().find("survivor")
    [cluster] = [c for c in LocalCluster.known() if c.name == version.cluster]
    try:
        until(lambda: not cluster.owner.alive(), "the kernel gone")
        until(lambda: "RUNNING" in cli("list"), "the job running after its kernel", seconds=120)
        [row] = [line.split() for line in cli("list").splitlines() if line.startswith("survivor")]
        assert row[:5] == ["survivor", "v1", version.job_id, "RUNNING", cluster.name]
        assert row[-2] == "pipelines/k.ipynb"
        assert cli("stop", "survivor").strip() == (
            f"stopped survivor v1 (job {version.job_id}, CANCELED)")
        until(lambda: cluster.status() == "stopped", "its cluster stopping", seconds=60)
        [row] = [line.split() for line in cli("list").splitlines() if line.startswith("survivor")]
        assert row[3] == "CANCELED"
    finally:
        cluster.stop()
