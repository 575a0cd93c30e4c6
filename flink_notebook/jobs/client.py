"""JobClient (FLIP-74): one handle for a job on any target, backed by the REST API."""

from __future__ import annotations

import html
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from IPython.core.error import UsageError

from flink_notebook.core.errors import RestRefused, Unreachable, summarize_trace
from flink_notebook.core.states import TERMINAL

if TYPE_CHECKING:
    import pandas as pd

    from flink_notebook.engine.results import QueryResult
    from flink_notebook.jobs.output import TaskManagerOutput
    from flink_notebook.jobs.rest import RestClient
_CANCEL_WAIT_SECONDS = 60.0


class JobClient:
    """A Flink job: its state, result, cancel and savepoints (FLIP-74). What a notebook
    adds to a job (how its views draw it, its cell's resume memory, its charts) is attached
    by observers: :meth:`on_terminal`, :meth:`on_savepoint`, :meth:`on_chart`."""

    def __init__(
        self,
        job_id: str,
        rest: RestClient,
        name: str | None = None,
        result: QueryResult | None = None,
        cluster: Any = None,
    ) -> None:
        self.job_id = job_id
        self.rest = rest
        self.name = name
        self.query_result = result
        self.cluster = cluster
        #: Whose job it is when this kernel did not start it ("an earlier kernel (x.ipynb)").
        self.origin: str | None = None
        self._submitted = time.time()
        self._last_state = "CREATED"
        self._last_details: dict = {}
        self._ended = threading.Event()
        self._callbacks: list[Callable[[JobClient], None]] = []
        self._savepoint_callbacks: list[Callable[[JobClient, str], None]] = []
        self._chart_shower: Callable[..., None] | None = None
        self._savepoint_dir: Callable[[], str | None] = lambda: None
        self._lock = threading.Lock()
        self.failure_trace: str | None = None
        self.printed: TaskManagerOutput | None = None  # its TaskManagers' stdout (remote)
        self.failure_task: str | None = None  # the task the latest failure happened in
        self.failure_where: str | None = None  # its TaskManager's address
        self._winding_down = False
        self._count_checked = False
        self._count_error: UsageError | None = None  # a result found short by Flink's count

    @classmethod
    def attach(cls, job_id: str, rest_url: str, headers: dict[str, str] | None = None,
               verify: bool | str = True) -> JobClient:
        """A handle for a job that is already on a cluster (after a kernel restart);
        ``verify``: a CA bundle for an https cluster, as ``notebook.rest-verify``."""
        from flink_notebook.jobs.rest import RestClient

        rest = RestClient(rest_url, headers=headers, verify=verify)
        details = rest.job(job_id)
        job = cls(job_id, rest, name=details.get("name"))
        job._submitted = details.get("start-time", time.time() * 1000) / 1000
        job._observe(details)
        return job

    # -- state ---------------------------------------------------------------

    def status(self) -> str:
        """The job's state now (Flink's JobStatus name), asked from REST."""
        if self._ended.is_set():
            return self._last_state
        try:
            details = self.rest.job(self.job_id)
        except UsageError as exc:
            # A dedicated cluster that ended with its job leaves the job's outcome behind.
            ended = getattr(self.cluster, "ended_jobs", dict)().get(self.job_id)
            if ended is None and isinstance(exc, Unreachable):
                raise Unreachable(
                    f"Lost the connection to the cluster of job {self.label}; its last "
                    f"known state is {self._last_state}. {exc}"
                ) from None
            if ended is None:
                raise
            self.failure_trace = ended.get("failure")
            details = {**self._last_details, "state": ended["state"]}
        self._observe(details)
        return self._last_state

    def _observe(self, details: dict) -> None:
        self._last_details = details
        self.name = details.get("name") or self.name  # Flink's name for it, once it answers
        self._last_state = details.get("state", self._last_state)
        if self._last_state in TERMINAL and not self._ended.is_set():
            with self._lock:
                if self._ended.is_set():
                    return
                # Before the end is announced: another thread that sees it reads the cause.
                if self._last_state == "FAILED" and self.failure_trace is None:
                    self._read_failure()
                self._ended.set()
            for callback in self._callbacks:
                callback(self)
            if self.cluster is not None:
                if self.query_result is not None:
                    self.query_result.wait()  # the last rows come from the cluster
                self.cluster.stop()

    @property
    def has_ended(self) -> bool:
        """Whether a terminal state was seen already (no REST request)."""
        return self._ended.is_set()

    @property
    def is_over(self) -> bool:
        """Whether nothing more will come of the job (no REST request): it ended, or it is
        a query whose every row has been read (Flink may still be winding it down)."""
        result = self.query_result
        return self._ended.is_set() or (result is not None and result.released)

    def let_go(self, why: str) -> None:
        """The session no longer keeps this handle (``notebook.keep-jobs``), or no longer
        its rows: they go (asking for them raises ``why``), and so do its connections to
        the cluster (asked again, it opens one)."""
        if self.query_result is not None and self.query_result.dropped is None:
            self.query_result.drop(why)
        self.rest.close()

    @property
    def is_terminal(self) -> bool:
        return self.status() in TERMINAL

    @property
    def duration(self) -> float:
        duration = self._last_details.get("duration")
        if duration is not None and duration >= 0:
            return duration / 1000
        return time.time() - self._submitted

    @property
    def web_url(self) -> str:
        return self.rest.web_url(self.job_id)

    def on_terminal(self, callback: Callable[[JobClient], None]) -> None:
        """Run ``callback(job)`` once, when a terminal state is first observed."""
        self._callbacks.append(callback)
        if self._ended.is_set():
            callback(self)

    def on_savepoint(self, callback: Callable[[JobClient, str], None]) -> None:
        """Run ``callback(job, location)`` for each savepoint taken through this handle."""
        self._savepoint_callbacks.append(callback)

    def savepoints_from(self, directory: Callable[[], str | None]) -> None:
        """Let ``directory()`` name where savepoints go when none is given (the notebook
        gives its ``state.savepoints.dir``, asked at each savepoint: setting it later
        helps a job that already runs)."""
        self._savepoint_dir = directory

    def savepoint_directory(self) -> str | None:
        """Where a savepoint goes when none is named; None when no directory is set."""
        return self._savepoint_dir()

    def on_chart(self, shower: Callable[..., None]) -> None:
        """Let ``shower(job, kind, x, y, color)`` draw this handle's :meth:`chart` calls
        (the notebook that made the handle gives it one)."""
        self._chart_shower = shower

    def wait(self, timeout: float | None = None) -> str:
        """Block until the job ends; return its final state."""
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.05
        while True:
            state = self.status()
            if state in TERMINAL:
                return state
            if deadline is not None and time.monotonic() >= deadline:
                raise UsageError(
                    f"Job {self.label} is still {state} after {timeout:g} s."
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    def progress(self) -> list[dict]:
        """Per operator: name, parallelism, status, tasks by state, records in and out."""
        self.status()
        vertices = []
        for vertex in self._last_details.get("vertices", []):
            metrics = vertex.get("metrics", {})
            vertices.append({
                "name": vertex.get("name"), "parallelism": vertex.get("parallelism"),
                "status": vertex.get("status"), "tasks": vertex.get("tasks", {}),
                "records_in": metrics.get("read-records", 0),
                "records_out": metrics.get("write-records", 0),
            })
        return vertices

    # -- results -------------------------------------------------------------

    def _read_failure(self) -> None:
        self.failure_trace = self.last_exception()

    def last_exception(self) -> str | None:
        """The Java trace of the job's latest failure (why it failed, or restarted)."""
        try:
            exceptions = self.rest.job_exceptions(self.job_id)
        except UsageError:
            return None
        history = exceptions.get("exceptionHistory", {}).get("entries", [])
        if history:  # the newest first: where it happened too
            self.failure_task, self.failure_where = _failed_task(history[0])
        return exceptions.get("root-exception") or (history[0].get("stacktrace") if history
                                                    else None)

    def failure(self) -> str | None:
        """The short root cause of a failed job, and the operator (task) it failed in."""
        if self.failure_trace is None:
            return None
        cause = summarize_trace(self.failure_trace)
        if self.failure_task:
            where = f" on {self.failure_where}" if self.failure_where else ""
            cause += f"\n(in {self.failure_task}{where})"
        return cause

    def result(self) -> Any:
        """Wait for the end. A query gives its DataFrame, other jobs a summary dict;
        a failed job raises with its root cause."""
        if self.query_result is not None:
            self.query_result.check_kept()
            self.query_result.wait(timeout=float("inf"))  # every row, or the job's end
            if self.rows_complete():
                return self.to_pandas()
        state = self.wait()
        if state == "FAILED":
            raise UsageError(f"Job {self.label} failed: {self.failure() or 'unknown cause'}")
        if self.query_result is not None:
            return self.to_pandas()
        return {"job_id": self.job_id, "name": self.name, "state": state,
                "duration_s": round(self.duration, 3)}

    def rows_complete(self) -> bool:
        """True once a query's every row is in: its answer is final while Flink still winds
        the job down (seconds). A dedicated cluster is then stopped once the job ends."""
        result = self.query_result
        if result is None or result.closed or not result.done or result.error() is not None:
            return False
        with self._lock:
            start = self.cluster is not None and not self._ended.is_set() \
                and not self._winding_down
            self._winding_down = self._winding_down or start
        if start:
            threading.Thread(target=self._wind_down, daemon=True,
                             name=f"flink-job-end {self.job_id}").start()
        return True

    def _wind_down(self) -> None:
        try:
            self.wait(timeout=_CANCEL_WAIT_SECONDS)  # seeing the end stops the cluster
        except UsageError:
            pass
        finally:
            if not self._ended.is_set():
                self.cluster.stop()

    def to_pandas(self) -> pd.DataFrame:
        """A query job's rows (all of a bounded result; what is in view for a stream).
        Never silently short: raises when the job failed or its rows could not be read
        (a cancelled job gives the rows it had sent)."""
        if self.query_result is None:
            raise UsageError(f"Job {self.label} is not a query; it has no rows.")
        self.query_result.check_kept()
        if self._ended.is_set() and self._last_state == "FINISHED":
            # The job can finish while its last rows are still on their way to the client.
            self.query_result.wait()
        self._check_rows()
        return self.query_result.to_pandas()

    def chart(self, kind: str, x: str | None = None, y: str | None = None,
              color: str | None = None) -> None:
        """Show a chart of a query job's rows below the cell: ``kind`` is line, bar, area,
        scatter or heatmap; ``x``, ``y`` and ``color`` name columns (a heatmap's color is
        its value). It follows the job live while it runs (as its result view keeps rows:
        the current table of an updating query, the newest rows of a stream)."""
        if self.query_result is None:
            raise UsageError(f"Job {self.label} is not a query; it has no rows to chart.")
        if self._chart_shower is None:
            raise UsageError("Charts are drawn by the flink_notebook extension: "
                             "%load_ext flink_notebook, then %flink_attach the job.")
        self._chart_shower(self, kind, x, y, color)

    def _check_rows(self) -> None:
        error = self.query_result.error()
        if error is None and not self.query_result.closed and self.query_result.done:
            self._check_count()
        if error is None or self.query_result.closed:  # closed: we stopped reading (cancel)
            return
        try:
            state = self.status()
        except UsageError:
            state = self._last_state
        if state == "CANCELED":
            return  # cancelled elsewhere (web UI, another handle): the rows until then
        if state == "FAILED":
            raise UsageError(f"Job {self.label} failed: {self.failure() or 'unknown cause'}")
        raise UsageError(
            f"Reading the rows of job {self.label} failed, so its result would be "
            f"incomplete: {summarize_trace(error)}"
        )

    def _check_count(self) -> None:
        """Every row the collect sink took in arrived (asked once per result; a shortfall
        found raises every time the rows are asked for)."""
        if not self._count_checked:
            self._count_checked = True
            from flink_notebook.jobs.row_count import collect_sink_count, shortfall

            counters = self.query_result.counters()
            # The sink's own count (exact); where not known, the metric store's (may lag).
            counted: int | None = counters.at_sink if counters.at_sink >= 0 else None
            if counted is None:
                details = self._last_details if self._last_details.get("vertices") else None
                try:
                    counted = collect_sink_count(self.rest, self.job_id,
                                                 details or self.rest.job(self.job_id))
                except UsageError:  # its cluster is gone (per-job): nothing to compare with
                    counted = None
            self._count_error = shortfall(self.label, counters.received, counted)
        if self._count_error is not None:
            raise self._count_error

    # -- control -------------------------------------------------------------

    def cancel(self) -> str:
        """Cancel the job and wait until it is CANCELED."""
        state = self.status()
        if state in TERMINAL:
            raise UsageError(f"Job {self.label} already {state}; nothing to cancel.")
        try:
            self.rest.cancel(self.job_id)
        except UsageError as exc:
            # It ended between the look and the cancel (Flink: 409, "already reached another
            # terminal state"); its details may show that end a moment after the refusal.
            ended = isinstance(exc, RestRefused) and exc.status == 409
            state = self.wait(timeout=_CANCEL_WAIT_SECONDS) if ended else self.status()
            if state in TERMINAL:
                raise UsageError(f"Job {self.label} already {state}; nothing to cancel.") \
                    from None
            raise
        if self.query_result is not None:
            self.query_result.close()
        return self.wait(timeout=_CANCEL_WAIT_SECONDS)

    def trigger_savepoint(self, directory: str | None = None) -> str:
        """Take a savepoint and keep the job running; returns the savepoint path. Without
        ``directory``, it goes to the notebook's ``state.savepoints.dir``."""
        directory = self._directory(directory)
        trigger = self.rest.trigger_savepoint(self.job_id, directory)
        return self._remembered(self.rest.wait_savepoint(self.job_id, trigger))

    def stop_with_savepoint(self, directory: str | None = None, drain: bool = False) -> str:
        """Stop the job with a savepoint; returns the savepoint path. Without
        ``directory``, it goes to the notebook's ``state.savepoints.dir``."""
        directory = self._directory(directory)
        trigger = self.rest.stop_with_savepoint(self.job_id, directory, drain)
        location = self._remembered(self.rest.wait_savepoint(self.job_id, trigger))
        self.wait(timeout=_CANCEL_WAIT_SECONDS)
        return location

    def _directory(self, directory: str | None) -> str:
        directory = directory or self.savepoint_directory()
        if not directory:
            raise UsageError("No savepoint directory: set state.savepoints.dir (%flink_config "
                             "state.savepoints.dir=/path/to/savepoints) or name one.")
        return directory

    def _remembered(self, location: str) -> str:
        for callback in self._savepoint_callbacks:
            callback(self, location)
        return location

    # -- display -------------------------------------------------------------

    @property
    def label(self) -> str:
        """The job as messages name it: ``name (id)``, or its id."""
        return f"{self.name} ({self.job_id})" if self.name else self.job_id

    def _summary(self) -> tuple[str, str]:
        try:
            state = self.status()
        except UsageError as exc:
            state = f"unknown: {exc}"
        return state, f"{self.duration:.1f} s"

    def __repr__(self) -> str:
        state, duration = self._summary()
        lines = [f"<JobClient {self.label} {state} {duration} {self.web_url}>"]
        if state == "FAILED" and self.failure():
            lines.append(f"  cause: {self.failure()}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        state, duration = self._summary()
        esc = html.escape
        parts = [
            "<div class='flink-job'>",
            f"<b>{esc(self.name or 'Flink job')}</b> <code>{esc(self.job_id)}</code> · "
            f"<span class='flink-state'>{esc(state)}</span> · {esc(duration)} · "
            f"<a href='{esc(self.web_url)}' target='_blank'>Flink web UI</a>",
        ]
        if state == "FAILED" and self.failure():
            parts.append("<pre style='white-space:pre-wrap;word-break:normal;"
                         f"overflow-wrap:normal'>{esc(self.failure())}</pre>")
        if self.query_result is not None and self.query_result.dropped:
            parts.append(f"<p>{esc(self.query_result.dropped)}</p>")
        elif self.query_result is not None and state == "FINISHED":
            rows = self.query_result.to_pandas()
            parts.append(rows.to_html(escape=True, max_rows=50, index=False))
        parts.append("</div>")
        return "".join(parts)


def _failed_task(entry: dict) -> tuple[str | None, str | None]:
    """The task an exception-history entry failed in, and its TaskManager's address
    (a job-wide failure names it in its concurrent exceptions; an embedded cluster's
    TaskManager has no address to show)."""
    for found in (entry, *entry.get("concurrentExceptions", [])):
        task = found.get("taskName")
        if task:
            task = re.sub(r" - execution #\d+$", "", task)
            where = found.get("endpoint") or found.get("location")
            return task, None if not where or where.endswith(":-1") else where
    return None, None
