"""LocalCluster: real JobManager and TaskManager processes from the PyFlink distribution."""

from __future__ import annotations

import httpx
import psutil
import pytest
from IPython.core.error import UsageError

from flink_notebook.clusters.standalone import LocalCluster, failure_reason

pytestmark = pytest.mark.cluster

LOOPBACK = {"127.0.0.1", "::ffff:127.0.0.1"}


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(slots=1, name="test-clusters") as started:
        yield started


def test_cluster_answers_rest_with_its_taskmanager(cluster):
    overview = httpx.get(f"{cluster.rest_url}/overview", timeout=5).json()

    assert overview["taskmanagers"] == 1
    assert overview["slots-total"] == 1
    assert cluster.status() == "running"


def test_rest_keeps_a_jobs_details_for_a_second_not_three(cluster):
    """A view's job state and task states are at most a second old (WEB_REFRESH_INTERVAL)."""
    config = httpx.get(f"{cluster.rest_url}/config", timeout=5).json()
    assert config["refresh-interval"] == 1000


def test_a_started_cluster_is_usable_at_once():
    """Ready means the slots are registered, not only the TaskManagers (Flink lists a
    TaskManager a moment before its slots): a job submitted at once finds them free."""
    with LocalCluster(slots=2, taskmanagers=2, name="test-ready") as started:
        overview = httpx.get(f"{started.rest_url}/overview", timeout=5).json()
        assert (overview["taskmanagers"], overview["slots-total"],
                overview["slots-available"]) == (2, 4, 4)


def test_a_port_taken_before_flink_binds_it_makes_the_start_try_new_ports(monkeypatch):
    """Ports are free when chosen; another program may take one before Flink binds it (two
    clusters starting side by side): the start tries again on new ports, and says nothing."""
    import socket

    from flink_notebook.clusters import standalone

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    busy = taken.getsockname()[1]
    chosen, real = [], standalone.free_port

    def first_taken(host: str = "127.0.0.1") -> int:  # the first REST port is in use
        port = busy if not chosen else real(host)
        chosen.append(port)
        return port

    monkeypatch.setattr(standalone, "free_port", first_taken)
    try:
        with LocalCluster(slots=2, name="test-port-taken") as started:
            assert chosen[0] == busy and started.address.port != busy
            overview = httpx.get(f"{started.rest_url}/overview", timeout=5).json()
            assert (overview["taskmanagers"], overview["slots-available"]) == (1, 2)
    finally:
        taken.close()


def test_cluster_listens_on_loopback_only(cluster):
    sockets = [
        conn
        for pid in cluster.pids
        for conn in psutil.Process(pid).net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN
    ]

    assert len(sockets) >= 4  # REST, RPC, blob server, TaskManager data/RPC
    assert {conn.laddr.ip for conn in sockets} <= LOOPBACK
    assert cluster.address.port in {conn.laddr.port for conn in sockets}


def test_registry_finds_the_cluster_from_its_name(cluster):
    found = LocalCluster.load("test-clusters")

    assert found.pids == cluster.pids
    assert found.rest_url == cluster.rest_url
    assert found.status() == "running"
    assert "test-clusters" in [known.name for known in LocalCluster.known()]


def test_a_second_cluster_with_the_same_name_is_refused(cluster):
    with pytest.raises(UsageError, match="already running"):
        LocalCluster(name="test-clusters").start()


def test_stop_ends_every_process_and_can_repeat(cluster):
    processes = [psutil.Process(pid) for pid in cluster.pids]

    cluster.stop()
    cluster.stop()

    assert not [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert cluster.status() == "stopped"
    assert not cluster.registry_file.exists()
    with pytest.raises(UsageError, match="No cluster named"):
        LocalCluster.load("test-clusters")


def test_start_failure_quotes_the_cause_from_the_log():
    cluster = LocalCluster(options={"jobmanager.memory.process.size": "50m"})

    with pytest.raises(UsageError) as raised:
        cluster.start(timeout=60)

    message = str(raised.value)
    assert type(raised.value) is UsageError
    assert "Total Process Memory" in message
    assert "\tat " not in message and "\n" not in message
    assert str(cluster.log_dir) in message
    assert cluster.status() == "stopped"


def test_a_process_killed_while_starting_is_named_with_how_it_ended(monkeypatch):
    """A process that died without a word in its log (the OOM killer's SIGKILL) is named
    with the signal or exit status: that is all there is to go on."""
    from flink_notebook.clusters import standalone

    cluster = LocalCluster(name="test-killed")
    spawn = standalone.LocalCluster._spawn

    def spawn_then_kill(self, role, env):  # the TaskManager dies before it can register
        spawn(self, role, env)
        if role.startswith("taskmanager"):
            psutil.Process(self.processes[-1].pid).kill()

    monkeypatch.setattr(standalone.LocalCluster, "_spawn", spawn_then_kill)
    with pytest.raises(UsageError) as raised:
        cluster.start(timeout=60)

    assert "did not start (the taskmanager-0 exited, killed by SIGKILL)" in str(raised.value)
    assert cluster.status() == "stopped"


def test_failure_reason_prefers_the_root_cause(tmp_path):
    log = tmp_path / "jobmanager.out"
    log.write_text(
        "INFO starting\n"
        'Exception in thread "main" org.apache.flink.util.FlinkException: Could not start.\n'
        "\tat org.apache.flink.Foo.bar(Foo.java:1)\n"
        "Caused by: java.net.BindException: Address already in use\n"
        "\tat sun.nio.ch.Net.bind(Net.java:2)\n"
    )

    assert failure_reason([tmp_path / "missing.out", log]) == (
        "BindException: Address already in use"
    )
