"""JobView: what is known about a job right now. It draws nothing itself.

``refresh()`` asks REST once (job details carry the per-operator numbers) and
reads the rows buffered in the JVM; renderers turn the view into widgets,
HTML or text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from flink_notebook.results import ResultMode

if TYPE_CHECKING:
    import pandas as pd

    from flink_notebook.job import JobClient

TERMINAL = frozenset({"FINISHED", "CANCELED", "FAILED"})
#: Rows drawn while a job runs; the whole result is available when it ends.
SHOWN_ROWS = 200


@dataclass
class Operator:
    name: str
    parallelism: int
    status: str
    tasks: dict[str, int]
    records_in: int
    records_out: int
    rate_in: float = 0.0
    rate_out: float = 0.0


@dataclass(eq=False)  # identity: it holds a DataFrame
class JobView:
    """The state a renderer draws: status, per-operator progress, counters, rows, errors."""

    job: JobClient
    state: str = "SUBMITTED"
    operators: list[Operator] = field(default_factory=list)
    rows: pd.DataFrame | None = None
    received: int = 0
    in_view: int = 0
    truncated: bool = False
    waiting: str | None = None
    failure: str | None = None
    failure_trace: str | None = None
    note: str | None = None
    ended: bool = False
    version: int = 0
    _last: dict[str, tuple[float, int, int]] = field(default_factory=dict, repr=False)
    _restarted_at: int = field(default=0, repr=False)

    @property
    def result(self) -> Any:
        return self.job.query_result

    @property
    def rows_word(self) -> str:
        if self.result is not None and self.result.mode in (ResultMode.UPDATE,
                                                            ResultMode.CHANGELOG):
            return "changes"
        return "rows"

    @property
    def elapsed(self) -> float:
        return self.job.duration

    @property
    def running(self) -> bool:
        """True once the job runs and so do all its tasks (start-up is over)."""
        return self.state == "RUNNING" and all(op.status == "RUNNING" for op in self.operators)

    def refresh(self) -> JobView:
        """Bring the view up to date (one REST request, one page of rows)."""
        if self.ended:
            return self
        try:
            self.state = self.job.status()
        except UsageError as exc:  # the cluster went away: say so, keep the last state
            self.note = str(exc)
            self.ended = True
            self.version += 1
            return self
        self._read_operators(self.job._last_details.get("vertices", []))
        result = self.result
        if result is not None:
            if result.mode is ResultMode.ALL:
                result.fetch_available()
            counters = result.counters()
            self.received, self.in_view = counters.received, counters.in_view
            self.truncated = counters.truncated
            if result.mode is not ResultMode.ALL:
                self.rows = result.page(SHOWN_ROWS)
        self.waiting = self._waiting_for_slots()
        self._read_restart()
        rows_done = result is None or result.done or self.state in ("FAILED", "CANCELED")
        if self.state not in TERMINAL and result is not None and self.job.rows_complete():
            # Every row is in (the end of the data came through): the answer is complete
            # while Flink still winds the job down, which takes seconds.
            self.state = "FINISHED"
        if self.state in TERMINAL and rows_done:
            self._finish()
        self.version += 1
        return self

    def _finish(self) -> None:
        self.ended = True
        self.waiting = None
        if self.result is not None:  # what arrived, even if the job failed (it says so)
            if self.state == "FINISHED":
                self.result.wait()  # its last rows may still be on their way
            self.rows = self.result.to_pandas()
            error = self.result.error()
            if error and self.state == "FINISHED" and not self.result.closed:
                from flink_notebook.job import summarize_trace

                self.note = f"Reading the rows failed (incomplete): {summarize_trace(error)}"
            counters = self.result.counters()
            self.received, self.in_view = counters.received, counters.in_view
        if self.state == "FAILED":
            self.failure = self.job.failure()
            self.failure_trace = self.job.failure_trace

    def _read_operators(self, vertices: list[dict]) -> None:
        now = time.monotonic()
        operators = []
        for vertex in vertices:
            metrics = vertex.get("metrics", {})
            op = Operator(
                name=vertex.get("name", "?"), parallelism=vertex.get("parallelism", 0),
                status=vertex.get("status", "?"),
                tasks={k: v for k, v in vertex.get("tasks", {}).items() if v},
                records_in=metrics.get("read-records", 0),
                records_out=metrics.get("write-records", 0),
            )
            previous = self._last.get(vertex.get("id", op.name))
            if previous is not None:
                # A cancelled task may report no final counts: keep the last ones seen.
                op.records_in = max(op.records_in, previous[1])
                op.records_out = max(op.records_out, previous[2])
            if previous is not None and now > previous[0] and self.state not in TERMINAL:
                seconds = now - previous[0]
                op.rate_in = max(0.0, (op.records_in - previous[1]) / seconds)
                op.rate_out = max(0.0, (op.records_out - previous[2]) / seconds)
            self._last[vertex.get("id", op.name)] = (now, op.records_in, op.records_out)
            operators.append(op)
        self.operators = operators

    def _read_restart(self) -> None:
        """A job that restarted says why, from then on (Flink keeps the time it last
        entered each state; a new restart time means one more restart)."""
        restarted = self.job._last_details.get("timestamps", {}).get("RESTARTING") or 0
        if restarted <= self._restarted_at or self.state in TERMINAL:
            return
        trace = self.job.last_exception()
        if trace:  # the history may lag the state by a poll
            from flink_notebook.job import summarize_trace

            self._restarted_at = restarted
            self.note = f"Restarted after a failure: {summarize_trace(trace)}"

    def _waiting_for_slots(self) -> str | None:
        """While tasks wait to be scheduled, say how many slots the job needs and has."""
        if self.state in TERMINAL or not self.operators:
            return None
        waiting = sum(op.tasks.get("SCHEDULED", 0) + op.tasks.get("CREATED", 0)
                      for op in self.operators)
        if not waiting or any(op.tasks.get("RUNNING") for op in self.operators):
            return None
        needed = max(op.parallelism for op in self.operators)
        try:
            overview = self.job.rest.overview()
        except UsageError:
            return None
        if overview.get("slots-available", 0) >= needed:
            return None  # being deployed, not waiting
        return (f"waiting for {needed} task slot(s); the cluster has "
                f"{overview.get('slots-available', 0)} free of {overview.get('slots-total', 0)}")

    def cancel(self) -> None:
        """Cancel the job (a no-op message if it already ended)."""
        try:
            self.job.cancel()
        except UsageError as exc:
            self.note = str(exc)
        self.refresh()

    def stop_with_savepoint(self, directory: str | None) -> None:
        if not directory:
            self.note = "Set state.savepoints.dir to stop with a savepoint."
            return
        try:
            self.note = f"savepoint: {self.job.stop_with_savepoint(directory)}"
        except UsageError as exc:
            self.note = str(exc)
        self.refresh()
