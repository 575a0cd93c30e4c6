"""Which Java thread serves which Python thread's py4j calls.

py4j serves each call on a pooled socket connection, each with its own Java
thread, and hands out whichever connection was given back last. Flink's
planner keeps per-Java-thread state: Calcite's metadata providers, set on the
thread that builds the planner. A cell whose SQL lands on another Java thread
fails with ``NullPointerException: metadataHandlerProvider``. That happens
when a background thread (a live view, a garbage-collected proxy) borrows the
gateway at the same time and the pool's order changes, or when an interrupt
closes a connection.

So: the main thread (where cells run) keeps one connection of its own
(:func:`pin_main_thread`), background threads use a second client
(:func:`client_for_this_thread`), and each cell makes sure its Java thread
has the planner state (:func:`prepare_planner_thread`).

py4j opens a connection (and Java a thread) whenever a thread calls while the
pool is empty, and keeps every one it gave back: the pool grows to the most
threads that ever called at once. Each client keeps at most
:data:`IDLE_CONNECTIONS` idle and closes what is given back beyond that
(:func:`bound_idle_connections`), so a long session's Java threads do not grow
with the bursts its views and finalizers made (B9 in benchmarks/RESULTS.md).
"""

from __future__ import annotations

import threading
from typing import Any

from flink_notebook.engine.internals import (
    client_like,
    connection_hooks,
    gateway_client,
    idle_connections,
    java_table_env,
    planner,
    replace_connection_hooks,
)

_lock = threading.Lock()
_background_client: Any = None

#: Idle connections a client keeps for the next caller; more are closed when given back.
IDLE_CONNECTIONS = 1


def bound_idle_connections(client: Any, most: int = IDLE_CONNECTIONS) -> None:
    """Make ``client`` (a py4j ``GatewayClient``) keep at most ``most`` idle connections:
    one given back beyond that is closed, and its Java thread ends."""
    if getattr(client, "_flink_notebook_bounded", False):
        return
    _, give_back = connection_hooks(client)
    giving_back = threading.Lock()

    def give_back_bounded(connection: Any) -> None:
        with giving_back:
            if idle_connections(client) < most:
                give_back(connection)
                return
        connection.close()

    replace_connection_hooks(client, give_back=give_back_bounded)
    client._flink_notebook_bounded = True


def pin_main_thread(client: Any) -> None:
    """Make ``client`` (a py4j ``GatewayClient``) serve the main thread on one
    connection of its own; other threads share the rest of its pool."""
    if getattr(client, "_flink_notebook_pinned", False):
        return
    bound_idle_connections(client)
    get_connection, give_back = connection_hooks(client)
    home: dict[str, Any] = {"connection": None, "busy": False}

    def get_pinned() -> Any:
        if threading.current_thread() is not threading.main_thread():
            return get_connection()
        connection = home["connection"]
        if connection is None or not getattr(connection, "is_connected", False):
            connection = home["connection"] = get_connection()
        elif home["busy"]:
            # A call made while the main thread's own call is under way: a py4j finalizer
            # run by the garbage collector. It must not share the busy socket.
            return get_connection()
        home["busy"] = True
        return connection

    def give_back_pinned(connection: Any) -> None:
        if connection is home["connection"]:
            home["busy"] = False
        else:
            give_back(connection)

    close = client.close

    def _close() -> None:
        connection, home["connection"] = home["connection"], None
        if connection is not None:
            give_back(connection)
        close()

    replace_connection_hooks(client, get=get_pinned, give_back=give_back_pinned)
    client.close = _close
    client._flink_notebook_pinned = True


def client_for_this_thread(gateway: Any) -> Any:
    """py4j's client for the calling thread: the gateway's own for the main thread, a
    second client, made once, for background threads."""
    global _background_client
    if threading.current_thread() is threading.main_thread():
        return gateway_client(gateway)
    with _lock:
        if _background_client is None:
            _background_client = client_like(gateway_client(gateway))
            bound_idle_connections(_background_client)
        return _background_client


def prepare_planner_thread(gateway: Any, t_env: Any) -> None:
    """Give the Java thread serving this Python thread the planner's metadata
    providers, as building the planner did for its own thread."""
    providers, flink_providers = _planner_providers(gateway, t_env)
    if providers.get() is None:
        providers.set(flink_providers)


_planner_state: tuple[Any, Any] | None = None

#: What the background warm-up plans: a values query of the column types cells use most
#: (the planner's first query pays for the rules and code generation every query needs).
WARM_UP_QUERY = ("SELECT n, s, n * 2 AS m FROM (VALUES (1, 'a'), (2, 'b')) AS t(n, s) "
                 "WHERE n > 0")


def warm_planner(gateway: Any, t_env: Any) -> None:
    """Plan one query on a Java thread of its own (no job), so the first cell plans fast."""
    from flink_notebook.engine.java_classes import java_class, new_instance

    providers, flink_providers = _planner_providers(gateway, t_env)
    warmup = new_instance(gateway, java_class(gateway, "PlannerWarmup"))
    warmup.plan(java_table_env(t_env), providers, flink_providers, WARM_UP_QUERY)


def _planner_providers(gateway: Any, t_env: Any) -> tuple[Any, Any]:
    """Calcite's thread-local and Flink's providers for it, found once per process."""
    global _planner_state
    if _planner_state is None:
        _planner_state = _planner_thread_state(gateway, t_env)
    return _planner_state


def _planner_thread_state(gateway: Any, t_env: Any) -> tuple[Any, Any]:
    """Calcite's thread-local and the value Flink's planner puts in it, found through the
    planner's own class loader (Flink loads the planner and Calcite apart from the rest)."""
    jvm = gateway.jvm
    loader = planner(t_env).getClass().getClassLoader()

    def load(name: str) -> Any:
        return jvm.java.lang.Class.forName(name, True, loader)

    no_types = gateway.new_array(jvm.java.lang.Class, 0)
    no_args = gateway.new_array(jvm.java.lang.Object, 0)
    query_base = load("org.apache.calcite.rel.metadata.RelMetadataQueryBase")
    providers = query_base.getField("THREAD_PROVIDERS").get(None)
    flink_default = load(
        "org.apache.flink.table.planner.plan.metadata.FlinkDefaultRelMetadataProvider"
    ).getMethod("INSTANCE", no_types).invoke(None, no_args)
    provider_type = gateway.new_array(jvm.java.lang.Class, 1)
    provider_type[0] = load("org.apache.calcite.rel.metadata.RelMetadataProvider")
    janino = load("org.apache.calcite.rel.metadata.JaninoRelMetadataProvider")
    argument = gateway.new_array(jvm.java.lang.Object, 1)
    argument[0] = flink_default
    return providers, janino.getMethod("of", provider_type).invoke(None, argument)
