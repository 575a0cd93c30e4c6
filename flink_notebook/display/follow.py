"""Following a job in its cell: an attached run blocks here until the job ends (the
detached loop is :mod:`flink_notebook.display.monitor`).

The view is polled quickly at first, then once per ``notebook.refresh-interval``, and the
renderer redraws at most once per interval and only when something changed. Ctrl-C (the
notebook's interrupt), ``--timeout`` or the view's Cancel button (clicked while the cell
runs, where the kernel has subshells) cancels the job; so does a view that cannot be drawn.
A query's view ends with its last row, while Flink still winds the job down: a view drawn
in place is then drawn once more by the cluster's monitor, when REST reports the end.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from IPython.core.error import UsageError

from flink_notebook.core.errors import job_failed
from flink_notebook.display.clicks import Clicks
from flink_notebook.display.monitor import ClusterMonitor
from flink_notebook.display.poller import poller_for
from flink_notebook.display.renderers import renderer_for

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration
    from flink_notebook.display.poller import JobPoller
    from flink_notebook.display.view import JobView, Look
    from flink_notebook.jobs.client import JobClient

_FIRST_PAUSE = 0.05  # a small query's answer is often there within the first tenth of a second
_SETTLE_SECONDS = 60.0  # after a cancel, how long to wait for the final state
#: The longest spell the loop waits in Java for a query's last row: a click made meanwhile
#: is handled when it is over, so it stays short whatever the refresh interval.
_ROWS_WAIT = 0.25
#: Set to 1 in the kernels of `flink-notebook run` (and settable for papermill or nbconvert):
#: what a cell shows when it returns is what the saved notebook keeps.
HEADLESS = "FLINK_NOTEBOOK_HEADLESS"


def follow(job: JobClient, configuration: Configuration, timeout: float | None = None,
           look: Look | None = None, timeout_note: str | None = None) -> JobView:
    """Show the job live until it ends; return its final view. A job that failed raises
    a UsageError that points at the view (:func:`~flink_notebook.core.errors.job_failed`):
    the view says why, the cell does not say it twice. ``timeout`` cancels the job
    that many seconds after it started running (its start-up does not count, but a job that
    never gets to run is cancelled after ``notebook.startup-timeout`` on top). ``look``: how
    the view draws the rows besides the table. ``timeout_note``: what the view says when
    ``timeout`` cancels the job (a preview's bound). A query whose reading stopped at its row
    bound (a preview's, ``QueryResult.stop_after``) has its job cancelled."""
    refresh = float(configuration.get("notebook.refresh-interval"))
    poller = poller_for(job, configuration, look)
    view = poller.view
    renderer = renderer_for(poller, configuration)
    _draw(renderer.show, poller)
    clicks = Clicks()
    renderer.take_clicks(clicks)
    give_up = None if timeout is None else (
        time.monotonic() + timeout + float(configuration.get("notebook.startup-timeout")))
    running_since: float | None = None
    pause, drawn = _FIRST_PAUSE, 0.0
    try:
        while not poller.poll().ended:
            now = time.monotonic()
            if running_since is None and view.running:
                running_since = now
            if timeout is not None and (now > give_up or (
                    running_since is not None and now - running_since > timeout)):
                view.note = timeout_note or view.note
                poller.cancel()
                break
            if poller.bound_hit:  # its rows' bound (a preview's)
                poller.cancel()
                break
            if time.monotonic() - drawn >= refresh:  # at most one update per refresh tick
                _draw(renderer.update, poller)
                drawn = time.monotonic()
            # Short at first (a small query's answer comes quickly); a click wakes it.
            for action in clicks.wait(_wait_for_rows(view, pause)):
                action()
            pause = min(pause * 2, refresh)
    except KeyboardInterrupt:
        poller.cancel()
    finally:
        clicks.release()
    settle = time.monotonic() + _SETTLE_SECONDS
    while not poller.poll().ended and time.monotonic() < settle:
        time.sleep(0.1)
    if view.ended and not view.final and os.environ.get(HEADLESS) == "1":
        # A notebook run headless keeps what the cell showed when it returned (later
        # updates reach no one): its end from REST, awaited (FINAL_STATE_WAIT at most).
        while not poller.poll().final:
            time.sleep(0.1)
    renderer.close()
    if job.printed is not None and view.ended:  # on a remote or per-job cluster
        text = job.printed.capture()
        if text:  # what its print sinks wrote there, as on the embedded cluster
            print(text, end="" if text.endswith("\n") else "\n")
    if view.ended and not view.final and getattr(renderer, "in_place", False):
        # Its answer is complete while Flink winds the job down: the cell returns now,
        # and the cluster's monitor draws the view once more when REST reports the end.
        ClusterMonitor.for_url(job.rest.url, refresh).watch(poller, renderer, refresh)
    elif view.ended:  # its socket: a kept handle holds none (one asked again opens one)
        job.rest.close()
    if view.state == "FAILED":  # the view says why; the cell's error points there
        raise job_failed(job.label, view.failure_trace,
                         bool(configuration.get("notebook.verbose-errors")))
    return view


def _draw(draw: Callable[[], None], poller: JobPoller) -> None:
    """``draw`` the view. If that fails (its chart, say), the job is cancelled first: the
    cell stops following it, and it must not keep running there, holding slots."""
    try:
        draw()
    except UsageError as exc:
        poller.cancel()
        raise UsageError(f"{exc} The job was cancelled.") from None
    except Exception:
        poller.cancel()
        raise


def _wait_for_rows(view: JobView, pause: float) -> float:
    """While a query's rows are still coming, spend up to ``pause`` (at most ``_ROWS_WAIT``)
    waiting in Java for its last one, so the next poll comes as soon as it is in rather than
    on the poll schedule (a warm cell's first rows, issue 16's B2). Returns what is left of
    ``pause`` to wait for clicks: nothing once every row is in (the job may still be winding
    down, and the next poll sees that)."""
    result = view.result
    if result is None or result.done:
        return pause
    spell = min(pause, _ROWS_WAIT)
    return 0.0 if result.await_done(spell) else pause - spell
