"""``%flink_jobs``: the session's jobs and their current state. As a pandas table in any
frontend (:func:`jobs_table`); in a widget frontend as a live grid
(:mod:`~flink_notebook.display.job_grid`) that :class:`JobList` keeps current.

:class:`JobList` owns the rows and their refresh; its subclasses only draw. While any listed
job has not ended, a background thread reads the rows every ``interval`` seconds (one
overview request per cluster, :mod:`~flink_notebook.display.job_rows`) and draws them in
the cell that showed the list (:mod:`~flink_notebook.display.parent`). It stops when every
listed job has ended, the list is closed, or a newer list starts (one list refreshes at a
time: an output cleared or scrolled away leaves no thread polling clusters); while a cluster
does not answer, the reads come ever further apart. No event loop is involved: a plain
thread that sleeps on an event.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from flink_notebook.display.job_rows import JobRow, read_rows
from flink_notebook.display.parent import current_parent, thread_parent

if TYPE_CHECKING:
    from flink_notebook.jobs.client import JobClient

log = logging.getLogger(__name__)

#: Seconds between two reads of a list while its jobs run.
LIST_REFRESH = 1.0
#: The longest pause between reads while a cluster does not answer.
MAX_PAUSE = 30.0


def jobs_table(jobs: list[JobClient], target: Callable[[Any], str] | None = None
               ) -> pd.DataFrame:
    """One row per job: id, name, state (asked from REST now), duration, web UI link and
    its cluster (``target(job)``)."""
    rows = []
    for job in jobs:
        try:
            state = job.status()
        except Exception as exc:  # a stopped cluster: say so instead of failing the list
            state = f"unknown ({str(exc).splitlines()[0]})"
        rows.append(
            {"job_id": job.job_id, "name": job.name, "state": state,
             "duration_s": round(job.duration, 1), "web_ui": job.web_url,
             "target": target(job) if target is not None else ""}
        )
    return pd.DataFrame(rows, columns=["job_id", "name", "state", "duration_s", "web_ui",
                                       "target"])


class JobList:
    """The listed jobs' rows, read by :meth:`step` (which :meth:`start` repeats on a thread
    while any job runs). Subclasses draw: :meth:`draw` each read, :meth:`finish` once no
    job will change again, :meth:`superseded` when a newer list took over the refresh."""

    #: The list that refreshes now (the newest one started).
    _refreshing: ClassVar[weakref.ref[JobList] | None] = None
    _one_at_a_time: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, jobs: list[JobClient], target: Callable[[Any], str] = lambda j: "",
                 interval: float = LIST_REFRESH) -> None:
        self.jobs = list(jobs)
        self.target = target
        self.interval = interval
        self.rows: list[JobRow] = []
        self.reads = 0
        self.silent = 0  # reads in a row where some cluster did not answer
        self._lock = threading.RLock()  # one read and draw at a time (thread and clicks)
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._finished = False
        self._parent: dict[str, Any] | None = None

    @property
    def ended(self) -> bool:
        """Whether no listed job will change again (as last read)."""
        return all(row.ended for row in self.rows)

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def refreshing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def read(self) -> list[JobRow]:
        known = {row.job.job_id: row.state for row in self.rows}
        rows = read_rows(self.jobs, self.target, known)
        self.reads += 1
        self.silent = self.silent + 1 if any(not row.answered for row in rows) else 0
        return rows

    def step(self) -> bool:
        """Read the rows and draw them once; whether there is more to come (some job still
        runs and the list is open). The last step draws the final state."""
        with self._lock:
            if self.closed:
                return False
            self.rows = self.read()
            with thread_parent(self._parent):
                self.draw(self.rows)
                if self.ended:
                    self._finish()
            return not self.ended

    def start(self) -> None:
        """Refresh in the background while any job runs (its output goes to the cell that
        first started it)."""
        self._parent = self._parent or current_parent()
        if self.ended or self.closed or self.refreshing:
            return
        with JobList._one_at_a_time:
            before = JobList._refreshing() if JobList._refreshing is not None else None
            JobList._refreshing = weakref.ref(self)
        if before is not None and before is not self and before.refreshing:
            before.stop_refreshing()
            before.superseded()
        self._thread = threading.Thread(target=self._run, daemon=True, name="flink-jobs list")
        self._thread.start()

    def pause(self) -> float:
        """Seconds until the next read: twice as long after each silent read."""
        if not self.silent:
            return self.interval
        return min(self.interval * 2 ** self.silent, MAX_PAUSE)

    def _run(self) -> None:
        while not self._closed.wait(self.pause()):
            try:
                if not self.step():
                    return
            except Exception:  # a list must outlive one bad read
                log.warning("%flink_jobs refresh failed", exc_info=True)

    def stop_refreshing(self) -> None:
        """Stop refreshing (the thread ends within one pause); what is shown stays."""
        self._closed.set()

    def close(self) -> None:
        """Stop refreshing (subclasses also close what they show)."""
        self.stop_refreshing()

    def _finish(self) -> None:
        if not self._finished:
            self._finished = True
            self.finish()

    def draw(self, rows: list[JobRow]) -> None:
        """Show ``rows`` (called on the refresh thread or the click's)."""

    def superseded(self) -> None:
        """A newer list refreshes instead of this one (which stopped): say so."""

    def finish(self) -> None:
        """Every job has ended: let go of what only running jobs need."""
