"""JobPoller: fills a JobView from its job, and acts on the job for a view's buttons.

One :meth:`JobPoller.poll` asks REST for the job's details (its vertices, their tasks and
network counters, the plan's edges), at most once per second for each vertex's own
metrics (:mod:`~flink_notebook.display.vertex_metrics`), and reads one page of the rows
buffered in the JVM. Rates come from the difference to
the previous poll, so the poller, not the view, remembers what it saw last.

Flink's REST API serves every counter and metric from its metric store, which our
clusters refresh once a second (``METRICS_FETCH_INTERVAL``; Flink's default is 10 s):
reading them more often gives the same numbers. So a detached view, whose monitor
already knows from ``/jobs/overview`` that the job still runs, reads its details once
per ``DETAILS_EVERY`` while its rows are read every refresh (B7: 152 REST requests a
second for 20 views, before).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from flink_notebook.core.errors import Unreachable, summarize_trace
from flink_notebook.core.state import state_dir
from flink_notebook.core.states import TERMINAL
from flink_notebook.display.vertex_metrics import VertexFigures, VertexMetrics
from flink_notebook.display.view import (
    ENDING,
    UNKNOWN,
    VERTEX_ENDED,
    JobView,
    Look,
    Operator,
)
from flink_notebook.display.words import plural
from flink_notebook.engine.results import ResultMode

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration
    from flink_notebook.jobs.client import JobClient

#: Rows drawn while a job runs; the whole result is available when it ends.
SHOWN_ROWS = 200
#: Rows of an updating result read each refresh, to be drawn sorted (notebook.max-rows
#: keeps 1000 by default; a bounded result keeps every row).
UPDATE_ROWS = 5000
#: The metric store's pace on our clusters: a running job's details and its vertices'
#: metrics are read at most this often when nothing says they changed (seconds).
DETAILS_EVERY = 1.0
#: How long a job's tasks wait to be scheduled before the view asks the cluster for its
#: free slots (seconds). Every job waits a moment while it is deployed; asking at once
#: cost each small query a REST call per poll (B2 in benchmarks/RESULTS.md).
SLOTS_ASKED_AFTER = 0.5
#: How long an ended view reads its job's details on, waiting for REST to report the job
#: and its every vertex ended, before it says UNKNOWN of those it did not (seconds). Flink
#: winds a bounded query's job down in well under a second once its last row is out.
FINAL_STATE_WAIT = 5.0


class JobPoller:
    """Keeps one :class:`JobView` of a job up to date."""

    def __init__(self, job: JobClient | JobView, every: float = 1.0,
                 cancel_savepoints: str | None = None, look: Look | None = None) -> None:
        """``every``: how often, at most, the vertices' own metrics are read (seconds).
        ``cancel_savepoints``: a cancel stops the job with a savepoint there instead
        (``notebook.cancel-with-savepoint``), and cancels it if the savepoint fails.
        ``look``: how the view draws the rows besides the table (a chart, a card)."""
        self.view = job if isinstance(job, JobView) else JobView(job, look=look)
        self.cancel_savepoints = cancel_savepoints
        self._metrics = VertexMetrics(self.view.job, every)
        self._last: dict[str, tuple[float, int, int]] = {}  # vertex: (time, in, out)
        self._restarted_at = 0  # the RESTARTING time of the restart the view explains
        #: False: a cluster that does not answer leaves the view as it was, not ended (the
        #: detached monitor says so and asks again later; a cut link may come back).
        self.ends_when_unreachable = True
        self._details_at = float("-inf")  # when the job's details were read last
        self._waiting_since: float | None = None  # since when its tasks wait to be scheduled
        self._ended_at = float("inf")  # when the view ended (its end awaited from REST since)
        self._at_sink = -1  # the collect sink's own count of what it took in (-1: unknown)
        #: Reading its rows stopped at their bound (a preview's, ``QueryResult.stop_after``).
        self.bound_hit = False

    @property
    def job(self) -> JobClient:
        return self.view.job

    def poll(self, running: bool = False) -> JobView:
        """Bring the view up to date; returns it. ``running``: the cluster's overview has
        just said the job runs, so its details are read only if they are
        ``DETAILS_EVERY`` old (its rows always are)."""
        view, job = self.view, self.job
        if view.final:
            return view
        if view.ended:  # its answer is complete: read on until REST reports the end too
            self._settle()
            return view
        now = time.monotonic()
        details = not (running and view.state == "RUNNING"
                       and now - self._details_at < DETAILS_EVERY)
        if details:
            try:
                view.state = job.status()
            except UsageError as exc:  # the cluster went away: say so, keep the last state
                if not self.ends_when_unreachable and isinstance(exc, Unreachable):
                    return view
                view.note = str(exc)  # it says the last known state
                if view.state not in TERMINAL:
                    view.state = UNKNOWN
                view.ended = view.final = True
                view.operators = [op.ended_as(UNKNOWN) for op in view.operators]
                view.version += 1
                return view
            self._details_at = now
            view.operators = self._operators(job._last_details)
        result = view.result
        if result is not None and result.dropped is None:
            if result.mode is ResultMode.ALL:
                result.fetch_available()
            counters = result.counters()
            view.received, view.in_view = counters.received, counters.in_view
            view.truncated = counters.truncated
            self._at_sink = counters.at_sink
            if counters.stopped:  # at its row bound (a preview's): its job is to be cancelled
                self.bound_hit = True
                view.note = view.note or bound_note(result)
            if result.mode is not ResultMode.ALL:  # a chart plots up to max-rows rows
                charted = view.look is not None and view.look.chart is not None
                shown = SHOWN_ROWS
                if result.mode is ResultMode.UPDATE:  # drawn sorted: its whole table, not
                    shown = min(result.max_rows, UPDATE_ROWS)  # the rows the buffer has first
                view.rows = result.page(None if charted else shown)
        if details:
            view.waiting = self._waiting_for_slots()
            self._read_restart()
        rows_done = result is None or result.done or view.state in ("FAILED", "CANCELED")
        if view.state not in TERMINAL and result is not None and job.rows_complete():
            # Every row is in (the end of the data came through): the answer is complete
            # while Flink still winds the job down, which takes seconds.
            view.state = "FINISHED"
        if view.state in TERMINAL and rows_done:
            self._finish()
            self._settle()
        view.version += 1
        return view

    # -- actions (a view's buttons) ------------------------------------------

    def cancel(self) -> JobView:
        """Cancel the job (a note instead if it already ended); returns the polled view.
        With ``cancel_savepoints``, stop it with a savepoint first (the note says where),
        and cancel it only if that fails (the note says why)."""
        if self.cancel_savepoints and not self.view.ended:
            try:
                self.view.note = (f"stopped with a savepoint: "
                                  f"{self.job.stop_with_savepoint(self.cancel_savepoints)}")
                return self.poll()
            except UsageError as exc:
                failed = f"The savepoint failed, so the job was cancelled instead: {exc}"
            except KeyboardInterrupt:  # a second interrupt: do not wait for the savepoint
                failed = "Interrupted while taking the savepoint: the job was cancelled."
            try:
                self.job.cancel()
            except UsageError:
                pass  # it may have stopped meanwhile; the poll says how it ended
            self.view.note = failed
            return self.poll()
        try:
            self.job.cancel()
        except UsageError as exc:
            self.view.note = str(exc)
        return self.poll()

    def stop_with_savepoint(self, directory: str | None = None) -> JobView:
        """Stop the job with a savepoint in ``directory`` (else where its handle says); the
        view's note says where, or why not."""
        try:
            self.view.note = f"savepoint: {self.job.stop_with_savepoint(directory)}"
        except UsageError as exc:
            self.view.note = str(exc)
        return self.poll()

    # -- reading --------------------------------------------------------------

    def _finish(self) -> None:
        view = self.view
        view.ended = True
        view.waiting = None
        result = view.result
        if result is not None and result.dropped:  # the session let them go meanwhile
            view.rows, view.note = None, result.dropped
        elif result is not None:  # what arrived, even if the job failed (it says so)
            if view.state == "FINISHED":
                result.wait()  # its last rows may still be on their way
            view.rows = result.to_pandas()
            error = result.error()
            if error and view.state == "FINISHED" and not result.closed:
                view.note = f"Reading the rows failed (incomplete): {summarize_trace(error)}"
            counters = result.counters()
            view.received, view.in_view = counters.received, counters.in_view
            view.truncated = counters.truncated  # the last poll may have come before
            self._at_sink = counters.at_sink
            if counters.stopped:
                view.note = view.note or bound_note(result)
        self._ended_at = time.monotonic()
        if view.state == "FAILED":
            self._read_failure()

    def _read_failure(self) -> None:
        view = self.view
        view.failure = self.job.failure()
        view.failure_trace = self.job.failure_trace
        if view.failure and "minimum required resources" in view.failure:
            view.failure += self._slots_needed()

    def _settle(self) -> None:
        """An ended view shows its end everywhere: its job's details are read on (each
        poll) until REST lists the job and every vertex ended, then drawn once more with
        their final counts. Meanwhile, and for good once REST stops answering or has not
        said so within ``FINAL_STATE_WAIT``, vertices it lists as running say FINISHING
        (CANCELING, FAILING), then UNKNOWN: never RUNNING under an ended header."""
        view, job = self.view, self.job
        before = (view.state, view.operators, view.note)
        details: dict | None = job._last_details
        if not _all_ended(details):
            try:  # the handle stops asking once it saw the job's state end: ask REST
                details = job.rest.job(job.job_id)
            except UsageError:  # the cluster is gone (a per-job one stops with its job,
                # once its handle saw the end: then its last details say it)
                details = job._last_details if _all_ended(job._last_details) else None
        if details is not None and _all_ended(details):
            failed = details["state"] == "FAILED" and view.state != "FAILED"
            view.state = details["state"]
            view.operators = self._operators(details)
            if failed:  # after every row was in: rare, but it is how the job ended
                self._read_failure()
            view.final = True
        elif details is None or time.monotonic() - self._ended_at >= FINAL_STATE_WAIT:
            view.operators = [op.ended_as(UNKNOWN) for op in view.operators]
            view.final = True
        else:
            word = ENDING.get(view.state, UNKNOWN)
            view.operators = [op.ended_as(word) for op in view.operators]
        if view.final:
            view.note = view.note or self._unreported()
        if view.final or (view.state, view.operators, view.note) != before:
            view.version += 1  # redrawn when it changed, and once at the end

    def _unreported(self) -> str | None:
        """The note of a view whose vertices' end REST never reported."""
        if not any(op.status == UNKNOWN for op in self.view.operators):
            return None
        return ("The cluster did not report every operator's end: those it did not "
                "say UNKNOWN.")

    def _slots_needed(self) -> str:
        """What a job that Flink failed for want of slots needed, and what the cluster had."""
        slots = self._slots()
        if slots is None:
            return ""
        needed, free, total = slots
        return (f" It needed {plural(needed, 'task slot')}; the cluster has {free} free "
                f"of {total}: "
                "cancel a job, or use more slots (notebook.slots).")

    def _slots(self) -> tuple[int, int, int] | None:
        """The slots the job needs (its widest operator), and the cluster's free and total
        slots now; None when the cluster does not answer."""
        needed = max((op.parallelism for op in self.view.operators), default=1)
        try:
            overview = self.job.rest.overview()
        except UsageError:
            return None
        return needed, overview.get("slots-available", 0), overview.get("slots-total", 0)

    def _operators(self, details: dict) -> list[Operator]:
        now, ended = time.monotonic(), self.view.state in TERMINAL
        vertices = details.get("vertices", [])
        inputs = {node.get("id"): [(i.get("id", ""), i.get("ship_strategy", ""))
                                   for i in node.get("inputs", [])]
                  for node in details.get("plan", {}).get("nodes", [])}
        fed = {source for edges in inputs.values() for source, _ in edges}
        sources = {v.get("id") for v in vertices if not inputs.get(v.get("id"))}
        sinks = {v.get("id") for v in vertices if v.get("id") not in fed}
        figures = self._metrics.read(vertices, sources, sinks, final=ended)
        operators = []
        for vertex in vertices:
            vid = vertex.get("id", "")
            figure = figures.get(vid, VertexFigures())
            records_in, records_out, exact = _counts(vertex, figure, vid in sources,
                                                     vid in sinks)
            if vid in sinks and self._at_sink >= 0 and _COLLECT_SINK in vertex.get("name", ""):
                records_out = self._at_sink  # the sink's own count, exact (its accumulator)
            op = Operator(
                name=vertex.get("name", "?"), parallelism=vertex.get("parallelism", 0),
                status=vertex.get("status", "?"),
                tasks={k: v for k, v in vertex.get("tasks", {}).items() if v},
                records_in=records_in, records_out=records_out,
                id=vid, inputs=inputs.get(vid, []), watermark=figure.watermark,
                backpressure=None if ended else figure.backpressure,
                busy=None if ended else figure.busy,
            )
            key = vid or op.name
            previous = self._last.get(key)
            if previous is not None and not exact:
                # A cancelled task may report no final counts: keep the last ones seen.
                op.records_in = _kept(op.records_in, previous[1])
                op.records_out = _kept(op.records_out, previous[2])
                if now > previous[0] and not ended:
                    seconds = now - previous[0]
                    op.rate_in = _rate(op.records_in, previous[1], seconds)
                    op.rate_out = _rate(op.records_out, previous[2], seconds)
            self._last[key] = (now, op.records_in, op.records_out)
            operators.append(op)
        return operators

    def _read_restart(self) -> None:
        """A job that restarted says why, from then on (Flink keeps the time it last
        entered each state; a new restart time means one more restart)."""
        restarted = self.job._last_details.get("timestamps", {}).get("RESTARTING") or 0
        if restarted <= self._restarted_at or self.view.state in TERMINAL:
            return
        trace = self.job.last_exception()
        if trace:  # the history may lag the state by a poll
            self._restarted_at = restarted
            self.view.note = f"Restarted after a failure: {summarize_trace(trace)}"

    def _waiting_for_slots(self) -> str | None:
        """While tasks wait to be scheduled, say how many slots the job needs and has."""
        view = self.view
        if view.state in TERMINAL or not view.operators:
            return None
        waiting = sum(op.tasks.get("SCHEDULED", 0) + op.tasks.get("CREATED", 0)
                      for op in view.operators)
        if not waiting or any(op.tasks.get("RUNNING") for op in view.operators):
            self._waiting_since = None
            return None
        now = time.monotonic()
        if self._waiting_since is None:
            self._waiting_since = now
        if now - self._waiting_since < SLOTS_ASKED_AFTER:
            return view.waiting  # being deployed, most likely: ask a little later
        slots = self._slots()
        if slots is None or slots[1] >= slots[0]:
            return None  # unknown, or being deployed rather than waiting
        needed, free, total = slots
        return (f"waiting for {plural(needed, 'task slot')}; the cluster has {free} free "
                f"of {total}")


