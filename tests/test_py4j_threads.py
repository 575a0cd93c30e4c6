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
