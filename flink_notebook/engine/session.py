"""The kernel's one Flink engine: Java, the py4j gateway, one catalog, the embedded cluster.

Every cell of a kernel shares one ``StreamExecutionEnvironment`` and one
``StreamTableEnvironment`` (so one catalog), whatever the target. Where a submission goes
is named per submission (:meth:`FlinkSession.routed`): the executor names the cluster, and
the submission gets a copy of the configuration as it is then (``jvm/SnapshotExecutors.java``),
so nothing is left pointing at the last cluster. What the notebook keeps between cells
(job handles, executors, the open statement set, leased clusters) is not here but in
:class:`flink_notebook.cells.notebook.Notebook`.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from flink_notebook.core.config import Configuration, memory_mb
from flink_notebook.core.progress import STARTING_FLINK, over, step
from flink_notebook.engine.internals import gateway_client, java_configuration, java_stream_env

if TYPE_CHECKING:
    from flink_notebook.clusters.embedded import EmbeddedCluster
    from flink_notebook.core.address import ClusterAddress

log = logging.getLogger(__name__)

#: Used when neither the notebook nor the cell sets ``parallelism.default``: a
#: notebook job on a laptop rarely gains from more, and it fits any cluster.
DEFAULT_PARALLELISM = 1

# Options the session itself decides per submission; never carried over.
_ROUTING_KEYS = ("execution.target", "rest.address", "rest.port", "execution.runtime-mode")


#: The kernel's JVM compiles a method with C2, the optimizing compiler, after 10 times
#: the calls and loops it takes by default. Starting Flink and planning the first queries
#: runs much code a few thousand times, and on two CPUs compiling it with C2 took CPU from
#: the start itself; code that keeps running (a job's, a fetch's) still reaches C2 within
#: a second. By hand (benchmarks/RESULTS.md, B1): the first cell right after %load_ext
#: 3.0-3.1 s -> 2.6-2.7 s, warm cells and a 1M-row fetch a little faster, a 200,000
#: rows/s view unchanged. A -XX option in JVM_ARGS or env.java.opts.all comes later and wins.
LATER_C2 = ("-XX:Tier4InvocationThreshold=50000", "-XX:Tier4MinInvocationThreshold=6000",
            "-XX:Tier4CompileThreshold=150000", "-XX:Tier4BackEdgeThreshold=400000")


@contextmanager
def _gateway_jvm_args(jvm_memory: str | None, archive: list[str]) -> Iterator[None]:
    """While PyFlink launches its gateway JVM (if it does), ``JVM_ARGS`` starts with
    ``-Xmx`` from ``notebook.jvm-memory`` and the class archive's options; PyFlink's
    launcher puts ``JVM_ARGS`` first, so a heap set in ``JVM_ARGS`` already, or in Flink's
    ``env.java.opts.all``, still wins. Only for the launch: the distribution's scripts
    (per-job, ``%flink_cluster``) read ``JVM_ARGS`` too, and their JVMs size themselves
    from Flink's options."""
    heap = memory_mb(jvm_memory)
    ours = ([f"-Xmx{heap}m"] if heap else []) + list(LATER_C2) + archive
    before = os.environ.get("JVM_ARGS")
    os.environ["JVM_ARGS"] = " ".join(filter(None, [*ours, before]))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("JVM_ARGS", None)
        else:
            os.environ["JVM_ARGS"] = before


#: What Arrow needs on JDK 9+ (DirectByteBuffer's constructor, for pandas UDFs and our
#: result pages), set before its netty first loads. flink-python's netty is relocated, and
#: the relocation renamed the property too: Flink's ArrowUtils sets that name itself on its
#: first use, but a netty loaded before then (by the first rows read through Arrow) has
#: already decided, and from the second use on ArrowUtils refuses ("Arrow depends on
#: DirectByteBuffer.<init>(long, int) which is not available"), which is what failed
#: pandas_udaf.py after other examples. The plain name is netty's own, for other copies.
_NETTY_REFLECTION = ("org.apache.flink.api.python.shaded.io.netty.tryReflectionSetAccessible",
                     "io.netty.tryReflectionSetAccessible")


