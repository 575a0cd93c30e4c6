"""SQL cells keep working whatever other threads do with the py4j gateway."""

from __future__ import annotations

import threading

import pytest

pytestmark = pytest.mark.cluster

SELECT = "SELECT k, COUNT(*) AS n FROM (VALUES (1), (2), (2)) AS t(k) GROUP BY k"


def _java_thread(gateway) -> str:
    return gateway.jvm.java.lang.Thread.currentThread().getName()


def test_background_calls_do_not_move_the_cells_java_thread(shell):
    from flink_notebook.engine.session import FlinkSession

    session = FlinkSession.current()
    session.ensure_started()
    gateway = session.gateway
    before = _java_thread(gateway)
    stop = threading.Event()

    def borrow() -> None:  # what a live view or a finalizer does: calls on the main client
        while not stop.is_set():
            gateway.jvm.java.lang.System.nanoTime()

    threads = [threading.Thread(target=borrow) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(20):
            assert _java_thread(gateway) == before
        shell.run_cell_magic("flink_sql", "-o counted", SELECT)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert _java_thread(gateway) == before
    shell.run_cell_magic("flink_sql", "-o counted", SELECT)
    assert sorted(shell.user_ns["counted"]["n"]) == [1, 2]


def test_a_cell_after_its_connection_was_closed_still_plans_queries(shell):
    """An interrupt during a py4j call closes the connection; the next cell gets a new
    Java thread, which must have the planner's state."""
    from flink_notebook.engine.session import FlinkSession

    session = FlinkSession.current()
    session.ensure_started()
    gateway = session.gateway
    before = _java_thread(gateway)
    client = gateway._gateway_client
    client._get_connection().close()
    shell.run_cell_magic("flink_sql", "-o counted", SELECT)
    assert _java_thread(gateway) != before
    assert sorted(shell.user_ns["counted"]["n"]) == [1, 2]


def test_a_call_nested_in_a_main_thread_call_gets_another_connection(shell):
    """The garbage collector can run a py4j finalizer (a call) in the middle of a main-thread
    call; it must not read from the busy socket."""
    from flink_notebook.engine.session import FlinkSession

    session = FlinkSession.current()
    session.ensure_started()
    client = session.gateway._gateway_client
    outer = client._get_connection()
    nested = client._get_connection()
    assert nested is not outer
    client._give_back_connection(nested)
    client._give_back_connection(outer)
    assert client._get_connection() is outer
    client._give_back_connection(outer)
    shell.run_cell_magic("flink_sql", "-o counted", SELECT)
    assert sorted(shell.user_ns["counted"]["n"]) == [1, 2]


def _java_connections(gateway) -> int:
    """The py4j connections the JVM serves (each one a Java thread)."""
    server = gateway.java_gateway_server
    field = server.getClass().getDeclaredField("connections")
    field.setAccessible(True)
    return field.get(server).size()


def test_a_burst_of_callers_leaves_no_more_connections_than_the_bound(shell):
    """py4j opens a connection (a Java thread) for each thread that calls while the others'
    calls are under way, and would keep them all; a client keeps one idle at most."""
    from flink_notebook.engine import py4j_threads
    from flink_notebook.engine.session import FlinkSession
    from tests.waiting import until

    session = FlinkSession.current()
    session.ensure_started()
    gateway = session.gateway
    main = gateway._gateway_client
    started, go = threading.Barrier(7), threading.Event()

    def call(client_of) -> None:
        from py4j.java_gateway import JavaObject
        from py4j.protocol import GATEWAY_SERVER_OBJECT_ID

        started.wait()
        go.wait()
        server = JavaObject(GATEWAY_SERVER_OBJECT_ID, client_of())
        for _ in range(50):
            server.getPort()

    def background() -> object:
        return py4j_threads.client_for_this_thread(gateway)

    threads = [threading.Thread(target=call, args=(lambda: main,)) for _ in range(3)]
    threads += [threading.Thread(target=call, args=(background,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    started.wait()
    go.set()
    for thread in threads:
        thread.join()
    background_client = py4j_threads._background_client
    assert len(main.deque) <= py4j_threads.IDLE_CONNECTIONS
    assert len(background_client.deque) <= py4j_threads.IDLE_CONNECTIONS
    # The main thread's own, and each client's idle ones: the rest were closed, and the
    # JVM's threads for them ended.
    most = 1 + 2 * py4j_threads.IDLE_CONNECTIONS
    until(lambda: _java_connections(gateway) <= most,
          f"the JVM serving at most {most} py4j connections")
    shell.run_cell_magic("flink_sql", "-o counted", SELECT)
    assert sorted(shell.user_ns["counted"]["n"]) == [1, 2]
