"""JobView: what is known about a job right now, as renderers draw it. Plain state: a
:class:`~flink_notebook.display.poller.JobPoller` fills it from the job (REST and the rows
buffered in the JVM); renderers turn it into widgets, HTML or text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flink_notebook.engine.results import ResultMode

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


@dataclass
class Operator:
    """One operator (job vertex): its tasks by state, records in and out, their rates,
    and where its tasks report them, watermark and back pressure. ``inputs`` are the
    vertices it reads from, with how (Flink's ship strategy: FORWARD, HASH, ...)."""

    name: str
    parallelism: int
    status: str
    tasks: dict[str, int]
    records_in: int
    records_out: int
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
    ended: bool = False
    version: int = 0
    look: Look | None = None

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
