"""JobView: what is known about a job right now, as renderers draw it. Plain state: a
:class:`~flink_notebook.display.poller.JobPoller` fills it from the job (REST and the rows
buffered in the JVM); renderers turn it into widgets, HTML or text."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from flink_notebook.display.words import rows_received

if TYPE_CHECKING:
    import pandas as pd

    from flink_notebook.display.charts.spec import ChartSpec
    from flink_notebook.jobs.client import JobClient


@dataclass(frozen=True)
class Look:
    """How a query's rows are drawn besides the table: a live ``chart``, keeping
    ``window`` seconds of a time x axis (0: all) and at most ``max_rows`` rows; or a
    single-value card, ``template`` filled from the newest row (``--mode single``)."""

    chart: ChartSpec | None = None
    template: str | None = None
    window: float = 0.0
    max_rows: int | None = None


#: A vertex's states that it does not leave (Flink's ExecutionState names).
VERTEX_ENDED = frozenset({"FINISHED", "CANCELED", "FAILED"})
#: What an ended view says of a vertex that REST still lists as running: while its job's
#: end is awaited, the end under way; once it is no longer awaited, that it is unknown.
ENDING = {"FINISHED": "FINISHING", "CANCELED": "CANCELING", "FAILED": "FAILING"}
UNKNOWN = "UNKNOWN"


@dataclass
class Operator:
    """One operator (job vertex): its tasks by state, records in and out, their rates,
    and where its tasks report them, watermark and back pressure. ``inputs`` are the
    vertices it reads from, with how (Flink's ship strategy: FORWARD, HASH, ...).
    ``records_in``/``records_out`` are None where Flink has no such count: a source's
    records in are what it read, a sink's records out what it wrote, and only its
    operators' own metrics say those (drawn as "—", never as 0)."""

    name: str
    parallelism: int
    status: str
    tasks: dict[str, int]
    records_in: int | None
    records_out: int | None
    rate_in: float = 0.0
    rate_out: float = 0.0
    id: str = ""
    inputs: list[tuple[str, str]] = field(default_factory=list)
    watermark: int | None = None  # epoch ms
    backpressure: float | None = None  # 0..1
    busy: float | None = None  # 0..1

    @property
    def chain(self) -> list[str]:
        """The chained operators, in order (Flink names a vertex ``A -> B -> C``)."""
        return [part.strip() for part in self.name.split(" -> ")]

    @property
    def backpressure_level(self) -> str | None:
        """Flink's words for it: ok up to 10 %, low up to 50 %, high above."""
        if self.backpressure is None:
            return None
        return "ok" if self.backpressure <= 0.1 else "low" if self.backpressure <= 0.5 else "high"

    def ended_as(self, word: str) -> Operator:
        """This operator with ``word`` for its status and for its tasks that had not
        ended (an ended view's vertex whose end REST did not report: FINISHING, UNKNOWN)."""
        if self.status in VERTEX_ENDED:
            return self
        tasks: dict[str, int] = {}
        for state, count in self.tasks.items():
            shown = state if state in VERTEX_ENDED else word
            tasks[shown] = tasks.get(shown, 0) + count
        return replace(self, status=word, tasks=tasks, rate_in=0.0, rate_out=0.0,
                       backpressure=None, busy=None)


@dataclass(eq=False)  # identity: it holds a DataFrame
class JobView:
    """The state a renderer draws: status, per-operator progress, counters, rows, errors.
    ``version`` grows with every poll, so a renderer redraws only what changed."""

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
    #: The job ended, or its answer is complete (its last row is in) while Flink winds it
    #: down: the loops stop following it, the buttons go.
    ended: bool = False
    #: Every part of the view shows the end: REST reported the job and each vertex ended
    #: (their final counts read), or stopped answering, or did not within a few seconds
    #: (then the vertices it did not report say UNKNOWN).
    final: bool = False
    version: int = 0
    look: Look | None = None

    @property
    def result(self) -> Any:
        return self.job.query_result

    @property
    def counted(self) -> str:
        """What the view has received, in words a reader can check against the rows:
        "5 rows" for an append-only result, "5 rows, from 1,371 changes" for an updating
        one (the table now, and the changes that made it), "1,371 changes" for a
        changelog (each change is a row of the view)."""
        return rows_received(None if self.result is None else self.result.mode,
                             self.in_view, self.received)

    @property
    def elapsed(self) -> float:
        return self.job.duration

    @property
    def progress(self) -> tuple[int, int]:
        """Finished tasks, and all tasks (a bounded job is done when they are equal)."""
        total = sum(op.parallelism for op in self.operators)
        return sum(op.tasks.get("FINISHED", 0) for op in self.operators), total

    @property
    def watermark(self) -> int | None:
        """The newest watermark the job's results have reached (epoch ms): its last
        vertices' (their lowest), else the newest of any vertex; None without event time."""
        fed = {source for op in self.operators for source, _ in op.inputs}
        last = [op.watermark for op in self.operators
                if op.id not in fed and op.watermark is not None]
        marks = last or [op.watermark for op in self.operators if op.watermark is not None]
        return (min(marks) if last else max(marks)) if marks else None

    @property
    def running(self) -> bool:
        """True once the job runs and so do all its tasks (start-up is over)."""
        return self.state == "RUNNING" and all(op.status == "RUNNING" for op in self.operators)
