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

from flink_notebook.core.config import SAVEPOINT_DIR_KEYS, memory_mb, savepoint_directory
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
        #: The cell (resume key) and run of each handle a cell made: a re-run lets go of the
        #: rows of the cell's earlier runs.
        self._runs: weakref.WeakKeyDictionary[JobClient, tuple[str, int]] = \
            weakref.WeakKeyDictionary()
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
        and what draws its ``chart()``.

        The handles are kept within bounds, so that a long session does not hold every
        result it ever had:

        - the newest ``notebook.keep-jobs`` handles, running ones always: an older handle
          whose job is over is dropped, with its rows and its connections to the cluster;
        - the rows of an earlier run of ``job``'s cell go once that job is over;
        - the rows of the kept jobs' results hold ``notebook.results-memory`` at most
          together: beyond it the oldest go first.

        A handle whose rows went refuses to give them, saying why (a DataFrame bound by
        ``-o`` is the user's and stays)."""
        # Imported with the first job, not with the magics: they pull in pandas (B1).
        from flink_notebook.cells.looks import look_of_cell
        from flink_notebook.cells.resume import remember_in_cell
        from flink_notebook.display.charts.show import chart_shower

        configuration = configuration or self.configuration
        if request is not None:
            look = look_of_cell(job, request, configuration) if drawn else None
            if look is not None:
                self._looks[job] = look
            if request.cell_key is not None:
                self._runs[job] = (request.cell_key, request.run)
            remember_in_cell(job, request, configuration)
        job.on_chart(chart_shower(self.configuration, self._looks.get(job)))
        # The cell's -D, else the notebook's option as it is now (set after the job started).
        in_cell = any(configuration.source(key) == "cell" for key in SAVEPOINT_DIR_KEYS)
        job.savepoints_from(lambda: savepoint_directory(
            configuration if in_cell else self.configuration))
        for old, why in self._keep(job):
            old.let_go(why)
        return job

    def _keep(self, job: JobClient) -> list[tuple[JobClient, str]]:
        """Add ``job`` to the kept handles; the handles and results to let go, and why."""
        keep = int(self.configuration.get("notebook.keep-jobs") or 100)
        budget = (memory_mb(self.configuration.get("notebook.results-memory")) or 0) * 2**20
        cell, run = self._runs.get(job, (None, None))
        letting_go: list[tuple[JobClient, str]] = []
        with self._lock:
            self.jobs.append(job)
            excess = len(self.jobs) - keep
            kept = []
            for old in self.jobs:
                if excess > 0 and old is not job and old.is_over:
                    excess -= 1
                    self.dropped_jobs += 1
                    letting_go.append((old, _LET_GO_KEEP_JOBS.format(job=old.label,
                                                                     keep=keep)))
                else:
                    kept.append(old)
            self.jobs[:] = kept
            held = 0
            for old in reversed(kept[:-1]):  # newest first: the oldest rows go first
                result = old.query_result
                if result is None or result.dropped or not old.is_over:
                    continue
                old_cell, old_run = self._runs.get(old, (None, None))
                if cell is not None and old_cell == cell and old_run != run:
                    letting_go.append((old, _LET_GO_RERUN.format(job=old.label)))
                elif held + result.nbytes > budget:
                    letting_go.append((old, _LET_GO_MEMORY.format(
                        job=old.label, budget=self.configuration.get("notebook.results-memory"))))
                else:
                    held += result.nbytes
        return letting_go

    def listed_jobs(self) -> list[JobClient]:
        """What ``%flink_jobs`` lists: this notebook's jobs, then the detached jobs other
        kernels left running on this host's per-job clusters (their ``origin`` says whose)."""
        from flink_notebook.jobs.attach import left_running

        mine = {job.job_id for job in self.jobs}
        return [*self.jobs, *(job for job in left_running() if job.job_id not in mine)]

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


_LET_GO_KEEP_JOBS = (
    "The rows of job {job} were let go: the notebook keeps the newest {keep} jobs "
    "(notebook.keep-jobs). Run its query again; keep rows with -o NAME (attached) or "
    "df = job.to_pandas() while they are there.")
_LET_GO_RERUN = (
    "The rows of job {job} were let go when its cell ran again. Run its query again; keep "
    "rows with -o NAME (attached) or df = job.to_pandas() before re-running the cell.")
_LET_GO_MEMORY = (
    "The rows of job {job} were let go: the kept results may hold {budget} together "
    "(notebook.results-memory) and newer ones took the room. Run its query again, or raise "
    "notebook.results-memory.")
