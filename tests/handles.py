"""The session's job handles as tests see them. The session drops older ended handles
once it holds ``notebook.keep-jobs`` of them, so a position in ``session.jobs`` shifts in a
long test run: a step's new handles are found by identity, never by index."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flink_notebook.cells.notebook import Notebook


def jobs_now() -> list:
    """The handles the session holds now (a copy: compare it with a later one)."""
    return list(Notebook.current().jobs)


def added_since(before: list) -> list:
    """The handles registered after ``before = jobs_now()``, oldest first."""
    seen = {id(job) for job in before}
    return [job for job in Notebook.current().jobs if id(job) not in seen]


@contextmanager
def cancelled_if_failing(job) -> Iterator:
    """Within the block, a failure cancels ``job`` (unless it already ended) and raises on:
    a failing test leaves no job running for the next one."""
    try:
        yield job
    except BaseException:
        if not job.is_terminal:
            job.cancel()
        raise


def vertices_of(job) -> list[dict]:
    """The job's vertices as REST lists them. A job still initializing has none yet, and
    REST keeps what it read for a second (clusters.standalone.WEB_REFRESH_INTERVAL)."""
    from waiting import until

    return until(lambda: job.rest.job(job.job_id)["vertices"], f"the vertices of {job.name}")
