"""What a job's vertices report beyond the job details: each chained operator's own
record counters, watermarks and back pressure, from the vertices' aggregated subtask
metrics (``/jobs/<id>/vertices/<vid>/subtasks/metrics``).

The job details count records crossing the network only (``read-records`` and
``write-records``), so a vertex whose whole chain runs in one task (``Source -> Sink``)
shows 0 in and 0 out while rows flow. The operators' metrics do not: a source vertex's
records in are its source's ``numRecordsOut`` (what it read), a sink vertex's records
out its sink's ``numRecordsIn`` (what it wrote).

The same request gives the task's own records in and out (``numRecordsIn`` and
``numRecordsOut``, what crossed the network), so that a vertex's two counts are of one
moment: the job details are read more often than these, and a count of one against a
count of the other made a source read fewer records than it sent on.

Back pressure and watermarks come from the same request: the share of time the subtasks
were back-pressured (``backPressuredTimeMsPerSecond``, which Flink's own back-pressure
endpoint reads too) and busy, and each operator's ``currentOutputWatermark``. One request
per vertex and read, at most once per ``every`` seconds; the list of a vertex's metrics
is asked for once (again until its tasks report any).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from IPython.core.error import UsageError

if TYPE_CHECKING:
    from flink_notebook.jobs.client import JobClient

#: Below this, a watermark is Flink's "none yet" (Long.MIN_VALUE); above the other, its
#: "end of input" (Long.MAX_VALUE, once a bounded source is done): neither is a time.
NO_WATERMARK = -(2**62)
END_OF_INPUT = 2**62
_TASK_METRICS = ("backPressuredTimeMsPerSecond", "busyTimeMsPerSecond", "numRecordsIn",
                 "numRecordsOut")
_OPERATOR_METRICS = (".numRecordsIn", ".numRecordsOut", ".currentOutputWatermark")


@dataclass
class VertexFigures:
    """One vertex's figures; None where its tasks do not report it (yet)."""

    records_in: int | None = None  # a source vertex's: what its source(s) read
    records_out: int | None = None  # a sink vertex's: what its sink(s) wrote
    task_in: int | None = None  # its tasks' records in from the network
    task_out: int | None = None  # its tasks' records out to the network
    watermark: int | None = None  # epoch milliseconds, the lowest of its subtasks'
    backpressure: float | None = None  # 0..1, the most back-pressured subtask's share
    busy: float | None = None  # 0..1, the busiest subtask's share


class VertexMetrics:
    """Reads :class:`VertexFigures` for a job's vertices, at most once per ``every`` s."""

    def __init__(self, job: JobClient, every: float = 1.0) -> None:
        self.job = job
        self.every = every
        self._ids: dict[str, list[str]] = {}
        self._read_at = 0.0
        self._figures: dict[str, VertexFigures] = {}

    def read(self, vertices: list[dict], sources: set[str], sinks: set[str],
             final: bool = False) -> dict[str, VertexFigures]:
        """Figures by vertex id; ``sources``/``sinks`` are the vertices without inputs and
        without outputs. ``final`` reads once more whatever the time (the job ended)."""
        now = time.monotonic()
        if not final and now - self._read_at < self.every:
            return self._figures
        self._read_at = now
        for vertex in vertices:
            if vertex.get("status") not in ("RUNNING", "FINISHED") and not final:
                continue
            vid = vertex["id"]
            try:
                figures = self._read_vertex(vid, vid in sources, vid in sinks)
            except UsageError:  # the job or its cluster is gone: keep what was read
                continue
            if figures is not None:
                self._figures[vid] = figures
        return self._figures

    def _read_vertex(self, vid: str, source: bool, sink: bool) -> VertexFigures | None:
        rest, job_id = self.job.rest, self.job.job_id
        ids = self._ids.get(vid)
        if not ids:
            ids = [m for m in rest.vertex_metric_ids(job_id, vid)
                   if m in _TASK_METRICS or m.endswith(_OPERATOR_METRICS)]
            if not ids:
                return None
            self._ids[vid] = ids
        values = rest.vertex_metrics(job_id, vid, ids)
        # An ended job's tasks may be gone from the metric store: keep the last reading.
        return figures_of(values, source, sink) if values else None


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN: not measured


def figures_of(values: dict[str, dict], source: bool, sink: bool) -> VertexFigures:
    """A vertex's figures from its aggregated metrics (``{id: {min, max, sum}}``)."""
    def operator_sums(suffix: str, prefix: str = "") -> list[float]:
        return [n for mid, v in values.items()
                if mid.endswith(suffix) and "." in mid and mid.startswith(prefix)
                and (n := _number(v.get("sum"))) is not None]

    figures = VertexFigures()
    if source:  # what its source(s) read
        read = operator_sums(".numRecordsOut", "Source") or operator_sums(".numRecordsOut")
        figures.records_in = int(max(read)) if read else None
    if sink:  # what its sink(s) wrote
        written = operator_sums(".numRecordsIn", "Sink") or operator_sums(".numRecordsIn")
        figures.records_out = int(max(written)) if written else None
    marks = [n for mid, v in values.items() if mid.endswith(".currentOutputWatermark")
             and (n := _number(v.get("min"))) is not None and NO_WATERMARK < n < END_OF_INPUT]
    figures.watermark = int(max(marks)) if marks else None
    for name, attr in (("numRecordsIn", "task_in"), ("numRecordsOut", "task_out")):
        total = _number(values.get(name, {}).get("sum"))
        if total is not None:
            setattr(figures, attr, int(total))
    for name, attr in (("backPressuredTimeMsPerSecond", "backpressure"),
                       ("busyTimeMsPerSecond", "busy")):
        share = _number(values.get(name, {}).get("max"))
        if share is not None:
            setattr(figures, attr, min(max(share / 1000.0, 0.0), 1.0))
    return figures
