"""The Java side of routing: which cluster a submission goes to, and the environments a
program creates in a cell (FLIP-73's context environments).

Every environment the notebook routes submits through one executor service loader
(``jvm/SnapshotExecutors.java``). It takes a submission only while :meth:`Routing.route`
names a cluster, and only from the thread that named it: a job never lands on the cluster
used last, and another thread's submission is never adopted by a cell.

While a ``%%flink`` cell or ``%flink_run`` program runs, :meth:`Routing.contexts` makes
``StreamExecutionEnvironment.get_execution_environment()`` on that thread return such an
environment, as ``flink run`` does with Flink's context environments. ``TableEnvironment.
create`` and ``StreamTableEnvironment.create`` call it too, so their jobs are routed the same
way. Such a table environment has its own catalog, as a PyFlink program expects.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from flink_notebook.core.secrets import SECRET_WORDS
from flink_notebook.engine.internals import java_stream_env_of, java_table_env, table_env_of
from flink_notebook.engine.java_classes import java_class, new_instance

if TYPE_CHECKING:
    from flink_notebook.core.address import ClusterAddress

#: The ``execution.target`` of a submission handed to the embedded MiniCluster in this JVM
#: (``SnapshotExecutors.EMBEDDED``); not one of Flink's executors, so never discovered.
EMBEDDED_TARGET = "flink-notebook-embedded"


class Routing:
    """The kernel's one executor service loader and the context-environment tools."""

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway
        self.executors = new_instance(gateway, java_class(gateway, "SnapshotExecutors"))
        self.executors.setSecretWords("\n".join(SECRET_WORDS))  # masked in job plans
        self._tools = new_instance(gateway, java_class(gateway, "ContextEnvironments"))

    def configuration(self, options: Mapping[str, str]) -> Any:
        j_conf = self.gateway.jvm.org.apache.flink.configuration.Configuration()
        for key, value in options.items():
            j_conf.setString(key, str(value))
        return j_conf

    def new_environment(self, options: Mapping[str, str]) -> Any:
        """A Java StreamExecutionEnvironment with ``options`` that submits through us."""
        jvm = self.gateway.jvm
        return jvm.org.apache.flink.streaming.api.environment.StreamExecutionEnvironment(
            self.executors, self.configuration({"execution.target": "remote", **options}),
            jvm.Thread.currentThread().getContextClassLoader())

    @contextmanager
    def route(self, address: ClusterAddress, extra: Mapping[str, str],
              mini_cluster: Any = None) -> Iterator[None]:
        """Submissions from this thread go to ``address`` within the block (``extra``: TLS).
        ``mini_cluster``, the embedded cluster at that address, takes them straight, in this
        JVM (the REST API shows them the same)."""
        self.executors.setEmbedded(mini_cluster)
        target = EMBEDDED_TARGET if mini_cluster is not None else "remote"
        self.executors.route(self.configuration({
            "execution.target": target, "rest.address": address.host,
            "rest.port": str(address.port), **extra}))
        try:
            yield
        finally:
            self.executors.unroute()

    @contextmanager
    def contexts(self, options: Mapping[str, str]) -> Iterator[None]:
        """Within the block, environments created on this thread submit through us, made
        from ``options`` (the cell's), with what the program sets on top."""
        jvm = self.gateway.jvm
        self._tools.install(self.executors,
                            self.configuration({"execution.target": "remote", **options}),
                            jvm.Thread.currentThread().getContextClassLoader())
        try:
            yield
        finally:
            self._tools.uninstall()

    def environment_of(self, obj: Any) -> Any:
        """The Java StreamExecutionEnvironment that submits ``obj``'s jobs: an environment, a
        DataStream, a TableEnvironment, or a Table, StatementSet or TablePipeline."""
        j_env = java_stream_env_of(obj)
        if j_env is not None:
            return j_env
        return self._tools.environmentOf(java_table_env(table_env_of(obj)))

    def adopt(self, j_env: Any) -> bool:
        """Make an environment made outside a cell (it ran jobs on its own) submit through
        us from now on; True when it did not before. Its TaskManagers start Python workers
        with the kernel's interpreter unless it names one (as PyFlink's table environments
        do for local runs)."""
        if not self._tools.adopt(j_env, self.executors):
            return False
        j_conf = j_env.getConfiguration()
        if not j_conf.containsKey("python.executable"):
            j_conf.setString("python.executable", sys.executable)
        # PyFlink gave a local environment a "loopback" server: Python functions would run
        # in this process, whose os.environ the worker then rewrites (PYFLINK_GATEWAY_DISABLED
        # among others: no later kernel subprocess could start Java). Routed jobs run on a
        # cluster, with Python workers of their own.
        j_conf.removeKey("python.loopback-server.address")
        return True
