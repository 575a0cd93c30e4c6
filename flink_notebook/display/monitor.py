"""Detached jobs: their views keep updating after the cell returned (the attached loop is
:mod:`flink_notebook.display.follow`). One background monitor per cluster keeps them current.

It polls ``/jobs/overview`` once per tick (one request covers every job of the
cluster) and asks for details only for the views on display whose job still
runs. It starts with the first view and stops when the last one has ended, and shows its
last state everywhere (a query's view ends with its last row, a moment before REST reports
the job's end: the monitor draws such a view once more then, for the attached loop too).

While the cluster does not answer (a cut link, a JobManager down), a tick is that one
request alone, with a short timeout, and the ticks come ever further apart (up to
MAX_BACKOFF); the views say so and carry on once it answers again. After GIVE_UP seconds
of silence the views end, saying their jobs' last known state.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from flink_notebook.core.errors import Unreachable
from flink_notebook.core.states import TERMINAL
from flink_notebook.display.parent import current_parent, thread_parent
from flink_notebook.display.poller import JobPoller, poller_for
from flink_notebook.display.renderers import renderer_for

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration
    from flink_notebook.display.view import JobView, Look
    from flink_notebook.jobs.client import JobClient

log = logging.getLogger(__name__)

#: While the cluster does not answer: the first and the longest pause between ticks
#: (seconds; doubling in between), the timeout of each tick's one request, and how long
#: until the views give up.
BACKOFF_START = 1.0
MAX_BACKOFF = 30.0
PROBE_TIMEOUT = 2.0
GIVE_UP = 300.0


@dataclass(eq=False)  # identity: a view holds DataFrames
class _Watched:
    poller: JobPoller
    renderer: Any
    parent: dict[str, Any] | None
    refresh: float


class ClusterMonitor:
    _monitors: dict[str, ClusterMonitor] = {}
    _registry_lock = threading.Lock()

    def __init__(self, url: str, refresh: float) -> None:
        self.url = url
        self.refresh = refresh  # the pace while no view is watched
        self._watched: list[_Watched] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.requests = 0  # REST requests made, for benchmarks and tests
        self.failures = 0  # ticks in a row the cluster did not answer
        self._silent_since: float | None = None
        # id(view): (the note it had before, the "does not answer" note it shows now)
        self._notes: dict[int, tuple[str | None, str]] = {}

    @classmethod
    def for_url(cls, url: str, refresh: float) -> ClusterMonitor:
        with cls._registry_lock:
            if url not in cls._monitors:
                cls._monitors[url] = cls(url, refresh)
            return cls._monitors[url]

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def interval(self) -> float:
        """Seconds between ticks: the shortest refresh interval a watched view asked for;
        while the cluster does not answer, twice as long after each silent tick."""
        with self._lock:
            pace = min((item.refresh for item in self._watched), default=self.refresh)
        if self.failures:
            return min(max(pace, BACKOFF_START) * 2 ** (self.failures - 1), MAX_BACKOFF)
        return pace

    def watch(self, poller: JobPoller, renderer: Any, refresh: float | None = None) -> None:
        """Keep ``poller``'s view current and redraw it through ``renderer`` until its job
        ends, every ``refresh`` seconds (the notebook's refresh interval when it started)."""
        poller.ends_when_unreachable = False  # the monitor says so, and asks again
        with self._lock:
            self._watched.append(_Watched(poller, renderer, current_parent(),
                                          self.refresh if refresh is None else refresh))
            if not self.running:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name=f"flink-monitor {self.url}")
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                watched = list(self._watched)
                if not watched:
                    self._thread = None
                    return
            try:
                self._tick(watched)
            except Exception:  # a monitor must outlive one bad poll
                log.warning("monitor tick failed", exc_info=True)
            time.sleep(self.interval())

    def _tick(self, watched: list[_Watched]) -> None:
        states: dict[str, str] = {}
        rest = watched[0].poller.job.rest
        try:
            self.requests += 1
            if self.failures:  # a short question while it has not been answering
                jobs = rest.request("GET", "/jobs/overview", timeout=PROBE_TIMEOUT)["jobs"]
            else:
                jobs = rest.jobs_overview()
            states = {job["jid"]: job["state"] for job in jobs}
        except UsageError as exc:
            # A dedicated cluster of ours (per-job) that stopped left its jobs' ends on
            # record: those views poll as ever. The others wait for an answer.
            # An ended view awaiting its job's last state finds out on its own poll too.
            dedicated = [item for item in watched if item.poller.job.cluster is not None
                         or item.poller.view.ended]
            others = [item for item in watched if item not in dedicated]
            if isinstance(exc, Unreachable) and self._silent(others, str(exc)):
                watched = dedicated
        except Exception:  # cluster gone: each view finds out on its own refresh
            states = {}
        else:
            self._answered(watched)
        ended = []
        for item in watched:
            view = item.poller.view
            state = states.get(view.job.job_id)
            # Nothing moves while a job waits (the overview would show a change). A job that
            # ended while its view did not is polled on: its last rows are still being read.
            if state is not None and state == view.state and state != "RUNNING" \
                    and state not in TERMINAL:
                continue
            self.requests += 1
            item.poller.poll(running=state == "RUNNING")
            with thread_parent(item.parent):  # drawn for good once every part shows the end
                if view.final:
                    item.renderer.close()
                else:
                    item.renderer.update()
            if view.final:
                ended.append(item)
                view.job.rest.close()  # as follow() does: a kept handle holds no socket
        if ended:
            with self._lock:
                self._watched = [w for w in self._watched if w not in ended]

    def _silent(self, watched: list[_Watched], reason: str) -> bool:
        """The cluster did not answer: each view says so. False once it has been silent
        for GIVE_UP seconds (then the views poll, and end with their last known state)."""
        now = time.monotonic()
        self.failures += 1
        self._silent_since = self._silent_since or now
        if now - self._silent_since > GIVE_UP:
            for item in watched:
                item.poller.ends_when_unreachable = True
            return False
        since = time.strftime("%H:%M:%S", time.localtime(time.time() - (now -
                                                                         self._silent_since)))
        for item in watched:
            view = item.poller.view
            if view.ended:
                continue
            before = self._notes.get(id(view), (view.note, ""))[0]
            view.note = (f"{reason.split(' (')[0]}: no answer since {since}; its last known "
                         f"state is {view.state}. Asking again in {self.interval():.0f} s.")
            self._notes[id(view)] = (before, view.note)
            view.version += 1
            with thread_parent(item.parent):
                item.renderer.update()
        return True

    def _answered(self, watched: list[_Watched]) -> None:
        """The cluster answers (again): views show the note they had before it did not."""
        if not self.failures:
            return
        self.failures, self._silent_since = 0, None
        for item in watched:
            view = item.poller.view
            before, ours = self._notes.pop(id(view), (None, None))
            if ours is not None and view.note == ours:
                view.note = before


def show(job: JobClient, configuration: Configuration, look: Look | None = None) -> JobView:
    """Display a detached job's view; it keeps updating after the cell returns, from the
    cluster's monitor. ``look``: how the view draws the rows besides the table."""
    refresh = float(configuration.get("notebook.refresh-interval"))
    poller = poller_for(job, configuration, look)
    poller.poll()
    renderer = renderer_for(poller, configuration)
    renderer.show()
    ClusterMonitor.for_url(job.rest.url, refresh).watch(poller, renderer, refresh)
    return poller.view