class FlinkSession:
    """Java, gateway, environments and the embedded cluster, started once per process:
    the engine. It routes submissions and checks options against what is fixed once Java
    runs; it keeps no notebook state."""

    _current: FlinkSession | None = None
    _current_lock = threading.Lock()

    def __init__(self, configuration: Configuration | None = None) -> None:
        self.configuration = configuration or Configuration.load()
        self.jvm_headers: dict[str, str] = {}  # the REST headers Flink's client was given
        self._java_started = False  # jvm_headers are fixed from then on
        self.jvm_memory: str | None = None  # notebook.jvm-memory when Java started
        self._lock = threading.RLock()
        self._env_ready = threading.Event()
        self._env_error: BaseException | None = None
        self._env_thread: threading.Thread | None = None
        self._embedded: EmbeddedCluster | None = None
        self._applied: set[str] = set()
        self.runtime_mode = "streaming"
        self.gateway: Any = None
        self.routing: Any = None  # engine.environments.Routing, once Java runs
        self.env: Any = None
        self.t_env: Any = None
        # PyFlink never reads its JVM's stderr: whoever launches the JVM from now on (this
        # session, or a cell's own PyFlink code first), a job printing there must not block.
        from flink_notebook.engine.gateway_stderr import drain_gateway_stderr

        drain_gateway_stderr()

    # -- lifecycle ----------------------------------------------------------

    @classmethod
    def current(cls) -> FlinkSession:
        """The process's session, created on first use."""
        with cls._current_lock:
            if cls._current is None:
                cls._current = FlinkSession()
                atexit.register(cls._current.close)
            return cls._current

    def prewarm(self) -> None:
        """Start Java, the environments and the embedded cluster in the background.

        Runs in the idle time between ``%load_ext`` and the first cell. Errors are kept
        and raised by the first cell that needs the session.
        """
        with self._lock:
            if self._env_thread is not None or self._env_ready.is_set():
                return
            self._env_thread = threading.Thread(
                target=self._start_quietly, name="flink-notebook-prewarm", daemon=True
            )
            self._env_thread.start()

    def _start_quietly(self) -> None:
        """The pre-warm. Once Java runs, the embedded cluster (``local``) starts on a thread
        of its own while this one makes the environments and plans a first query; the
        first cell waits for both (B1 in benchmarks/RESULTS.md has each one's share)."""
        cluster_errors: list[BaseException] = []

        def start_cluster() -> None:
            try:
                self.embedded_cluster()
            except BaseException as exc:
                cluster_errors.append(exc)

        cluster = threading.Thread(target=start_cluster, name="flink-notebook-embedded",
                                   daemon=True)
        local = self.configuration.get("execution.target") == "local"
        try:
            self._start_environments(java_started=cluster.start if local else None)
            self._warm_planner()
        except BaseException as exc:  # kept for the first cell, which reports it
            log.debug("pre-warm failed", exc_info=True)
            self._env_error = exc
        finally:
            if cluster.ident is not None:
                cluster.join()
            if self._env_error is None and cluster_errors:
                self._env_error = cluster_errors[0]
            self._env_ready.set()

    def _warm_planner(self) -> None:
        """Plan a query once, so the first cell does not pay for the planner's start."""
        from flink_notebook.engine.py4j_threads import warm_planner

        try:
            warm_planner(self.gateway, self.t_env)
        except Exception:  # only a head start: the first cell plans anyway
            log.debug("planner warm-up failed", exc_info=True)

    def _start_environments(self, java_started: Callable[[], None] | None = None) -> None:
        """Java and the session's environments; ``java_started`` is called as soon as the
        JVM answers (the environments are not made yet then)."""
        from flink_notebook.core.java import ensure_java
        from flink_notebook.engine.py4j_threads import pin_main_thread

        ensure_java()
        from pyflink.java_gateway import get_gateway

        from flink_notebook.core.rest_options import (
            HEADERS_VARIABLE,
            flink_headers_text,
            rest_headers,
        )

        # Flink's client reads extra REST headers from the environment the JVM starts with.
        with self._lock:
            self.jvm_headers = rest_headers(self.configuration)
            self._java_started = True
            self.jvm_memory = self.configuration.get("notebook.jvm-memory")
        if self.jvm_headers:
            os.environ[HEADERS_VARIABLE] = flink_headers_text(self.jvm_headers)
        gateway = self._launch_gateway(get_gateway)
        pin_main_thread(gateway_client(gateway))
        system = gateway.jvm.System
        for name in _NETTY_REFLECTION:
            if system.getProperty(name) is None:
                system.setProperty(name, "true")
        self.gateway = gateway
        if java_started is not None:
            java_started()
        # Imported once Java runs (0.2 s of Python, which Java's start need not wait for).
        from pyflink.datastream import StreamExecutionEnvironment
        from pyflink.table import StreamTableEnvironment

        from flink_notebook.engine.environments import Routing

        # Where each submission goes is named per submission (routed()); each gets a copy of
        # the configuration as it is then (see jvm/SnapshotExecutors.java).
        self.routing = Routing(gateway)
        j_env = self.routing.new_environment({})
        j_env.setParallelism(DEFAULT_PARALLELISM)
        from pyflink.table import EnvironmentSettings

        self.runtime_mode = self.configuration.get("execution.runtime-mode") or "streaming"
        settings = (EnvironmentSettings.in_batch_mode() if self.runtime_mode == "batch"
                    else EnvironmentSettings.in_streaming_mode())
        env = StreamExecutionEnvironment(j_env)
        t_env = StreamTableEnvironment.create(env, environment_settings=settings)
        self.env, self.t_env = env, t_env

    def _launch_gateway(self, get_gateway: Callable[[], Any]) -> Any:
        """PyFlink's gateway, its JVM launched with our options; with the class archive if
        there is one, and again without it if the JVM would not start with it."""
        from flink_notebook.engine import class_archive

        archive = class_archive.jvm_options(bool(self.configuration.get("notebook.class-archive")))
        try:
            with _gateway_jvm_args(self.jvm_memory, archive):
                return get_gateway()
        except Exception:
            if not archive:
                raise
            damaged = class_archive.discard(archive)
            log.warning("Java did not start with the class archive %s; removed it, starting "
                        "without (flink-notebook class-archive writes a new one)", damaged)
            with _gateway_jvm_args(self.jvm_memory, []):
                return get_gateway()

    def wait_started(self) -> None:
        """Block until the environments exist or failed to start, starting nothing (a
        background reader waits here for the start someone else asked for)."""
        self._env_ready.wait()

    @property
    def ready(self) -> bool:
        """Whether the environments exist (or failed to start): a wait would be short."""
        return self._env_ready.is_set()

    def ensure_started(self) -> None:
        """Block until the environments exist (starting them now if nobody did). The cell
        that waits says so (its progress line counts the seconds)."""
        with nullcontext() if self.ready else step(STARTING_FLINK, counting=True):
            self._ensure_started()
        over(STARTING_FLINK)  # the cell's first step, from before it got here

    def _ensure_started(self) -> None:
        if not self._env_ready.is_set():
            if self._env_thread is None:
                with self._lock:
                    if self._env_thread is None and not self._env_ready.is_set():
                        try:
                            self._start_environments()
                        except BaseException as exc:
                            self._env_error = exc
                        self._env_ready.set()
            self._env_ready.wait()
        if self._env_error is not None:
            error, self._env_error = self._env_error, None
            self._env_ready.clear()
            self._env_thread = None
            if isinstance(error, UsageError):
                raise error
            raise UsageError(f"Could not start Flink: {error}") from error
        if threading.current_thread() is threading.main_thread():
            from flink_notebook.engine.py4j_threads import prepare_planner_thread

            prepare_planner_thread(self.gateway, self.t_env)

    def embedded_cluster(self) -> EmbeddedCluster:
        """The kernel's embedded session MiniCluster, started on first use."""
        from flink_notebook.clusters.embedded import EmbeddedCluster

        with self._lock:
            if self._embedded is None or self._embedded.address is None:
                starting = step("Starting the embedded cluster", counting=True)
            else:
                starting = nullcontext()
            if self._embedded is None:
                self._embedded = EmbeddedCluster(
                    self.gateway, slots=int(self.configuration.get("notebook.slots") or 4),
                    heap_mb=memory_mb(self.jvm_memory),
                )
            cluster = self._embedded
        with starting:
            cluster.start()
        return cluster

    def close(self) -> None:
        """Stop the embedded cluster. Idempotent."""
        with self._lock:
            if self._embedded is not None:
                self._embedded.stop()
                self._embedded = None

    # -- submitting -----------------------------------------------------------

    @contextmanager
    def routed(self, address: ClusterAddress, configuration: Configuration,
               j_env: Any = None) -> Iterator[None]:
        """Submissions from this thread go to ``address`` for the duration of one submission.
        The session's own environments carry ``configuration``'s Flink options meanwhile;
        ``j_env``, an environment the cell's code made, keeps its own (as in Flink)."""
        self.ensure_started()
        self.check_runtime_mode(configuration)
        self.check_jvm_memory(configuration)
        extra = {}
        if address.scheme == "https" and "security.ssl.rest.enabled" not in \
                configuration.flink_options():
            extra["security.ssl.rest.enabled"] = "true"  # Flink's client picks https from it
        with self._lock:
            if j_env is not None:
                self.routing.adopt(j_env)  # made outside a cell: it ran jobs on its own
            self._apply_options(configuration)
            try:
                with self.routing.route(address, extra, self._in_this_jvm(address)):
                    yield
            finally:  # a cell's options never outlive its submission, even a failed one
                self._apply_options(self.configuration)

    def runs_here(self, address: ClusterAddress) -> bool:
        """Whether jobs for ``address`` run on the embedded cluster, in this JVM."""
        return self._in_this_jvm(address) is not None

    def _in_this_jvm(self, address: ClusterAddress) -> Any:
        """The embedded MiniCluster if it is the one at ``address``, else None.

        Jobs for it are handed to it in this JVM rather than through its REST API: the job
        graph is not written to a file and uploaded, and rows come from the collect sink
        without each batch being encoded as JSON and base64 and decoded again (a 1M-row
        fetch: 7.5-8.7 s over REST, 5.5-6.0 s direct, benchmarks/RESULTS.md, B3). Its
        REST API shows such jobs as any other, so handles read them the same way."""
        embedded = self._embedded
        return embedded.mini_cluster if embedded is not None and embedded.address == address \
            else None

    def local_zone(self) -> str:
        """The session's ``table.local-time-zone`` as a zone id (``default``: the JVM's)."""
        return str(self.t_env.get_config().get_local_timezone())

    def check_submission_headers(self, configuration: Configuration) -> None:
        """Flink's client takes REST headers from the environment the JVM started with;
        other headers set later cannot reach it. (Quick: it starts nothing.)"""
        from flink_notebook.core.rest_options import rest_headers

        with self._lock:
            # Before Java starts, it will start with the notebook's headers.
            fixed = self.jvm_headers if self._java_started else rest_headers(self.configuration)
        if rest_headers(configuration) != fixed:
            raise UsageError(
                "notebook.rest-headers changed after Flink started, and Flink's client reads "
                "them only then: put them in ~/.flink-notebook/config.yaml or "
                "FLINK_NOTEBOOK_OPTS (or export FLINK_REST_CLIENT_HEADERS) and restart the "
                "kernel."
            )

    def check_runtime_mode(self, configuration: Configuration) -> None:
        """The runtime mode is fixed when the table environment is created."""
        wanted = configuration.get("execution.runtime-mode")
        if wanted and wanted != "automatic" and wanted != self.runtime_mode:
            raise UsageError(
                f"execution.runtime-mode is {self.runtime_mode} in this session and cannot "
                "change while it runs. Start the kernel with "
                f"FLINK_NOTEBOOK_OPTS=execution.runtime-mode={wanted} (or put it in "
                "~/.flink-notebook/config.yaml)."
            )

    def check_jvm_memory(self, configuration: Configuration) -> None:
        """The JVM's heap is fixed when Java starts (at ``%load_ext``)."""
        wanted = configuration.get("notebook.jvm-memory")
        if self.jvm_memory and memory_mb(wanted) != memory_mb(self.jvm_memory):
            raise UsageError(
                f"notebook.jvm-memory is {self.jvm_memory} in this session and cannot change "
                "while Java runs. Put it in ~/.flink-notebook/config.yaml or start the kernel "
                f"with FLINK_NOTEBOOK_OPTS=notebook.jvm-memory={wanted}."
            )

    def _apply_options(self, configuration: Configuration) -> None:
        """Make the environments carry exactly the configuration's Flink options."""
        j_env = java_stream_env(self.env)
        j_conf = j_env.getConfiguration()
        table_conf = java_configuration(self.t_env.get_config().get_configuration())
        wanted = self.job_options(configuration)
        if "parallelism.default" not in configuration.flink_options():
            del wanted["parallelism.default"]  # the environment's parallelism, set below
        for key in self._applied - set(wanted):
            j_conf.removeKey(key)
            table_conf.removeKey(key)
        for key, value in wanted.items():
            j_conf.setString(key, value)
            table_conf.setString(key, value)
        self._applied = set(wanted)
        j_env.setParallelism(self.parallelism(configuration))

    @classmethod
    def job_options(cls, configuration: Configuration) -> dict[str, str]:
        """The Flink options ``configuration`` gives its jobs (where they run is not one)."""
        options = {
            # TaskManagers start Python workers with the kernel's interpreter unless told.
            "python.executable": sys.executable,
            **{k: v for k, v in configuration.flink_options().items() if k not in _ROUTING_KEYS},
            "parallelism.default": str(cls.parallelism(configuration)),
        }
        if "execution.checkpointing.interval" in options:
            # Checkpoints a cell's --resume checkpoint can start from: on disk, and kept when
            # the job is cancelled (Flink's default deletes them), unless the user chose.
            from flink_notebook.core.state import state_dir

            if "state.checkpoints.dir" not in options:  # the old name of the same option
                options.setdefault("execution.checkpointing.dir",
                                   (state_dir() / "checkpoints").as_uri())
            options.setdefault("execution.checkpointing.externalized-checkpoint-retention",
                               "RETAIN_ON_CANCELLATION")
        return options

    @contextmanager
    def context_environments(self, configuration: Configuration) -> Iterator[None]:
        """Within the block, environments the code on this thread creates (PyFlink's
        get_execution_environment, TableEnvironment.create...) submit through the notebook's
        executor, with ``configuration``'s options under their own."""
        self.ensure_started()
        with self.routing.contexts(self.job_options(configuration)):
            yield

    @staticmethod
    def parallelism(configuration: Configuration) -> int:
        return int(configuration.get("parallelism.default") or DEFAULT_PARALLELISM)
