"""Conformance tests every executor passes, ours and third-party ones.

Subclass in your test module and name your target::

    from flink_notebook.testing.executor import ExecutorConformanceTests

    class TestMyExecutor(ExecutorConformanceTests):
        target = "my-target"

        @pytest.fixture
        def configuration(self, base_configuration):
            return base_configuration.with_cell({"my.option": "..."})

The tests submit real jobs through the kernel's Flink session: a bounded
INSERT, a bounded query fetched into pandas, an unbounded job cancelled through
its handle, and REST-backed status and web UI links.
"""

from __future__ import annotations

import httpx
import pytest

from flink_notebook.cells.notebook import Notebook
from flink_notebook.core.config import Configuration
from flink_notebook.engine.session import FlinkSession
from flink_notebook.executors import resolve
from flink_notebook.sql.statements import split_statements

_TABLES = """
CREATE TEMPORARY TABLE IF NOT EXISTS conformance_rows (n BIGINT) WITH (
  'connector' = 'datagen', 'number-of-rows' = '20', 'fields.n.kind' = 'sequence',
  'fields.n.start' = '1', 'fields.n.end' = '20');
CREATE TEMPORARY TABLE IF NOT EXISTS conformance_endless (n BIGINT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '5');
CREATE TEMPORARY TABLE IF NOT EXISTS conformance_sink (n BIGINT) WITH (
  'connector' = 'blackhole');
"""


@pytest.mark.cluster
class ExecutorConformanceTests:
    """What every executor guarantees (FLIP-73 / FLIP-74)."""

    #: The ``execution.target`` under test.
    target: str = ""

    @pytest.fixture
    def session(self) -> FlinkSession:
        session = Notebook.current().session
        session.ensure_started()
        for statement in split_statements(_TABLES):
            session.t_env.execute_sql(statement.text)
        return session

    @pytest.fixture
    def base_configuration(self, session: FlinkSession) -> Configuration:
        return session.configuration.with_cell(
            {"execution.target": self.target, "parallelism.default": 1}
        )

    @pytest.fixture
    def configuration(self, base_configuration: Configuration) -> Configuration:
        """Override to add the options your target needs."""
        return base_configuration

    def _run(self, session: FlinkSession, configuration: Configuration, sql: str):
        from flink_notebook.cells.sql import sql_pipeline

        [statement] = split_statements(sql)
        pipeline = sql_pipeline(session, statement, configuration)
        return Notebook.current().executor_for(configuration).execute(pipeline, configuration)

    def test_factory_is_discovered_and_unique(self, configuration: Configuration) -> None:
        assert resolve(configuration).name == self.target

    def test_bounded_insert_finishes(self, session, configuration) -> None:
        job = self._run(session, configuration,
                        "INSERT INTO conformance_sink SELECT n FROM conformance_rows")
        assert job.wait(timeout=120) == "FINISHED"
        assert job.status() == "FINISHED"

    def test_query_rows_reach_pandas(self, session, configuration) -> None:
        job = self._run(session, configuration, "SELECT n FROM conformance_rows")
        assert job.wait(timeout=120) == "FINISHED"
        assert sorted(job.to_pandas()["n"]) == list(range(1, 21))

    def test_handle_returns_at_once_and_cancels(self, session, configuration) -> None:
        job = self._run(session, configuration,
                        "INSERT INTO conformance_sink SELECT n FROM conformance_endless")
        assert job.status() in {"INITIALIZING", "CREATED", "RUNNING"}
        job.cancel()
        assert job.wait(timeout=60) == "CANCELED"

    def test_status_and_web_ui_come_from_rest(self, session, configuration) -> None:
        job = self._run(session, configuration,
                        "INSERT INTO conformance_sink SELECT n FROM conformance_rows")
        assert len(job.job_id) == 32
        assert job.web_url.startswith("http")
        page = httpx.get(job.web_url.split("#")[0], timeout=10)
        assert page.status_code == 200
        assert job.wait(timeout=120) == "FINISHED"
