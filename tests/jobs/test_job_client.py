"""JobClient (FLIP-74) on the embedded cluster: state, results, cancel, savepoints, attach."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from flink_notebook.cells.notebook import Notebook
from flink_notebook.engine.session import FlinkSession
from flink_notebook.jobs.client import JobClient
from flink_notebook.jobs.rest import RestClient

pytestmark = pytest.mark.cluster

TABLES = """
CREATE TEMPORARY TABLE IF NOT EXISTS job_ticks (k INT, n BIGINT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '50', 'fields.k.min' = '1', 'fields.k.max' = '3');
CREATE TEMPORARY TABLE IF NOT EXISTS job_counts (k INT, c BIGINT) WITH ('connector' = 'blackhole');
"""


@pytest.fixture(scope="module")
def run(shell):
    shell.run_cell_magic("flink_sql", "", TABLES)

    def submit(sql: str, line: str = "--detached -o h") -> JobClient:
        shell.run_cell_magic("flink_sql", line, sql)
        return shell.user_ns["h"]

    return submit


def test_cancel_then_cancel_again_is_a_clear_message(run):
    job = run("INSERT INTO job_counts SELECT k, n FROM job_ticks", "--detached -o h --name '<b>x'")
    assert job.cancel() == "CANCELED"
    with pytest.raises(UsageError, match="already CANCELED; nothing to cancel"):
        job.cancel()
    assert "&lt;b&gt;x" in job._repr_html_() and "<b>x" not in job._repr_html_()


def test_savepoints(run, tmp_path):
    job = run("INSERT INTO job_counts SELECT k, COUNT(*) FROM job_ticks GROUP BY k")
    deadline = time.monotonic() + 60
    while job.status() != "RUNNING" or any(
        v["status"] != "RUNNING" for v in job.progress()
    ):
        assert time.monotonic() < deadline, "job did not start"
        time.sleep(0.3)
    first = job.trigger_savepoint(str(tmp_path / "sp"))
    assert Path(first.removeprefix("file:")).exists()
    assert job.status() == "RUNNING"
    final = job.stop_with_savepoint(str(tmp_path / "sp"))
    assert Path(final.removeprefix("file:")).exists()
    assert job.status() == "FINISHED"


def test_attach_to_an_existing_job(run):
    job = run("INSERT INTO job_counts SELECT k, n FROM job_ticks",
              "--detached -o h --name attach-me")
    again = JobClient.attach(job.job_id, job.rest.url)
    assert again.name == "attach-me"
    assert again.status() in {"INITIALIZING", "CREATED", "RUNNING"}
    again.cancel()
    assert job.wait(timeout=30) == "CANCELED"


def test_query_result_and_plain_result(run, shell):
    shell.run_cell_magic("flink_sql", "-o q", "SELECT 1 AS x")
    job = Notebook.current().jobs[-1]
    assert job.result()["x"].tolist() == [1]
    summary = run("INSERT INTO job_counts VALUES (1, 2)", "-o h")
    assert summary.result()["state"] == "FINISHED"
    with pytest.raises(UsageError, match="not a query"):
        summary.to_pandas()


def test_unknown_job_and_unreachable_cluster_fail_fast(run):
    url = FlinkSession.current().embedded_cluster().address.url
    with pytest.raises(UsageError, match="No job"):
        JobClient.attach("0" * 32, url)
    with pytest.raises(UsageError, match="Cannot reach the Flink cluster at http://127.0.0.1:1"):
        RestClient("http://127.0.0.1:1").overview()


def test_wait_with_a_timeout_raises_when_the_job_is_still_running(run):
    job = run("INSERT INTO job_counts SELECT k, n FROM job_ticks")
    try:
        started = time.monotonic()
        with pytest.raises(UsageError, match=r"still (RUNNING|INITIALIZING|CREATED) after 1 s"):
            job.wait(timeout=1)
        waited = time.monotonic() - started
        assert 1 <= waited < 10, waited  # about the timeout, not Flink's own minutes
    finally:
        job.cancel()
