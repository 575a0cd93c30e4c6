"""Detached jobs: their views keep updating after the cell returned (the attached loop is
:mod:`flink_notebook.display.follow`). One background monitor per cluster keeps them current.

It polls ``/jobs/overview`` once per tick (one request covers every job of the
cluster) and asks for details only for the views on display whose job still
runs. It starts with the first view and stops when the last one has ended.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flink_notebook.display.parent import current_parent, thread_parent
from flink_notebook.display.poller import JobPoller, poller_for
from flink_notebook.display.renderers import renderer_for

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration
    from flink_notebook.display.view import JobView
    from flink_notebook.jobs.client import JobClient

log = logging.getLogger(__name__)


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
        """Seconds between ticks: the shortest refresh interval a watched view asked for."""
        with self._lock:
            return min((item.refresh for item in self._watched), default=self.refresh)

    def watch(self, poller: JobPoller, renderer: Any, refresh: float | None = None) -> None:
        """Keep ``poller``'s view current and redraw it through ``renderer`` until its job
        ends, every ``refresh`` seconds (the notebook's refresh interval when it started)."""
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
        try:
            self.requests += 1
            jobs = watched[0].poller.job.rest.jobs_overview()
            states = {job["jid"]: job["state"] for job in jobs}
        except Exception:  # cluster gone: each view finds out on its own refresh
            states = {}
        ended = []
        for item in watched:
            view = item.poller.view
            state = states.get(view.job.job_id)
            if state is not None and state == view.state and state != "RUNNING":
                continue  # nothing moves while a job waits; the overview would show a change
            self.requests += 1
            item.poller.poll()
            with thread_parent(item.parent):
                if view.ended:
                    item.renderer.close()
                else:
                    item.renderer.update()
            if view.ended:
                ended.append(item)
        if ended:
            with self._lock:
                self._watched = [w for w in self._watched if w not in ended]


def show(job: JobClient, configuration: Configuration) -> JobView:
    """Display a detached job's view; it keeps updating after the cell returns, from the
    cluster's monitor."""
    refresh = float(configuration.get("notebook.refresh-interval"))
    poller = poller_for(job, configuration)
    poller.poll()
    renderer = renderer_for(poller, configuration)
    renderer.show()
    ClusterMonitor.for_url(job.rest.url, refresh).watch(poller, renderer, refresh)
    return poller.view
