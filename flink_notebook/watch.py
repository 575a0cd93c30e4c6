"""Following a job in its cell: an attached run blocks here until the job ends.

The view refreshes once per ``notebook.refresh-interval`` and the renderer
redraws only when something changed. Ctrl-C (the notebook's interrupt) or
``--timeout`` cancels the job.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from flink_notebook.display.choose import make_renderer
from flink_notebook.display.monitor import show_detached
from flink_notebook.display.view import JobView

if TYPE_CHECKING:
    from flink_notebook.config import Configuration
    from flink_notebook.job import JobClient

_FIRST_PAUSE = 0.05  # a small query's answer is often there within the first tenth of a second
_SETTLE_SECONDS = 60.0  # after a cancel, how long to wait for the final state


def _renderer(view: JobView, configuration: Configuration):
    return make_renderer(view, configuration.get("notebook.renderer") or "auto",
                         configuration.get("state.savepoints.dir"))


def follow(job: JobClient, configuration: Configuration, timeout: float | None = None) -> JobView:
    """Show the job live until it ends; return its final view. ``timeout`` cancels the job
    that many seconds after it started running (its start-up does not count, but a job that
    never gets to run is cancelled after ``notebook.startup-timeout`` on top)."""
    view = JobView(job)
    renderer = _renderer(view, configuration)
    renderer.show()
    refresh = float(configuration.get("notebook.refresh-interval"))
    give_up = None if timeout is None else (
        time.monotonic() + timeout + float(configuration.get("notebook.startup-timeout")))
    running_since: float | None = None
    pause, drawn = _FIRST_PAUSE, 0.0
    try:
        while not view.refresh().ended:
            now = time.monotonic()
            if running_since is None and view.running:
                running_since = now
            if timeout is not None and (now > give_up or (
                    running_since is not None and now - running_since > timeout)):
                view.cancel()
                break
            if time.monotonic() - drawn >= refresh:  # at most one update per refresh tick
                renderer.update()
                drawn = time.monotonic()
            time.sleep(pause)  # short at first: a small query's answer comes quickly
            pause = min(pause * 2, refresh)
    except KeyboardInterrupt:
        view.cancel()
    settle = time.monotonic() + _SETTLE_SECONDS
    while not view.refresh().ended and time.monotonic() < settle:
        time.sleep(0.1)
    renderer.close()
    return view


def show(job: JobClient, configuration: Configuration) -> JobView:
    """Display a detached job's view; it keeps updating after the cell returns."""
    view = JobView(job)
    show_detached(view.refresh(), _renderer(view, configuration),
                  float(configuration.get("notebook.refresh-interval")))
    return view
