"""What a cell asks Flink to run, in a form every executor understands (FLIP-73).

A :class:`Pipeline` wraps one job-submitting call (a SQL query or INSERT, a
statement set, a DataStream ``execute``). It knows *how* to submit itself to a
cluster's REST address; the executor decides *which* cluster that is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from flink_notebook.core.address import ClusterAddress

if TYPE_CHECKING:
    from flink_notebook.engine.results import QueryResult
    from flink_notebook.engine.session import FlinkSession

__all__ = ["ClusterAddress", "Pipeline", "Submission"]


@dataclass
class Submission:
    """A submitted job: its id and, for queries, the rows it returns."""

    job_id: str
    result: QueryResult | None = None


@dataclass
class Pipeline:
    """One job to run. ``kind`` is ``query``, ``insert``, ``statement-set`` or ``datastream``.
    ``engine`` is the session whose environments it was built on (and that submits it):
    an executor that needs the kernel's Java or embedded cluster finds them there."""

    name: str
    kind: str
    parallelism: int | None
    submit: Callable[[ClusterAddress], Submission]
    engine: FlinkSession | None = None
