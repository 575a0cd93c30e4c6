"""The per-job executor: a real cluster per job, gone when the job is."""

from __future__ import annotations

import time

import pytest

from flink_notebook.testing.executor import ExecutorConformanceTests


class TestPerJobExecutor(ExecutorConformanceTests):
    target = "per-job"

    @pytest.mark.cluster
    def test_attached_job_cluster_stops_after_the_end(self, session, configuration) -> None:
        job = self._run(
            session, configuration, "INSERT INTO conformance_sink SELECT n FROM conformance_rows"
        )
        processes = list(job.cluster.processes)
        assert job.cluster.slots == 1

        assert job.wait(timeout=120) == "FINISHED"
        assert not [proc for proc in processes if proc.alive()]
        assert job.status() == "FINISHED"  # remembered after the cluster is gone


@pytest.mark.cluster
def test_detached_cell_cluster_ends_itself_and_the_handle_knows_how(shell):
    shell.run_cell_magic(
        "flink_sql", "--target per-job --detached -o pj",
        "CREATE TEMPORARY TABLE IF NOT EXISTS pj_rows (n INT) WITH "
        "('connector'='datagen','number-of-rows'='20');"
        "CREATE TEMPORARY TABLE IF NOT EXISTS pj_sink (n INT) WITH ('connector'='blackhole');"
        "INSERT INTO pj_sink SELECT n FROM pj_rows",
    )
    job = shell.user_ns["pj"]
    deadline = time.monotonic() + 90
    while job.cluster.status() != "stopped":  # the lease stops it, not the notebook
        assert time.monotonic() < deadline, "the per-job cluster did not end with its job"
        time.sleep(1)
    assert job.status() == "FINISHED"
    assert job.result()["state"] == "FINISHED"


@pytest.mark.cluster
def test_attached_query_returns_its_rows_and_its_cluster_still_goes(shell):
    """The cell returns once every row is in; the cluster stops when Flink has wound the
    job down."""
    import time

    from flink_notebook.session import FlinkSession

    shell.run_cell_magic("flink_sql", "--target per-job -o doubled",
                         "SELECT n * 2 AS m FROM (VALUES (1), (2)) AS t(n)")
    assert sorted(shell.user_ns["doubled"]["m"]) == [2, 4]
    job = FlinkSession.current().jobs[-1]
    processes = list(job.cluster.processes)
    deadline = time.monotonic() + 120
    while any(p.alive() for p in processes) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not [p for p in processes if p.alive()]
    assert job.status() == "FINISHED"
