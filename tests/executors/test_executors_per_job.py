"""The per-job executor: a real cluster per job, gone when the job is."""

from __future__ import annotations

import pytest
from waiting import until

from flink_notebook.cells.notebook import Notebook
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
    # The lease stops it, not the notebook.
    until(lambda: job.cluster.status() == "stopped", "the per-job cluster ending with its job")
    assert job.status() == "FINISHED"
    assert job.result()["state"] == "FINISHED"


@pytest.mark.cluster
def test_attached_query_returns_its_rows_and_its_cluster_still_goes(shell):
    """The cell returns once every row is in; the cluster stops when Flink has wound the
    job down."""

    shell.run_cell_magic("flink_sql", "--target per-job -o doubled",
                         "SELECT n * 2 AS m FROM (VALUES (1), (2)) AS t(n)")
    assert sorted(shell.user_ns["doubled"]["m"]) == [2, 4]
    job = Notebook.current().jobs[-1]
    processes = list(job.cluster.processes)
    until(lambda: not any(p.alive() for p in processes), "the per-job cluster gone")
    assert job.status() == "FINISHED"


@pytest.mark.cluster
def test_several_jobs_in_one_cell_get_a_cluster_each(shell):
    shell.run_cell_magic(
        "flink_sql", "",
        "CREATE TEMPORARY TABLE IF NOT EXISTS pj_rows (n INT) WITH "
        "('connector'='datagen','number-of-rows'='20');"
        "CREATE TEMPORARY TABLE IF NOT EXISTS pj_sink (n INT) WITH ('connector'='blackhole');",
    )
    shell.run_cell_magic(
        "flink", "--target per-job -o pair",
        "t_env.execute_sql('INSERT INTO pj_sink SELECT n FROM pj_rows')\n"
        "t_env.execute_sql('INSERT INTO pj_sink SELECT n * 2 FROM pj_rows')\n",
    )
    first, second = shell.user_ns["pair"]
    assert first.cluster is not second.cluster
    assert first.rest.url != second.rest.url  # two clusters, two REST endpoints
    assert [first.status(), second.status()] == ["FINISHED", "FINISHED"]
    processes = [*first.cluster.processes, *second.cluster.processes]
    until(lambda: not any(p.alive() for p in processes), "both per-job clusters gone")
