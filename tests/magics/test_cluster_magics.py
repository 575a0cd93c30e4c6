"""%flink_cluster and %flink_attach against real standalone clusters."""

from __future__ import annotations

import shlex
import socket

import psutil
import pytest
from IPython.core.error import UsageError
from state_markers import NAME_RULE, NOT_NAMES, given, left_alone, planted_state
from waiting import until

from flink_notebook.cells.notebook import Notebook
from flink_notebook.engine.session import FlinkSession

SOURCE = """
CREATE TEMPORARY TABLE IF NOT EXISTS attach_ticks (n BIGINT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '5');
CREATE TEMPORARY TABLE IF NOT EXISTS attach_sink (n BIGINT) WITH ('connector' = 'blackhole');
"""


@pytest.mark.cluster
def test_start_run_remote_status_attach_and_stop(shell, capsys):
    configuration = FlinkSession.current().configuration
    shell.run_line_magic("flink_cluster", "start --slots 2 --name nb-magic-test")
    session = Notebook.current()
    cluster = next(c for c in session.clusters if c.name == "nb-magic-test")
    pids = list(cluster.pids)
    try:
        assert cluster.status() == "running"
        assert cluster.rest_url.startswith("http://127.0.0.1:")
        assert f"http://127.0.0.1:{configuration.get('rest.port')}" == cluster.rest_url
        assert configuration.get("execution.target") == "local"  # no --use: unchanged

        # A bounded query on it through the remote target.
        shell.run_cell_magic(
            "flink_sql", "--target remote -o rows",
            "SELECT n * 2 AS twice FROM (VALUES (1), (2), (3)) AS t(n)",
        )
        assert sorted(shell.user_ns["rows"]["twice"]) == [2, 4, 6]

        table = shell.run_line_magic("flink_cluster", "status")
        row = table[table["name"] == "nb-magic-test"].iloc[0]
        assert (row["state"], row["started_by"], row["remote_target"]) == (
            "running", "this notebook", "yes")

        # A detached job there, then a second handle for it through %flink_attach.
        shell.run_cell_magic("flink_sql", "", SOURCE)
        shell.run_cell_magic("flink_sql", "--target remote --detached -o original",
                             "INSERT INTO attach_sink SELECT n FROM attach_ticks")
        original = shell.user_ns["original"]
        until(lambda: original.status() == "RUNNING", "the detached job running")
        shell.run_line_magic("flink_attach", f"{original.job_id} -o again")
        again = shell.user_ns["again"]
        assert again is not original and again.job_id == original.job_id
        assert again.status() == "RUNNING"
        assert again.rest.url == cluster.rest_url
        assert again.cancel() == "CANCELED"
        assert original.status() == "CANCELED"
    finally:
        shell.run_line_magic("flink_cluster", "stop nb-magic-test")
    assert "Stopped nb-magic-test. The remote target pointed at it: rest.address and " \
        "rest.port are unset." in capsys.readouterr().out
    assert not [pid for pid in pids if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert configuration.get("rest.address") is None  # the remote target no longer points there
    assert all(c.name != "nb-magic-test" for c in session.clusters)


@pytest.mark.cluster
def test_attach_to_a_job_on_the_embedded_cluster_by_default(shell):
    shell.run_cell_magic("flink_sql", "", SOURCE)
    shell.run_cell_magic("flink_sql", "--detached -o embedded_job",
                         "INSERT INTO attach_sink SELECT n FROM attach_ticks")
    job = shell.user_ns["embedded_job"]
    try:
        shell.run_line_magic("flink_attach", f"{job.job_id.upper()} -o handle")
        handle = shell.user_ns["handle"]
        assert handle.job_id == job.job_id
        assert handle.status() in ("CREATED", "INITIALIZING", "RUNNING")
        assert handle in Notebook.current().jobs  # listed by %flink_jobs
    finally:
        job.cancel()


def test_attach_says_what_a_job_id_is(shell):
    with pytest.raises(UsageError, match="not a Flink job id"):
        shell.run_line_magic("flink_attach", "12345")


@pytest.mark.cluster
def test_attach_to_an_unknown_job_names_it(shell):
    missing = "0" * 32
    with pytest.raises(UsageError, match=f"No job {missing}"):
        shell.run_line_magic("flink_attach", missing)


def test_attach_to_an_unreachable_cluster_names_it(shell):
    with pytest.raises(UsageError, match="Cannot reach the Flink cluster at http://127.0.0.1:9"):
        shell.run_line_magic("flink_attach", f"{'a' * 32} --rest 127.0.0.1:9")


def test_stop_without_a_cluster_of_this_notebook_says_what_to_do(shell, monkeypatch):
    monkeypatch.setattr(Notebook.current(), "clusters", [])  # whatever other tests did
    with pytest.raises(UsageError, match="no running cluster.*%flink_cluster status"):
        shell.run_line_magic("flink_cluster", "stop")


def test_attach_to_a_cluster_that_never_answers_names_it(shell):
    silent = socket.socket()  # accepts connections (backlog) but never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    try:
        with pytest.raises(UsageError, match=f"Cannot reach the Flink cluster at {url} "
                                             r"\(timed out\)"):
            shell.run_line_magic("flink_attach", f"{'b' * 32} --rest {url}")
    finally:
        silent.close()


@pytest.mark.cluster
def test_taskmanagers_status_of_cli_clusters_and_stop_all(shell, capsys):
    import subprocess
    import sys

    import httpx

    from flink_notebook.clusters.standalone import LocalCluster

    cli = subprocess.run([sys.executable, "-m", "flink_notebook", "cluster", "start",
                          "--name", "from-cli"], capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    session = Notebook.current()
    try:
        shell.run_line_magic("flink_cluster", "start --taskmanagers 2 --slots 1 --name nb-two")
        two = next(c for c in session.clusters if c.name == "nb-two")
        overview = httpx.get(f"{two.rest_url}/overview", timeout=5).json()
        assert (overview["taskmanagers"], overview["slots-total"]) == (2, 2)
        table = shell.run_line_magic("flink_cluster", "status").set_index("name")
        assert table.loc["from-cli", "started_by"] == "elsewhere"
        assert table.loc["from-cli", "state"] == "running"
        assert (table.loc["nb-two", "started_by"], table.loc["nb-two", "taskmanagers"]) == (
            "this notebook", 2)
        processes = [*two.processes, *LocalCluster.load("from-cli").processes]
    finally:
        shell.run_line_magic("flink_cluster", "stop --all")
    said = capsys.readouterr().out
    assert "Stopped from-cli." in said and "Stopped nb-two." in said
    assert not [p for p in processes if p.alive()]
    assert not LocalCluster.known()


@pytest.mark.parametrize("name", NOT_NAMES)
@pytest.mark.parametrize("line", ["start --name {}", "stop {}"])
def test_a_cluster_name_that_is_a_path_is_refused_and_nothing_touched(
        shell, tmp_path, monkeypatch, line, name):
    planted = planted_state(tmp_path, monkeypatch)
    name = given(name, tmp_path)

    with pytest.raises(UsageError) as refused:
        shell.run_line_magic("flink_cluster", line.format(shlex.quote(name)))

    assert str(refused.value).startswith(f"Cluster name {name!r}: {NAME_RULE}")
    assert left_alone(planted)
