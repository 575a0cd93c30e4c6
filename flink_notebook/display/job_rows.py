"""What ``%flink_jobs`` shows of each job, read now: one :class:`JobRow` per handle.

A read asks each cluster once (``GET /jobs/overview`` covers all its jobs) and a job's own
handle only for a job that ended or that the overview does not list (the handle then sees
its end: its observers run, a per-job cluster's ended jobs are read). A job whose end the
handle has seen already costs no request. Names, as the handles keep them, are masked at
the source (the submission); drawing escapes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from IPython.core.error import UsageError

from flink_notebook.core.address import ClusterAddress
from flink_notebook.core.states import TERMINAL
from flink_notebook.display.words import rows_received

if TYPE_CHECKING:
    from flink_notebook.jobs.client import JobClient


@dataclass
class JobRow:
    """One job as the list draws it. ``detail``: its rows, a failure's cause, why its state
    is not known; ``detail_title`` the whole of it when ``detail`` is cut. ``ended``: it
    will not change again; ``answered``: its cluster answered this time."""

    job: Any
    state: str
    duration: float
    target: str
    detail: str = ""
    detail_title: str = ""
    ended: bool = False
    answered: bool = True

    @property
    def counted(self) -> bool:
        """Whether ``detail`` is a count of rows (short, never wrapped)."""
        return self.detail.endswith((" rows", " row", " changes", " change"))

    @property
    def running(self) -> bool:
        """Whether it can be cancelled or stopped (not ended, not on its way out)."""
        return not self.ended and self.answered and self.state not in (
            "CANCELLING", "FAILING", "SUSPENDED")


def cluster_namer(runs_here: Callable[[ClusterAddress], bool] | None = None,
                  clusters: list[Any] = ()) -> Callable[[Any], str]:
    """How the list names a job's cluster: ``local`` (the embedded one, ``runs_here``),
    a ``%flink_cluster``'s name (``clusters``), ``per-job``, else its REST host:port."""
    names = {getattr(c, "rest_url", None): c.name for c in clusters}

    def name(job: Any) -> str:
        if getattr(job, "cluster", None) is not None:
            origin = getattr(job, "origin", None)  # left running by another kernel
            return f"per-job, from {origin}" if origin else "per-job"
        rest = getattr(job, "rest", None)
        url = getattr(rest, "url", None)
        if not url:
            return ""
        if url in names:
            return names[url]
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if runs_here is not None and runs_here(ClusterAddress(parts.hostname or "", port,
                                                              parts.scheme)):
            return "local"
        # Never a user or password the URL may hold.
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    return name


def read_rows(jobs: list[JobClient], target: Callable[[Any], str] = lambda job: "",
              known: dict[str, str] | None = None) -> list[JobRow]:
    """Each job's row, read now (one overview request per cluster with running jobs).
    ``known``: each job's state as last read (by id), shown while its cluster is silent."""
    overviews: dict[str, dict[str, dict] | None] = {}
    rows = []
    for job in jobs:
        entry = None
        if not getattr(job, "has_ended", False):
            entry = _overview_entry(job, overviews)
        rows.append(_row(job, entry, target(job), (known or {}).get(job.job_id)))
    return rows


def _overview_entry(job: Any, overviews: dict[str, dict[str, dict] | None]) -> dict | None:
    """The job's entry in its cluster's overview (asked once per read), None without one."""
    rest = getattr(job, "rest", None)
    url = getattr(rest, "url", None)
    if url is None or not hasattr(rest, "jobs_overview"):
        return None
    if url not in overviews:
        try:
            overviews[url] = {entry["jid"]: entry for entry in rest.jobs_overview()}
        except Exception:  # noqa: BLE001 - each job's handle is asked instead, and says why
            overviews[url] = None
    found = overviews[url]
    return None if found is None else found.get(job.job_id)


def _row(job: Any, entry: dict | None, target: str, known: str | None) -> JobRow:
    if entry is not None and entry.get("state") not in TERMINAL:
        state = entry["state"]
        duration = entry.get("duration", -1)
        seconds = duration / 1000 if duration is not None and duration >= 0 else job.duration
        return JobRow(job, state, seconds, target, *_detail_and_title(job, state, entry))
    try:
        state = job.status()  # its end, seen by the handle (observers, a per-job cluster)
    except UsageError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return JobRow(job, known or "UNKNOWN", job.duration, target, "no answer", first,
                      answered=False)
    return JobRow(job, state, job.duration, target, *_detail_and_title(job, state),
                  ended=state in TERMINAL)


def _detail_and_title(job: Any, state: str, entry: dict | None = None) -> tuple[str, str]:
    """A failure's cause (its first line, the whole as the title), else the rows a query
    received, else tasks still starting."""
    if state == "FAILED":
        failure = getattr(job, "failure", None)
        cause = failure() if callable(failure) else None
        if cause:
            return cause.splitlines()[0], cause
        return "", ""
    received = _received(job)
    if received is not None:
        return received, ""
    tasks = (entry or {}).get("tasks") or {}
    total, running = tasks.get("total"), tasks.get("running")
    if state == "RUNNING" and total and running is not None and running < total:
        return f"{running}/{total} tasks running", ""
    return "", ""


def _received(job: Any) -> str | None:
    """What a query's result has received so far, said as its view says it ("3 rows, from
    9 changes"); None for other jobs."""
    result = getattr(job, "query_result", None)
    if result is None or getattr(result, "dropped", None):
        return None
    try:
        counters = result.counters()
        return rows_received(result.mode, int(counters.in_view), int(counters.received))
    except Exception:  # noqa: BLE001 - a result that cannot say: no figure
        return None
