"""The one door to Flink's, PyFlink's and py4j's internals.

PyFlink keeps each Python object's Java object in a private attribute (``_j_tenv``,
``_j_table``, ...), py4j keeps its connection pool in private methods, and some of what the
notebook needs of Flink is only in private fields. Every such reach goes through a function
here (tests/test_architecture.py fails on one made elsewhere), and each member it uses is in
the ledger (engine/ledger.py), which tests/engine/test_ledger.py checks against the
installed Flink: a release that renames one fails there, naming the member and the module
that needs it. The Java compiled at run time (engine/jvm/*.java) does its own reflection; its
members are in the ledger too. docs/versions.md tells how to read a failure.
"""

from __future__ import annotations

from typing import Any, Callable

# -- PyFlink's Python objects and the Java objects behind them ------------------------------


def java_table_env(t_env: Any) -> Any:
    """The Java TableEnvironment (``TableEnvironmentImpl``) behind a PyFlink one."""
    return t_env._j_tenv


def java_table(table: Any) -> Any:
    """The Java Table behind a PyFlink Table."""
    return table._j_table


def table_env_of(obj: Any) -> Any:
    """The PyFlink TableEnvironment a Table, StatementSet or TablePipeline belongs to;
    ``obj`` itself for anything else."""
    return getattr(obj, "_t_env", obj)


def java_table_result(result: Any) -> Any:
    """The Java TableResult behind a PyFlink one."""
    return result._j_table_result


def java_job_client(client: Any) -> Any:
    """The Java JobClient behind PyFlink's ``pyflink.common.JobClient``."""
    return client._j_job_client


def java_stream_env(env: Any) -> Any:
    """The Java StreamExecutionEnvironment behind a PyFlink one."""
    return env._j_stream_execution_environment


def java_data_stream(stream: Any) -> Any:
    """The Java DataStream behind a PyFlink one."""
    return stream._j_data_stream


def java_configuration(configuration: Any) -> Any:
    """The Java Configuration behind ``pyflink.common.Configuration``."""
    return configuration._j_configuration


def java_stream_env_of(obj: Any) -> Any:
    """The Java StreamExecutionEnvironment of a PyFlink environment or DataStream; None for
    anything else."""
    if hasattr(obj, "_j_stream_execution_environment"):
        return java_stream_env(obj)
    if hasattr(obj, "_j_data_stream"):
        return java_data_stream(obj).getExecutionEnvironment()
    return None


def apply_chaining_optimization(stream: Any) -> None:
    """What PyFlink's ``execute_and_collect`` does to a DataStream before it collects."""
    stream._apply_chaining_optimization()


def parser(t_env: Any) -> Any:
    """Flink's SQL parser of a PyFlink TableEnvironment (``TableEnvironmentInternal``)."""
    return java_table_env(t_env).getParser()


def table_of(t_env: Any, query_operation: Any) -> Any:
    """A PyFlink Table of a Java QueryOperation (what a sink's statement feeds it), as
    ``sql_query`` makes one of a query's."""
    from pyflink.table import Table

    return Table(java_table_env(t_env).createTable(query_operation), t_env)


def pending_modify_operations(obj: Any) -> list[Any]:
    """The Java ModifyOperations a PyFlink StatementSet or TablePipeline would execute."""
    if hasattr(obj, "_j_statement_set"):
        return list(obj._j_statement_set.getOperations())  # StatementSetImpl's
    return [private_field(obj._j_table_pipeline, "TablePipelineImpl", "operation")]


def insert_operation(table: Any, target: Any, overwrite: bool = False) -> Any:
    """The Java ModifyOperation ``table.execute_insert(target, overwrite)`` would execute
    (``target`` a table path or a PyFlink TableDescriptor)."""
    if not isinstance(target, str):
        target = target._j_table_descriptor
    return private_field(java_table(table).insertInto(target, overwrite), "TablePipelineImpl",
                         "operation")


def planner(t_env: Any) -> Any:
    """Flink's planner of a PyFlink TableEnvironment (``TableEnvironmentImpl``)."""
    return java_table_env(t_env).getPlanner()


# -- Java's private fields -------------------------------------------------------------------


def private_field(java_object: Any, owner: str, name: str) -> Any:
    """The value of the field ``name`` that the class ``owner`` (a simple name: the object's
    class or one of its superclasses) declares. LookupError when the object's classes have
    no ``owner``."""
    cls = java_object.getClass()
    while cls is not None and cls.getSimpleName() != owner:
        cls = cls.getSuperclass()
    if cls is None:
        raise LookupError(f"{java_object.getClass().getName()} is not a {owner}")
    field = cls.getDeclaredField(name)
    field.setAccessible(True)
    return field.get(java_object)


# -- py4j's clients and connections ----------------------------------------------------------


def gateway_client(gateway: Any) -> Any:
    """A py4j JavaGateway's client (``GatewayClient``)."""
    return gateway._gateway_client


def proxy_client(java_object: Any) -> Any:
    """The py4j client a Java object's proxy calls through (None for a stand-in)."""
    return getattr(java_object, "_gateway_client", None)


def proxy_on(java_object: Any, client: Any) -> Any:
    """A second proxy of the same Java object that calls through ``client``."""
    from py4j.java_gateway import JavaObject

    return JavaObject(java_object._target_id, client)


def client_like(client: Any) -> Any:
    """A new py4j client to the same JVM as ``client``, with its protocol settings."""
    from py4j.java_gateway import GatewayClient

    made = GatewayClient(gateway_parameters=client.gateway_parameters)
    made.gateway_property = client.gateway_property
    made.converters = client.converters
    return made


def connection_hooks(client: Any) -> tuple[Callable[[], Any], Callable[[Any], None]]:
    """How a py4j client takes a connection from its pool and gives one back, as now."""
    return client._get_connection, client._give_back_connection


def replace_connection_hooks(client: Any, get: Callable[[], Any] | None = None,
                             give_back: Callable[[Any], None] | None = None) -> None:
    """Make ``client`` take and give back its connections with these."""
    if get is not None:
        client._get_connection = get
    if give_back is not None:
        client._give_back_connection = give_back


def idle_connections(client: Any) -> int:
    """The connections in a py4j client's pool, waiting for a caller."""
    return len(client.deque)


# -- PyFlink's functions the notebook wraps -------------------------------------------------


def gateway_launcher() -> Callable[[dict[str, str], list[str]], Any]:
    """The function PyFlink starts its gateway JVM with (``launch_gateway_server_process``,
    as ``pyflink.java_gateway`` calls it)."""
    from pyflink import java_gateway

    return java_gateway.launch_gateway_server_process


def replace_gateway_launcher(launch: Callable[[dict[str, str], list[str]], Any]) -> None:
    """Make PyFlink start every later gateway JVM of this process with ``launch``."""
    from pyflink import java_gateway

    java_gateway.launch_gateway_server_process = launch


def java_executable() -> str | None:
    """The ``java`` PyFlink launches (``$JAVA_HOME/bin/java``, else the one on PATH)."""
    from pyflink.pyflink_gateway_server import find_java_executable

    return find_java_executable()
