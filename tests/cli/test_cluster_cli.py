"""``flink-notebook cluster start|status|stop`` in separate processes, as a user runs them."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from IPython.core.error import UsageError
from state_markers import NAME_RULE, NOT_NAMES, given, left_alone, planted_state

from flink_notebook.cli import main
from flink_notebook.clusters.registry import clusters_dir
from flink_notebook.clusters.standalone import LocalCluster


def flink_notebook(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flink_notebook", *args],
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture
def cleanup():
    yield
    for name in ("test-cli", "test-cli-2"):
        if (clusters_dir() / f"{name}.json").exists():
            LocalCluster.load(name).stop()


@pytest.mark.cluster
def test_started_cluster_outlives_the_command_until_stopped(cleanup):
    started = flink_notebook("cluster", "start", "--name", "test-cli", "--slots", "2")
    assert started.returncode == 0, started.stderr
    cluster = LocalCluster.load("test-cli")
    assert cluster.rest_url in started.stdout
    assert cluster.lease is None

    overview = httpx.get(f"{cluster.rest_url}/overview", timeout=5).json()
    assert overview["slots-total"] == 2

    status = flink_notebook("cluster", "status")
    assert f"test-cli\trunning\t{cluster.rest_url}" in status.stdout

    stopped = flink_notebook("cluster", "stop", "--name", "test-cli")
    assert stopped.returncode == 0, stopped.stderr
    assert "Stopped test-cli." in stopped.stdout
    assert not [proc for proc in cluster.processes if proc.alive()]  # zombies count as gone
    assert "test-cli" not in flink_notebook("cluster", "status").stdout


def test_stopping_an_unknown_cluster_says_so():
    stopped = flink_notebook("cluster", "stop", "--name", "no-such-cluster")

    assert stopped.returncode == 2
    assert "No cluster named 'no-such-cluster'" in stopped.stderr


@pytest.mark.cluster
def test_stop_without_a_name_stops_the_only_cluster_and_lists_several(cleanup):
    for name in ("test-cli", "test-cli-2"):
        started = flink_notebook("cluster", "start", "--name", name)
        assert started.returncode == 0, started.stderr
    refused = flink_notebook("cluster", "stop")
    assert refused.returncode == 2
    assert "2 clusters are running: " in refused.stderr
    assert "test-cli (http://127.0.0.1:" in refused.stderr
    assert "test-cli-2 (http://127.0.0.1:" in refused.stderr
    assert "--name NAME" in refused.stderr and "--all" in refused.stderr
    assert flink_notebook("cluster", "stop", "--name", "test-cli-2").returncode == 0
    only = LocalCluster.load("test-cli")
    stopped = flink_notebook("cluster", "stop")  # the only one there is
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.strip() == "Stopped test-cli."
    assert not [proc for proc in only.processes if proc.alive()]
    nothing = flink_notebook("cluster", "stop")
    assert nothing.returncode == 2 and "No cluster is running" in nothing.stderr


@pytest.mark.parametrize("name", NOT_NAMES)
@pytest.mark.parametrize("action", [
    ["start"], ["join", "--jobmanager", "127.0.0.1:9", "--bind", "127.0.0.1"], ["stop"]])
def test_a_cluster_name_that_is_a_path_is_refused_and_nothing_touched(
        tmp_path, monkeypatch, capsys, action, name):
    planted = planted_state(tmp_path, monkeypatch)
    name = given(name, tmp_path)

    assert main(["cluster", *action, "--name", name]) == 2

    said = capsys.readouterr().err
    assert said.startswith(f"flink-notebook: Cluster name {name!r}: {NAME_RULE}"), said
    assert len(said.splitlines()) == 1
    assert left_alone(planted)


def test_a_cluster_is_found_by_its_name_in_its_own_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("FLINK_NOTEBOOK_STATE_DIR", str(tmp_path))
    cluster = LocalCluster(name="team-a.v2_1")
    assert cluster.directory == clusters_dir() / "team-a.v2_1"
    assert cluster.registry_file == clusters_dir() / "team-a.v2_1.json"
    with pytest.raises(UsageError, match=r"Cluster name '\.\.': use 1-64 letters"):
        LocalCluster.load("..")
