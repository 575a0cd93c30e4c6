"""The local (embedded) executor passes the shared conformance tests."""

from __future__ import annotations

import pytest
from py4j.protocol import Py4JJavaError
from waiting import until

from flink_notebook.testing.executor import ExecutorConformanceTests


class TestLocalExecutor(ExecutorConformanceTests):
    target = "local"


@pytest.mark.cluster
def test_the_embedded_cluster_listens_on_loopback_only(shell):
    import psutil

    from flink_notebook.engine.session import FlinkSession

    session = FlinkSession.current()
    session.ensure_started()
    port = session.embedded_cluster().address.port
    jvms = [p for p in psutil.Process().children(recursive=True) if p.name() == "java"]
    assert jvms, "PyFlink's gateway JVM is a child of the kernel"
    listening = [c for jvm in jvms for c in jvm.net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN]
    assert port in {c.laddr.port for c in listening}  # REST and web UI
    assert {c.laddr.ip for c in listening} <= {"127.0.0.1", "::ffff:127.0.0.1"}, listening


@pytest.mark.cluster
def test_the_embedded_clusters_rest_keeps_a_jobs_details_for_a_second(shell):
    """Not Flink's 3 s: a job read as just created stays so that long in every view."""
    import httpx

    from flink_notebook.engine.session import FlinkSession

    session = FlinkSession.current()
    session.ensure_started()
    url = session.embedded_cluster().address.url
    assert httpx.get(f"{url}/config", timeout=5).json()["refresh-interval"] == 1000


@pytest.mark.cluster
def test_a_lost_taskmanager_is_replaced_before_the_next_job(shell, capsys):
    """A MiniCluster closes its TaskManager for good after a fatal error in it; the next
    cell gets a new one (same JobManager, so earlier handles still work) and says so."""
    from flink_notebook.engine.session import FlinkSession

    session = FlinkSession.current()
    session.ensure_started()
    cluster = session.embedded_cluster()
    shell.run_cell_magic("flink_sql", "--detached -o earlier", "SELECT 1 AS x")
    earlier = shell.user_ns["earlier"]
    earlier.wait(60)
    _terminate_every_taskmanager(cluster._mini_cluster)
    until(lambda: cluster._slots_total() == 0, "the TaskManager's slots gone")

    shell.run_cell_magic("flink_sql", "-o rows", "SELECT 2 AS x")

    assert shell.user_ns["rows"]["x"].tolist() == [2]
    assert "lost its TaskManager" in capsys.readouterr().err
    assert cluster._slots_total() == cluster.slots
    assert earlier.status() == "FINISHED"  # the handle still reaches its cluster


def _terminate_every_taskmanager(mini_cluster) -> None:
    """Close each TaskManager the MiniCluster has started: an earlier repair (see
    conftest) leaves the closed first one at index 0 and the live one after it."""
    index = 0
    while True:
        try:
            mini_cluster.terminateTaskManager(index).get()
        except Py4JJavaError:  # IndexOutOfBounds: no TaskManager left
            return
        index += 1
