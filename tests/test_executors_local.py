"""The local (embedded) executor passes the shared conformance tests."""

from __future__ import annotations

import pytest

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