#: The collect sink's vertex, as Flink names it (a query's rows leave the job there).
_COLLECT_SINK = "Collect table sink"


def bound_note(result: Any) -> str:
    """What a view says of a result whose reading stopped at its row bound (a preview's)."""
    what = "row" if result.mode in (ResultMode.APPEND, ResultMode.ALL) else "change"
    return (f"Preview stopped at {plural(result.stop_after, what)} (its --preview-rows "
            "bound): the job was cancelled.")


def _all_ended(details: dict | None) -> bool:
    """REST lists the job and every one of its vertices ended."""
    return bool(details) and details.get("state") in TERMINAL and all(
        v.get("status") in VERTEX_ENDED for v in details.get("vertices", []))


def _counts(vertex: dict, figure: VertexFigures, source: bool, sink: bool
            ) -> tuple[int | None, int | None, bool]:
    """A vertex's records in and out, and whether they are final. A source's records in
    are what its source read, a sink's records out what its sink wrote: only the
    operators' metrics say those, else None. An ended vertex's network counts in the
    job details are final (Flink's ``*-complete``); the metric store's last reading of its
    operators is current only if it saw those same network counts (a job may end between
    two readings), else its source's and sink's counts are not known. While it runs, both
    counts come from the one reading of its metrics when there is one."""
    metrics = vertex.get("metrics", {})
    net_in, net_out = metrics.get("read-records", 0), metrics.get("write-records", 0)
    if vertex.get("status") in VERTEX_ENDED and metrics.get("read-records-complete") \
            and metrics.get("write-records-complete"):
        current = (figure.task_in, figure.task_out) == (net_in, net_out)
        return (figure.records_in if current else None) if source else net_in, \
            (figure.records_out if current else None) if sink else net_out, True
    same = figure.task_in is not None and figure.task_out is not None
    records_in = figure.records_in if source else figure.task_in if same else net_in
    records_out = figure.records_out if sink else figure.task_out if same else net_out
    return records_in, records_out, False


def _kept(count: int | None, before: int | None) -> int | None:
    """Counts never go back (a cancelled task may report none at its end)."""
    if count is None or before is None:
        return before if count is None else count
    return max(count, before)


def _rate(count: int | None, before: int | None, seconds: float) -> float:
    if count is None or before is None:
        return 0.0
    return max(0.0, (count - before) / seconds)


def poller_for(job: JobClient, configuration: Configuration, look: Look | None = None
               ) -> JobPoller:
    """A poller with the configuration's refresh interval and cancel behaviour; its view
    draws ``look``."""
    cancel_savepoints = None
    if configuration.get("notebook.cancel-with-savepoint"):
        cancel_savepoints = configuration.get("state.savepoints.dir") or (
            state_dir() / "savepoints").as_uri()
    refresh = float(configuration.get("notebook.refresh-interval"))
    return JobPoller(job, max(refresh, DETAILS_EVERY), cancel_savepoints, look)
