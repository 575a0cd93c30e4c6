"""The notebook: what one kernel keeps between cells, in one place.

The engine (:class:`~flink_notebook.engine.session.FlinkSession`: Java, the environments,
the embedded cluster) is the notebook's; so are the job handles its cells made, the
executors in use, the open statement set, the init-SQL files run, and the clusters
``%flink_cluster`` leased to this kernel. A handle is dressed here, and only here: how its
views draw it (its look), its cell's resume memory, and what draws its ``chart()``.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from typing import TYPE_CHECKING, Any

from flink_notebook.engine.session import FlinkSession
from flink_notebook.executors.registry import executor_for

if TYPE_CHECKING:
    from flink_notebook.cells.request import CellRequest
    from flink_notebook.clusters.standalone import LocalCluster
    from flink_notebook.core.config import Configuration
    from flink_notebook.display.view import Look
    from flink_notebook.executors.base import Executor
    from flink_notebook.jobs.client import JobClient
    from flink_notebook.sql.statements import Statement

log = logging.getLogger(__name__)


class Notebook:
    """One per kernel: the engine session and what the notebook's cells keep."""

    _current: Notebook | None = None
    _current_lock = threading.Lock()

    def __init__(self, session: FlinkSession) -> None:
        self.session = session
        #: The handles of this notebook's jobs (``%flink_jobs``, ``SHOW JOBS``): the newest
        #: ``notebook.keep-jobs`` of them, running ones always.
        self.jobs: list[JobClient] = []
        self.dropped_jobs = 0  # ended handles dropped under notebook.keep-jobs
        #: The executor made for each target; each is closed with the notebook.
        self.executors: dict[str, Executor] = {}
        #: The SQL client's statement set while it spans cells: its INSERTs, or None.
        self.statement_set: list[Statement] | None = None
        self.init_sql_run: set[str] = set()  # notebook.init-sql files run in this kernel
        self.clusters: list[LocalCluster] = []  # started by %flink_cluster, leased to us
        self._looks: weakref.WeakKeyDictionary[JobClient, Look] = weakref.WeakKeyDictionary()
        self._lock = threading.RLock()

    @classmethod
    def current(cls) -> Notebook:
        """The kernel's notebook, made on first use with the process's engine session."""
        with cls._current_lock:
            if cls._current is None:
                cls._current = Notebook(FlinkSession.current())
                atexit.register(cls._current.close)  # before the session's own (LIFO)
            return cls._current

    @property
    def configuration(self) -> Configuration:
        """The notebook-level configuration (``%flink_config``)."""
        return self.session.configuration

    def executor_for(self, configuration: Configuration) -> Executor:
        """This notebook's executor for ``configuration``'s target (made once per target)."""
        return executor_for(self.executors, configuration)

    # -- job handles -----------------------------------------------------------

    def register(self, job: JobClient, request: CellRequest | None = None,
                 configuration: Configuration | None = None, drawn: bool = True) -> JobClient:
        """Keep ``job``'s handle and dress it: with ``request``, the cell that started it,
        its cell's resume memory and (``drawn``) its look (``--chart``, ``--mode single``);
        and what draws its ``chart()``. Older ended handles beyond ``notebook.keep-jobs``
        are dropped, so that a long session does not hold every result it ever had."""
        # Imported with the first job, not with the magics: they pull in pandas (B1).
        from flink_notebook.cells.looks import look_of_cell
        from flink_notebook.cells.resume import remember_in_cell
        from flink_notebook.display.charts.show import chart_shower

        configuration = configuration or self.configuration
        if request is not None:
            look = look_of_cell(job, request, configuration) if drawn else None
            if look is not None:
                self._looks[job] = look
            remember_in_cell(job, request, configuration)
        job.on_chart(chart_shower(self.configuration, self._looks.get(job)))
        with self._lock:
            self.jobs.append(job)
            keep = int(self.configuration.get("notebook.keep-jobs") or 100)
            excess = len(self.jobs) - keep
            if excess > 0:
                kept = []
                for old in self.jobs:
                    if excess > 0 and old.has_ended:
                        excess -= 1
                        self.dropped_jobs += 1
                    else:
                        kept.append(old)
                self.jobs[:] = kept
        return job

    def look_of(self, job: JobClient) -> Look | None:
        """How ``job``'s views draw its rows besides the table (None: the table only)."""
        return self._looks.get(job)

    # -- the end ----------------------------------------------------------------

    def close(self) -> None:
        """Stop the clusters this notebook leased and its executors started, then the
        engine session. Idempotent."""
        with self._lock:
            clusters, self.clusters = self.clusters, []
            executors: list[Any] = list(self.executors.values())
            self.executors = {}
        for cluster in clusters:
            cluster.stop()
        for executor in executors:
            try:
                executor.close()
            except Exception:  # at exit: stop what can be stopped
                log.warning("closing %r failed", executor, exc_info=True)
        self.session.close()
