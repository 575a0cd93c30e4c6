"""The embedded cluster: a session MiniCluster inside the kernel's own JVM.

It starts once (in the background at ``%load_ext``), serves every cell of the kernel
(the ``local`` target), and listens on 127.0.0.1 only, on a free port; its REST API and web
UI are the same as a real cluster's, so job handles work the same way.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import httpx
from py4j.protocol import Py4JError

from flink_notebook.clusters.standalone import METRICS_FETCH_INTERVAL, WEB_REFRESH_INTERVAL, probe
from flink_notebook.core.address import ClusterAddress
from flink_notebook.core.ports import LOOPBACK
from flink_notebook.core.states import TERMINAL

_READY_TIMEOUT = 60.0  # seconds for a TaskManager's slots to register
_REREGISTER_TIMEOUT = 5.0  # for one that lost its connection to come back
_ASK_TIMEOUT = 2  # seconds for the MiniCluster to say how many slots it has
#: What a MiniCluster's TaskManager gets when nothing says (Flink's local-execution
#: defaults); more with a larger ``notebook.jvm-memory``, never less.
_MANAGED_MB, _NETWORK_MB = 128, 64


def memory_options(heap_mb: int | None) -> dict[str, str]:
    """The TaskManager's managed memory (Python workers, RocksDB, batch sorts: off the
    heap, taken when used) and network buffers, for a JVM heap of ``heap_mb``: a quarter
    and an eighth of it, at least Flink's own local defaults."""
    if not heap_mb:
        return {}
    managed, network = max(_MANAGED_MB, heap_mb // 4), max(_NETWORK_MB, heap_mb // 8)
    return {"taskmanager.memory.managed.size": f"{managed}m",
            "taskmanager.memory.network.min": f"{network}m",
            "taskmanager.memory.network.max": f"{network}m"}


class EmbeddedCluster:
    """A MiniCluster in the py4j JVM with ``slots`` task slots, its memory sized for a JVM
    heap of ``heap_mb`` (``notebook.jvm-memory``)."""

    def __init__(self, gateway: Any, slots: int, heap_mb: int | None = None) -> None:
        self.slots = slots
        self.heap_mb = heap_mb
        self._gateway = gateway
        self._lock = threading.Lock()
        self._mini_cluster: Any = None
        self.address: ClusterAddress | None = None

    def start(self) -> ClusterAddress:
        with self._lock:
            if self.address is None:
                jvm = self._gateway.jvm
                conf = jvm.org.apache.flink.configuration.Configuration()
                for key in ("rest.bind-address", "rest.address", "jobmanager.bind-host",
                            "taskmanager.bind-host", "taskmanager.host"):
                    conf.setString(key, LOOPBACK)
                conf.setString("rest.port", "0")
                # The views' per-operator figures come from REST's metric store, which
                # asks the TaskManagers at most this often (Flink's default: 10 s).
                conf.setString("metrics.fetcher.update-interval", METRICS_FETCH_INTERVAL)
                # And a job's state and its tasks' (standalone.WEB_REFRESH_INTERVAL).
                conf.setString("web.refresh-interval", WEB_REFRESH_INTERVAL)
                for key, value in memory_options(self.heap_mb).items():
                    conf.setString(key, value)
                minicluster = jvm.org.apache.flink.runtime.minicluster
                settings = (
                    minicluster.MiniClusterConfiguration.Builder()
                    .setConfiguration(conf)
                    .setNumTaskManagers(1)
                    .setNumSlotsPerTaskManager(self.slots)
                    .build()
                )
                cluster = minicluster.MiniCluster(settings)
                cluster.start()
                uri = cluster.getRestAddress().get()
                self._mini_cluster = cluster
                self.address = ClusterAddress(LOOPBACK, uri.getPort())
                # Ready means usable: the TaskManager registers its slots after start(),
                # and the views read REST.
                self._wait_for_slots(_READY_TIMEOUT, self._slots_by_rest)
            return self.address

    @property
    def mini_cluster(self) -> Any:
        """The Java MiniCluster while it runs (None before and after)."""
        return self._mini_cluster if self.address is not None else None

    def busy(self) -> bool:
        """True while a job on it has not ended."""
        if self.address is None:
            return False
        jobs = probe(self.address.url, "/jobs/overview")["jobs"]
        return any(job["state"] not in TERMINAL for job in jobs)

    def repair(self) -> bool:
        """Start a TaskManager again if it has stopped offering its task slots, and wait
        for them; True if it had to.

        A MiniCluster closes a TaskManager for good after a fatal error in it (a task that
        would not cancel, an error thrown out of a task thread); every later job then waits
        for slots and fails. A TaskManager that only lost its connection registers again
        within seconds, so it gets that long first. The JobManager and its REST address
        stay the same, so handles of earlier jobs keep working.
        """
        if self.address is None or self._wait_for_slots(_REREGISTER_TIMEOUT, self._slots_total):
            return False
        with self._lock:
            self._mini_cluster.startTaskManager()
        self._wait_for_slots(_READY_TIMEOUT, self._slots_total)
        return True

    def _wait_for_slots(self, timeout: float, slots_total: Callable[[], int]) -> bool:
        """True once all its slots are registered (at once when they are), by
        ``slots_total``; False if they were not within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if slots_total() >= self.slots:
                    return True
            except (httpx.HTTPError, Py4JError):
                # A cluster just started may take more than a request's timeout to answer
                # its first one on a busy machine ("Could not start Flink: timed out", seen
                # in the browser test beside a full test run): that is "not yet".
                pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def _slots_by_rest(self) -> int:
        return int(probe(self.address.url, "/overview").get("slots-total", 0))

    def _slots_total(self) -> int:
        """The task slots registered now, asked of the MiniCluster itself: every cell asks
        (:meth:`repair`), and a REST request cost a warm cell 8 ms (B2)."""
        jvm = self._gateway.jvm
        overview = self._mini_cluster.requestClusterOverview().get(
            _ASK_TIMEOUT, jvm.java.util.concurrent.TimeUnit.SECONDS)
        return int(overview.getNumSlotsTotal())

    def restart(self, slots: int) -> None:
        """Start again with ``slots`` task slots (on a new port; the catalog is unaffected)."""
        self.stop()
        self.slots = slots
        self.start()

    def stop(self) -> None:
        with self._lock:
            if self._mini_cluster is not None:
                try:
                    self._mini_cluster.close()
                except Exception:  # the JVM may already be gone at exit
                    pass
                self._mini_cluster = None
                self.address = None
