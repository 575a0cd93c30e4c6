"""SQL errors located in the cell, from real Flink exceptions."""

from __future__ import annotations

import pytest

from flink_notebook.errors import format_sql_error, java_error_summary
from flink_notebook.sql import split_statements


@pytest.fixture(scope="module")
def t_env():
    from pyflink.table import EnvironmentSettings, TableEnvironment

    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.execute_sql(
        "CREATE TABLE nums (k INT) WITH ('connector'='datagen','number-of-rows'='5')"
    )
    return env


def error_for(t_env, cell: str, verbose: bool = False) -> str:
    for statement in split_statements(cell):
        try:
            if statement.kind.value == "query":
                t_env.sql_query(statement.text)
            else:
                t_env.execute_sql(statement.text)
        except Exception as exc:
            return format_sql_error(exc, statement, cell, verbose)
    raise AssertionError("no error")


@pytest.mark.cluster
def test_unknown_column_on_the_second_statement(t_env):
    message = error_for(t_env, "SELECT 1;\n  SELECT nope\nFROM nums")
    lines = message.splitlines()
    assert lines[0] == "SQL error at line 2, column 10: Column 'nope' not found in any table"
    assert lines[1].endswith("|   SELECT nope")
    assert lines[2].index("^") == lines[1].index("nope")
    assert "org.apache" not in message


@pytest.mark.cluster
def test_parse_error_and_unknown_table(t_env):
    assert "line 1, column 23" in error_for(t_env, "SELECT CAST(k AS INT) +  FROM nums")
    message = error_for(t_env, "SELECT * FROM\n missing_t")
    assert message.startswith("SQL error at line 2, column 2: Object 'missing_t' not found")


@pytest.mark.cluster
def test_bad_connector_option_names_it(t_env):
    message = error_for(
        t_env,
        "CREATE TABLE b (a INT) WITH ('connector'='datagen','bogus'='1');\nSELECT * FROM b",
    )
    assert "bogus" in message and "line 2" in message
    assert "Supported options" not in message


@pytest.mark.cluster
def test_verbose_adds_the_java_trace(t_env):
    message = error_for(t_env, "SELECT * FROM missing_t", verbose=True)
    assert "at org.apache.flink" in message


def test_plain_python_exception_summary():
    summary, trace = java_error_summary(ValueError("bad value"))
    assert summary == "bad value"
    assert "ValueError" in trace


def test_summary_of_a_captured_java_trace():
    class Fake(Exception):
        def __str__(self):
            return (
                "An error occurred while calling o1.execute.\n"
                ": org.apache.flink.runtime.client.JobExecutionException: Job execution failed.\n"
                "\tat org.apache.flink.runtime.jobmaster.JobResult.toJobExecutionResult(X.java:1)\n"
                "Caused by: java.lang.RuntimeException: exploded in a UDF\n"
                "\tat a.b.C.d(C.java:2)\n"
            )

    summary, trace = java_error_summary(Fake())
    assert summary == "Job execution failed.\n  Caused by: exploded in a UDF"
    assert "C.java:2" in trace
