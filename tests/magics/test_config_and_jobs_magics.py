"""%flink_config, %config FlinkMagics and %flink_jobs in a shell."""

from __future__ import annotations

import re

import pytest
from IPython.core.error import UsageError

from flink_notebook.cells.notebook import Notebook
from flink_notebook.engine.session import FlinkSession


def test_flink_config_sets_and_shows(shell):
    shell.run_line_magic("flink_config", "notebook.max-rows=7 pipeline.name=x")
    configuration = Notebook.current().configuration
    try:
        assert configuration.get("notebook.max-rows") == 7
        assert configuration.source("pipeline.name") == "notebook"
        assert "notebook.max-rows" in configuration.describe()
    finally:
        configuration.set("notebook.max-rows", 1000)
        configuration.unset("pipeline.name")


def _shown(capsys) -> list[str]:
    """What a cell printed, without the plain shell's ``Out[n]:`` prompt (a kernel has none)."""
    return re.sub(r"^Out\[\d+\]: ", "", capsys.readouterr().out.strip()).splitlines()


def test_flink_config_answers_a_line_per_key_it_set(shell, capsys):
    configuration = Notebook.current().configuration
    configuration.set("parallelism.default", 1)
    try:
        capsys.readouterr()
        shell.run_cell("%flink_config notebook.max-rows=42 parallelism.default=2")
        lines = _shown(capsys)
        assert lines == ["set notebook.max-rows = 42 (was 1000)",
                         "set parallelism.default = 2 (was 1)"]
        # Its value still reads as the configuration (notebook 04 does).
        shell.run_cell("config = %flink_config notebook.max-rows=42 s3.secret-key=hunter2-x")
        assert shell.user_ns["config"].get("parallelism.default") == 2
        assert capsys.readouterr().out == ""
        shell.run_cell("config")
        lines = _shown(capsys)
        assert lines == ["set notebook.max-rows = 42 (unchanged)",
                         "set s3.secret-key = ******** (was not set)"]
        assert "hunter2" not in "".join(lines)
    finally:
        configuration.set("notebook.max-rows", 1000)
        configuration.unset("parallelism.default")
        configuration.unset("s3.secret-key")


def test_flink_config_errors_are_short(shell):
    with pytest.raises(UsageError, match="Did you mean notebook.max-rows"):
        shell.run_line_magic("flink_config", "notebook.max-row=3")
    with pytest.raises(UsageError, match="key=value"):
        shell.run_line_magic("flink_config", "oops")


def test_traitlets_reach_the_configuration(shell):
    shell.run_line_magic("config", "FlinkMagics.max_rows = 42")
    try:
        assert FlinkSession.current().configuration.get("notebook.max-rows") == 42
    finally:
        shell.run_line_magic("config", "FlinkMagics.max_rows = 1000")


@pytest.mark.cluster
def test_flink_jobs_lists_the_session_jobs(shell):
    shell.run_cell_magic("flink_sql", "-o one", "SELECT 1 AS x")
    table = shell.run_line_magic("flink_jobs", "")
    assert {"job_id", "name", "state", "web_ui"} <= set(table.columns)
    assert "FINISHED" in set(table["state"])


class _Handle:
    """What the notebook and %flink_jobs read of a job handle (pure logic, no cluster)."""

    def __init__(self, job_id: str, ended: bool = True) -> None:
        self.job_id, self.name, self.is_over = job_id, f"job {job_id}", ended
        self.label = f"{self.name} ({job_id})"
        self.duration, self.web_url = 1.0, f"http://127.0.0.1:1/#/job/{job_id}"
        self.query_result = None
        self.let_go_because: str | None = None

    def status(self) -> str:
        return "FINISHED" if self.is_over else "RUNNING"

    def let_go(self, why: str) -> None:
        self.let_go_because = why

    def on_chart(self, shower) -> None:  # the notebook gives every handle its charts
        self.chart_shower = shower

    def savepoints_from(self, directory) -> None:  # and where its savepoints go
        pass


def test_older_ended_jobs_are_dropped_under_keep_jobs_and_flink_jobs_says_so(
        shell, monkeypatch, capsys):
    session = Notebook.current()
    monkeypatch.setattr(session, "jobs", [])
    monkeypatch.setattr(session, "dropped_jobs", 0)
    session.configuration.set("notebook.keep-jobs", 3)
    try:
        handles = [_Handle("r", ended=False)] + [_Handle(str(i)) for i in range(5)]
        for handle in handles:
            session.register(handle)
        assert [job.job_id for job in session.jobs] == ["r", "3", "4"]  # running ones stay
        # The dropped ones let go of what they hold (rows, connections), saying why.
        assert [h.job_id for h in handles if h.let_go_because] == ["0", "1", "2"]
        assert "notebook.keep-jobs" in handles[1].let_go_because
        assert session.dropped_jobs == 3
        table = shell.run_line_magic("flink_jobs", "")
        assert list(table["job_id"]) == ["r", "3", "4"]
        assert "3 older ended job(s) are no longer listed (notebook.keep-jobs=3)" in (
            capsys.readouterr().out)
    finally:
        session.configuration.unset("notebook.keep-jobs")
