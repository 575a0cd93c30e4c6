"""JobView: what is known about a job right now, as renderers draw it. Plain state: a
:class:`~flink_notebook.display.poller.JobPoller` fills it from the job (REST and the rows
buffered in the JVM); renderers turn it into widgets, HTML or text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flink_notebook.engine.results import ResultMode

if TYPE_CHECKING:
    import pandas as pd

    from flink_notebook.jobs.client import JobClient


@dataclass
class Operator:
    """One operator (job vertex): its tasks by state, records in and out, their rates."""

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
