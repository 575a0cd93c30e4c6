"""%flink_config, %config FlinkMagics and %flink_jobs in a shell."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from flink_notebook.engine.session import FlinkSession


def test_flink_config_sets_and_shows(shell):
    configuration = shell.run_line_magic("flink_config", "notebook.max-rows=7 pipeline.name=x")
    try:
        assert configuration.get("notebook.max-rows") == 7
        assert configuration.source("pipeline.name") == "notebook"
        assert "notebook.max-rows" in configuration.describe()
    finally:
        configuration.set("notebook.max-rows", 1000)
        configuration.unset("pipeline.name")


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
