"""A bounded query's rows counted twice: by the client as they arrive, and by Flink's
collect sink. The sink's own count comes first: the offset the client acknowledged plus
the rows it still held at the job's end, both in the job's final accumulator
(``ResultCounters.at_sink``, read in ResultBuffer.java), exact. Where that cannot be read,
its operator's ``numRecordsIn`` from the REST metric store, which can only lag (it is
refreshed every second). A count above the client's means rows were lost on the way: the
cell raises rather than show a short answer."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError

#: The collect sink's operator, as the metric store names it (Table API queries).
_SINK_RECORDS_IN = "Sink__Collect_table_sink.numRecordsIn"


def collect_sink_count(rest: Any, job_id: str, details: dict) -> int | None:
    """How many rows (changes, for an updating result) the job's collect sink took in, as
    far as Flink's metric store knows; None where it does not (yet)."""
    for vertex in details.get("vertices", []):
        if "Collect table sink" not in vertex.get("name", ""):
            continue
        values = rest.vertex_metrics(job_id, vertex["id"], [_SINK_RECORDS_IN])
        total = values.get(_SINK_RECORDS_IN, {}).get("sum")
        try:
            return int(float(total))
        except (TypeError, ValueError):
            return None
    return None


def shortfall(label: str, received: int, counted: int | None) -> UsageError | None:
    """The error to raise when Flink's collect sink took in more rows than arrived."""
    if counted is None or counted <= received:
        return None
    return UsageError(
        f"The result of job {label} is incomplete: Flink's collect sink took in "
        f"{counted:,} rows, but {received:,} arrived. Run the cell again; if it repeats, "
        "lower collect-sink.batch-size.max.")
