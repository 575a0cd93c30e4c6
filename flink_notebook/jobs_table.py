"""``%flink_jobs``: the session's jobs and their current state."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from flink_notebook.job import JobClient


def jobs_table(jobs: list[JobClient]) -> pd.DataFrame:
    """One row per job: id, name, state (asked from REST now), duration and web UI link."""
    rows = []
    for job in jobs:
        try:
            state = job.status()
        except Exception as exc:  # a stopped cluster: say so instead of failing the list
            state = f"unknown ({str(exc).splitlines()[0]})"
        rows.append(
            {"job_id": job.job_id, "name": job.name, "state": state,
             "duration_s": round(job.duration, 1), "web_ui": job.web_url}
        )
    return pd.DataFrame(rows, columns=["job_id", "name", "state", "duration_s", "web_ui"])
