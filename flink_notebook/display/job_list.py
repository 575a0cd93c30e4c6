"""``%flink_jobs``: the session's jobs and their current state, as a table (any frontend)
or, in a widget frontend, one row per job with a Cancel button."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd
from IPython.core.error import UsageError

from flink_notebook.core.states import TERMINAL

if TYPE_CHECKING:
    from flink_notebook.jobs.client import JobClient


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


class JobsWidget:
    """Rows of (state, name, id, duration, web UI link, Cancel); ``refresh()`` re-reads REST."""

    def __init__(self, jobs: list[JobClient]) -> None:
        import ipywidgets as widgets

        self.jobs = list(jobs)
        self.labels = [widgets.HTML() for _ in self.jobs]
        self.buttons = [widgets.Button(description="Cancel", icon="stop") for _ in self.jobs]
        for job, button in zip(self.jobs, self.buttons):
            button.on_click(lambda _, job=job: self._cancel(job))
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        rows = [widgets.HBox([button, label]) for label, button in zip(self.labels,
                                                                       self.buttons)]
        self.box = widgets.VBox([*rows, self.refresh_button] if rows else
                                [widgets.HTML("No jobs in this session yet.")])
        self.refresh()

    def _cancel(self, job: JobClient) -> None:
        try:
            job.cancel()
        except UsageError:
            pass  # ended meanwhile; the row shows its final state
        self.refresh()

    def refresh(self) -> None:
        esc = html.escape
        for job, label, button in zip(self.jobs, self.labels, self.buttons):
            try:
                state = job.status()
            except UsageError:
                state = "UNREACHABLE"
            button.disabled = state in TERMINAL or state == "UNREACHABLE"
            label.value = (f"<b>{esc(state)}</b> · {esc(job.name or '')} · "
                           f"<code>{esc(job.job_id)}</code> · {job.duration:.1f} s · "
                           f"<a href='{esc(job.web_url)}' target='_blank'>web UI</a>")
