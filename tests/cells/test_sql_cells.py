"""%%flink_sql against the real embedded Flink, through an in-process IPython shell."""

from __future__ import annotations

import time
from decimal import Decimal

import pandas as pd
import pytest
from handles import added_since, jobs_now
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output
from waiting import interrupt_when

from flink_notebook.cells.notebook import Notebook
from flink_notebook.engine.session import FlinkSession

pytestmark = pytest.mark.cluster

BOUNDED = """
CREATE TEMPORARY TABLE IF NOT EXISTS nums (
  k INT, v BIGINT
) WITH (
  'connector' = 'datagen', 'number-of-rows' = '50',
  'fields.k.min' = '1', 'fields.k.max' = '3'
);
"""

UNBOUNDED = """
CREATE TEMPORARY TABLE IF NOT EXISTS clicks (
  user_id INT, url STRING
) WITH (
  'connector' = 'datagen', 'rows-per-second' = '200',
  'fields.user_id.min' = '1', 'fields.user_id.max' = '4', 'fields.url.length' = '5'
);
CREATE TEMPORARY TABLE IF NOT EXISTS sink (
  user_id INT, url STRING
) WITH ('connector' = 'blackhole');
"""


@pytest.fixture(scope="module")
def sql(shell):
    shell.run_cell_magic("flink_sql", "", BOUNDED + UNBOUNDED)

    def run(cell: str, line: str = ""):
        return shell.run_cell_magic("flink_sql", line, cell)

    return run


def test_bounded_query_gives_a_dataframe(shell, sql):
    with capture_output() as captured:
        sql("SELECT k, v FROM nums", "-o df")
    df = shell.user_ns["df"]
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["k", "v"]
    assert len(df) == 50
    assert df["k"].between(1, 3).all()
    html = captured.outputs[-1].data["text/html"]
    assert "FINISHED" in html and "Flink web UI" in html


def test_a_bounded_query_here_is_fetched_at_a_quick_pace_and_a_stream_at_flinks(sql):
    """The collect fetcher of a bounded query on the embedded cluster asks for rows every
    20 ms, not Flink's 100 (a warm cell's answer comes sooner): this fails if Flink's
    fetcher is built otherwise and the pace could not be set. A stream keeps Flink's."""
    before = jobs_now()
    sql("SELECT k FROM nums", "-o paced")
    assert newest_job(before).query_result.fetch_paced is True
    before = jobs_now()
    sql("SELECT user_id FROM clicks", "--detached")
    stream = newest_job(before)
    try:
        assert stream.query_result.fetch_paced is False
    finally:
        stream.cancel()


def test_several_statements_with_comments(shell, sql):
    with capture_output() as captured:
        sql(
            "-- a comment; with a semicolon\n"
            "CREATE TEMPORARY VIEW small AS SELECT k FROM nums WHERE k = 1; /* block; */\n"
            "SHOW TABLES;\n"
            "SELECT COUNT(*) AS n FROM (VALUES (1), (2), (3)) AS t(x)",
            "-o counted",
        )
    assert shell.user_ns["counted"]["n"].tolist() == [3]
    shown = "".join(o.data.get("text/plain", "") for o in captured.outputs)
    assert "small" in shown and "nums" in shown


def test_describe_and_explain_run_at_once(sql):
    with capture_output() as captured:
        sql("DESCRIBE nums; EXPLAIN SELECT * FROM nums")
    text = "".join(o.data.get("text/plain", "") + o.data.get("text/html", "")
                   for o in captured.outputs)
    assert "BIGINT" in text
    assert "TableSourceScan" in text


def test_set_changes_the_notebook_configuration(shell, sql):
    from flink_notebook.engine.session import FlinkSession

    configuration = FlinkSession.current().configuration
    sql("SET 'pipeline.name' = 'from-set'")
    try:
        assert configuration.get("pipeline.name") == "from-set"
        assert configuration.source("pipeline.name") == "notebook"
        sql("INSERT INTO sink SELECT user_id, url FROM clicks /* unbounded */", "--detached -o j")
        job = shell.user_ns["j"]
        assert job.name == "from-set"
        job.cancel()
    finally:
        sql("RESET 'pipeline.name'")
    assert configuration.get("pipeline.name") is None


def test_variable_substitution_and_literal_braces(shell, sql):
    shell.user_ns["wanted"] = 2
    sql("SELECT k, '{{x}}' AS lit FROM nums WHERE k = {wanted}", "-o subst")
    df = shell.user_ns["subst"]
    assert set(df["k"]) == {2}
    assert set(df["lit"]) == {"{x}"}


def test_insert_attached_waits_for_the_job(shell, sql):
    sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS bh (k INT, v BIGINT) WITH ('connector'='blackhole');"
        "INSERT INTO bh SELECT k, v FROM nums",
        "-o done",
    )
    job = shell.user_ns["done"]
    assert job.status() == "FINISHED"
    assert len(job.job_id) == 32


def test_detached_insert_returns_a_handle_at_once(shell, sql):
    sql("INSERT INTO sink SELECT user_id, url FROM clicks", "--detached -o handle --name clicks")
    job = shell.user_ns["handle"]
    assert job.name == "clicks"
    assert job.status() in {"INITIALIZING", "CREATED", "RUNNING"}
    assert job.web_url.startswith("http://127.0.0.1:")
    job.cancel()
    assert job.status() == "CANCELED"


def newest_job(before: list):
    """The job a cell started after ``before = jobs_now()`` (None before it exists)."""
    added = added_since(before)
    return added[-1] if added else None


def test_unbounded_query_runs_until_interrupted_then_cancels(shell, sql):
    before = jobs_now()
    # The notebook's stop button, pressed once rows are on screen.
    with interrupt_when(lambda: newest_job(before).query_result.counters().received >= 5,
                        "rows of the live query"):
        sql("SELECT user_id, url FROM clicks", "-o live")
    df = shell.user_ns["live"]
    assert len(df) >= 5 and set(df["user_id"]) <= {1, 2, 3, 4}
    assert newest_job(before).status() == "CANCELED"


def test_updating_aggregate_shows_the_current_count_per_key(shell, sql):
    before = jobs_now()
    with interrupt_when(lambda: len(newest_job(before).query_result.page(10)) == 4,
                        "all four users counted"):
        sql("SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id", "-o agg")
    df = shell.user_ns["agg"]
    assert sorted(df["user_id"]) == [1, 2, 3, 4]  # one row per key: retractions applied
    assert (df["n"] > 0).all()


def test_timeout_cancels_an_attached_job_that_long_after_it_started_running(shell, sql):
    began = time.monotonic()
    sql("SELECT user_id, url FROM clicks", "--timeout 2 -o timed")
    took = time.monotonic() - began
    job = Notebook.current().jobs[-1]
    assert job.status() == "CANCELED"
    assert len(shell.user_ns["timed"]) > 0  # two seconds of rows, start-up not counted
    assert 2 <= took < 60, took


def test_changelog_mode_shows_row_kinds(shell, sql):
    sql(
        "SELECT k, COUNT(*) AS n FROM nums GROUP BY k", "--mode changelog --max-rows 500 -o log"
    )
    df = shell.user_ns["log"]
    assert df.columns[0] == "op"
    assert {"+I", "-U", "+U"} <= set(df["op"])


def test_sql_error_points_at_the_line_and_the_session_stays_usable(shell, sql):
    with pytest.raises(UsageError) as error:
        sql("SELECT 1;\nSELECT nope\nFROM nums")
    message = str(error.value)
    assert "line 2" in message
    assert "nope" in message
    assert "at org.apache" not in message
    sql("SELECT COUNT(*) AS n FROM nums", "-o after")
    assert shell.user_ns["after"]["n"].tolist() == [50]


def test_verbose_error_includes_the_java_trace(sql):
    with pytest.raises(UsageError) as error:
        sql("SELECT * FROM no_such_table", "--verbose")
    assert "org.apache.flink" in str(error.value)


def test_unknown_target_lists_the_available_ones(sql):
    with pytest.raises(UsageError) as error:
        sql("SELECT 1", "--target yarn-moon")
    assert "yarn-moon" in str(error.value)
    assert "local" in str(error.value)


def test_more_parallelism_than_slots_is_refused(sql):
    with pytest.raises(UsageError) as error:
        sql("INSERT INTO sink SELECT user_id, url FROM clicks", "-p 64")
    assert "64" in str(error.value) and "slots" in str(error.value)


def test_bad_option_value_is_a_short_error(sql):
    with pytest.raises(UsageError) as error:
        sql("SELECT 1", "-D notebook.max-rows=many")
    assert "notebook.max-rows" in str(error.value)


def test_usage_is_documented(shell):
    doc = shell.find_cell_magic("flink_sql").__doc__
    for option in ("--out", "--detached", "--target", "--parallelism", "--name", "-D",
                   "--max-rows"):
        assert option in doc


def test_html_in_rows_is_escaped(sql):
    with capture_output() as captured:
        sql("SELECT '<script>alert(1)</script>' AS s, '<img src=x onerror=alert(1)>' AS t")
    html = captured.outputs[-1].data["text/html"]
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_changing_the_target_keeps_the_catalog(shell, sql):
    from flink_notebook.engine.session import FlinkSession

    port = FlinkSession.current().embedded_cluster().address.port
    sql("SELECT COUNT(*) AS n FROM nums",
        f"--target remote -D rest.address=127.0.0.1 -D rest.port={port} -o remote_n")
    assert shell.user_ns["remote_n"]["n"].tolist() == [50]
    sql("SELECT COUNT(*) AS n FROM nums", "-o local_n")  # and back to the default target
    assert shell.user_ns["local_n"]["n"].tolist() == [50]


def test_runtime_mode_cannot_change_mid_session_and_nothing_leaks(shell, sql):
    with pytest.raises(UsageError, match="execution.runtime-mode is streaming"):
        sql("SELECT COUNT(*) AS n FROM nums", "-D execution.runtime-mode=batch")
    sql("SELECT COUNT(*) AS n FROM nums", "-o still")
    assert shell.user_ns["still"]["n"].tolist() == [50]


def test_embedded_cluster_is_resized_from_the_configuration_when_idle(shell, sql):
    from flink_notebook.engine.session import FlinkSession

    cluster = FlinkSession.current().embedded_cluster()
    shell.run_line_magic("flink_config", "notebook.slots=6")
    try:
        sql("SELECT COUNT(*) AS n FROM nums", "-p 5 -o wide")
        assert shell.user_ns["wide"]["n"].tolist() == [50]
        assert cluster.slots == 6
    finally:
        shell.run_line_magic("flink_config", "notebook.slots=4")
    sql("SELECT COUNT(*) AS n FROM nums", "-o narrow")
    assert cluster.slots == 4


def test_statement_sets_run_as_one_job_in_either_syntax(shell, sql):
    sql("CREATE TEMPORARY TABLE IF NOT EXISTS set_a (k INT) WITH ('connector'='blackhole');"
        "CREATE TEMPORARY TABLE IF NOT EXISTS set_b (k INT) WITH ('connector'='blackhole');")
    flink_style = ("EXECUTE STATEMENT SET BEGIN\n"
                   "  INSERT INTO set_a SELECT k FROM nums;\n"
                   "  INSERT INTO set_b SELECT k FROM nums;\nEND;")
    client_style = ("BEGIN STATEMENT SET;\n"
                    "INSERT INTO set_a SELECT k FROM nums;\n"
                    "INSERT INTO set_b SELECT k + 1 FROM nums;\nEND;")
    for cell in (flink_style, client_style):
        before = jobs_now()
        sql(cell, "-o both")
        job = shell.user_ns["both"]
        assert added_since(before) == [job]  # one job for both INSERTs
        assert job.status() == "FINISHED"
        vertices = " ".join(v["name"] for v in job.rest.job(job.job_id)["vertices"])
        assert "set_a" in vertices and "set_b" in vertices


def test_a_statement_set_spans_cells_as_in_the_sql_client(shell, sql):
    session = Notebook.current()
    sql("CREATE TEMPORARY TABLE IF NOT EXISTS set_a (k INT) WITH ('connector'='blackhole');"
        "CREATE TEMPORARY TABLE IF NOT EXISTS set_b (k INT) WITH ('connector'='blackhole');")
    with capture_output() as empty:
        sql("BEGIN STATEMENT SET;\nEND;")  # the client answers OK
    assert "empty" in empty.outputs[-1].data["text/plain"]
    with pytest.raises(UsageError, match="No statement set to submit"):
        sql("END;")
    before = jobs_now()
    try:
        sql("BEGIN STATEMENT SET;")
        with capture_output() as added:
            sql("INSERT INTO set_a SELECT k FROM nums;")
        assert "open with 1 INSERT statement" in added.outputs[-1].data["text/plain"]
        with pytest.raises(UsageError) as bad:  # checked when added; the set stays open
            sql("SELECT 1;\nINSERT INTO set_b SELECT nope FROM nums;")
        assert "Only INSERT statements" in str(bad.value)
        with pytest.raises(UsageError) as bad:
            sql("\nINSERT INTO set_b SELECT nope FROM nums;")
        assert "line 2" in str(bad.value) and "nope" in str(bad.value)
        sql("INSERT INTO set_b SELECT k + 1 FROM nums;")
        with capture_output() as config:
            shell.run_line_magic("flink_config", "")
        assert "open with 2 INSERT statements" in config.stdout
        assert added_since(before) == []  # nothing ran yet
        sql("END;", "-o both")
    finally:
        session.statement_set = None
    job = shell.user_ns["both"]
    assert added_since(before) == [job] and job.status() == "FINISHED"
    vertices = " ".join(v["name"] for v in job.rest.job(job.job_id)["vertices"])
    assert "set_a" in vertices and "set_b" in vertices


def test_mode_append_keeps_the_last_rows_and_says_older_ones_were_dropped(shell, sql):
    with capture_output() as captured:
        sql("SELECT k, v FROM nums", "--mode append --max-rows 5 -o last")
    job = Notebook.current().jobs[-1]
    assert job.query_result.mode.value == "append"
    assert len(shell.user_ns["last"]) == 5  # of 50
    html = captured.outputs[-1].data["text/html"]
    assert "(older rows dropped: notebook.max-rows)" in html


def test_mode_update_applies_retractions_to_a_bounded_aggregate(shell, sql):
    sql("SELECT k, COUNT(*) AS n FROM nums GROUP BY k", "--mode update -o table")
    job = Notebook.current().jobs[-1]
    assert job.query_result.mode.value == "update"
    df = shell.user_ns["table"]
    assert sorted(df["k"]) == sorted(set(df["k"])) and int(df["n"].sum()) == 50


def test_magic_settings_verbose_errors_and_refresh_interval(shell, sql):
    configuration = FlinkSession.current().configuration
    shell.run_line_magic("config", "FlinkMagics.verbose_errors = True")
    try:
        with pytest.raises(UsageError) as error:
            sql("SELECT * FROM no_such_table_either")
        assert "org.apache.flink" in str(error.value)  # the Java trace, asked for
    finally:
        shell.run_line_magic("config", "FlinkMagics.verbose_errors = False")
    with pytest.raises(UsageError) as error:
        sql("SELECT * FROM no_such_table_either")
    assert "org.apache.flink" not in str(error.value)

    shell.run_line_magic("config", "FlinkMagics.refresh_interval = 0.1")
    try:
        assert configuration.get("notebook.refresh-interval") == 0.1
        from flink_notebook.display.monitor import ClusterMonitor

        sql("SELECT user_id FROM clicks", "--detached -o fast")
        job = shell.user_ns["fast"]
        assert ClusterMonitor.for_url(job.rest.url, 1.0).interval() == 0.1  # the view's pace
        job.cancel()
    finally:
        shell.run_line_magic("config", "FlinkMagics.refresh_interval = 0.3")
    assert configuration.get("notebook.refresh-interval") == 0.3


def test_statements_without_rows_are_quiet_one_line_each_grouped(shell, sql):
    """No one-cell 'result / OK' DataFrame above every query: a line per statement, shown
    together before the next output; -o still binds the values."""
    configuration = FlinkSession.current().configuration
    with capture_output() as captured:
        sql("CREATE TEMPORARY TABLE IF NOT EXISTS quiet_t (n INT) WITH (\n"
            "  'connector' = 'datagen', 'number-of-rows' = '3');\n"
            "SET 'table.exec.resource.default-parallelism' = '1';\n"
            "CREATE TEMPORARY VIEW IF NOT EXISTS quiet_v AS SELECT n FROM quiet_t;\n"
            "SELECT COUNT(*) AS c FROM quiet_v;\n"
            "RESET 'table.exec.resource.default-parallelism';\n"
            "DROP TEMPORARY VIEW quiet_v", "-o last")
    assert configuration.get("table.exec.resource.default-parallelism") is None
    assert shell.user_ns["last"].to_dict("records") == [{"result": "OK"}]
    texts = [o.data.get("text/plain", "") for o in captured.outputs]
    notes = [o.data for o in captured.outputs if "flink-note" in o.data.get("text/html", "")]
    assert [n["text/plain"] for n in notes] == [
        "created temporary table quiet_t\n"
        "set 'table.exec.resource.default-parallelism' = '1'\n"
        "created temporary view quiet_v",
        "reset 'table.exec.resource.default-parallelism' (now unset)\n"
        "dropped temporary view quiet_v",
    ]
    first_note = texts.index(notes[0]["text/plain"])
    assert first_note < texts.index(notes[1]["text/plain"])
    assert not [t for t in texts if "result" in t and "OK" in t]  # no OK frames
    # an error keeps what was done before it said
    with capture_output() as captured, pytest.raises(UsageError, match="line 2"):
        sql("CREATE TEMPORARY VIEW IF NOT EXISTS quiet_w AS SELECT 1 AS x;\nSELECT nope")
    assert [o.data["text/plain"] for o in captured.outputs] == ["created temporary view quiet_w"]
    sql("DROP TEMPORARY VIEW quiet_w;\nDROP TEMPORARY TABLE quiet_t")  # later tests list tables


def test_loading_the_extension_again_is_silent(shell):
    with capture_output() as captured:
        shell.run_line_magic("load_ext", "flink_notebook")
    assert captured.stdout == "" and not captured.outputs


def test_secrets_never_show_in_show_create_table_or_set(shell, sql):
    """As the SQL gateway does: 'password' = '********' in SHOW CREATE TABLE, and a SET of a
    secret echoes the mask; the value still reaches Flink."""
    configuration = FlinkSession.current().configuration
    with capture_output() as captured:
        sql("CREATE TEMPORARY TABLE IF NOT EXISTS guarded (a INT) WITH (\n"
            "  'connector' = 'datagen', 'password' = 'my_pass',\n"
            "  'properties.sasl.jaas.config' = 'jaas-secret');\n"
            "SHOW CREATE TABLE guarded", "-o ddl")
        try:
            sql("SET 'sink.api-key' = 'hunter2'", "-o echo")
            assert configuration.get("sink.api-key") == "hunter2"
            sql("SET;", "-o listed")  # lists the options, as the client does
            listed = dict(shell.user_ns["listed"].itertuples(index=False))
            assert listed["sink.api-key"] == "********" and listed["notebook.slots"] == "4"
        finally:
            sql("RESET 'sink.api-key'")
    shown = "".join(repr(shell.user_ns[v]) for v in ("ddl", "echo", "listed")) + "".join(
        str(value) for output in captured.outputs for value in output.data.values())
    shown += captured.stdout + captured.stderr
    for secret in ("my_pass", "jaas-secret", "hunter2"):
        assert secret not in shown
    text = shell.user_ns["ddl"].iloc[0, 0]
    assert "'password' = '********'" in text and "'connector' = 'datagen'" in text
    pre = [o.data for o in captured.outputs if "<pre>" in o.data.get("text/html", "")]
    assert pre and pre[0]["text/plain"] == text  # shown as text, not squeezed into a table
    assert shell.user_ns["echo"].to_dict("records") == [{"key": "sink.api-key",
                                                          "value": "********"}]


def test_create_table_as_select_is_a_job_with_a_handle(shell, sql):
    """Flink's parser, not the first word, decides: CTAS and REPLACE TABLE AS submit jobs
    through the executor (cell options count), shown live, with a handle for -o."""
    from waiting import until

    from flink_notebook.jobs.client import JobClient

    embedded = FlinkSession.current().embedded_cluster().address.url
    with capture_output() as captured:
        sql("CREATE TABLE IF NOT EXISTS ctas_copy WITH ('connector' = 'blackhole')\n"
            "AS SELECT k, v FROM nums", "--name ctas-job -o created")
        sql("CREATE OR REPLACE TABLE ctas_copy WITH ('connector' = 'blackhole')\n"
            "AS SELECT k FROM nums", "--name rtas-job -o replaced")
    try:
        for name, var in (("ctas-job", "created"), ("rtas-job", "replaced")):
            job = shell.user_ns[var]
            assert isinstance(job, JobClient) and job.name == name
            assert job.wait(60) == "FINISHED"
            assert job.rest.url == embedded
            until(lambda name=name, job=job: name in {j["name"] for j in job.rest.jobs_overview()},
                  f"{name} listed on the embedded cluster")
        html = "".join(o.data.get("text/html", "") for o in captured.outputs)
        assert html.count("FINISHED") >= 2
    finally:
        sql("DROP TABLE IF EXISTS ctas_copy")


def test_show_describe_and_stop_job_as_in_the_sql_gateway(shell, sql, tmp_path):
    """Through the target cluster's REST API; bad input gets a short error."""
    from waiting import until

    for name in ("jobs-a", "jobs-b"):
        sql("INSERT INTO sink SELECT user_id, url FROM clicks", f"--detached --name {name} -o j")
    second, first = shell.user_ns["j"], Notebook.current().jobs[-2]
    for job in (first, second):
        until(lambda job=job: job.status() == "RUNNING", "the detached jobs running")
    sql("SHOW JOBS", "-o listed")
    listed = shell.user_ns["listed"]
    assert list(listed.columns) == ["job id", "job name", "status", "start time"]
    mine = listed[listed["job id"].isin([first.job_id, second.job_id])]
    assert sorted(mine["job name"]) == ["jobs-a", "jobs-b"] and set(mine["status"]) == {
        "RUNNING"}
    sql(f"DESCRIBE JOB '{first.job_id}'", "-o described")
    assert shell.user_ns["described"].iloc[0].tolist()[:3] == [first.job_id, "jobs-a",
                                                               "RUNNING"]

    with pytest.raises(UsageError, match="needs a savepoint directory"):
        sql(f"STOP JOB '{first.job_id}' WITH SAVEPOINT")
    with pytest.raises(UsageError, match="No job 0123456789abcdef0123456789abcdef on"):
        sql("STOP JOB '0123456789abcdef0123456789abcdef'")
    with pytest.raises(UsageError, match="not a Flink job id"):
        sql("DESCRIBE JOB 'nope'")

    sql(f"STOP JOB '{first.job_id}'", "-o stopped")
    assert shell.user_ns["stopped"].to_dict("records") == [{"result": "OK"}]
    assert first.status() == "CANCELED"
    sql(f"STOP JOB '{second.job_id}' WITH SAVEPOINT WITH DRAIN",
        f"-D state.savepoints.dir=file://{tmp_path} -o saved")
    path = shell.user_ns["saved"]["savepoint path"][0]
    assert path.startswith(f"file:{tmp_path}") and second.wait(60) == "FINISHED"
    with pytest.raises(UsageError, match="already ended"):
        sql(f"STOP JOB '{second.job_id}'")


def test_job_statements_on_per_job_see_this_sessions_per_job_clusters(shell, sql):
    """per-job has no one cluster to ask: the session's jobs there, each on its own cluster."""
    from waiting import until

    sql("INSERT INTO sink SELECT user_id, url FROM clicks",
        "--target per-job --detached --name per-job-listed -o j")
    job = shell.user_ns["j"]
    try:
        until(lambda: job.status() == "RUNNING", "the per-job job running")
        sql("SHOW JOBS", "--target per-job -o listed")
        listed = shell.user_ns["listed"]
        row = listed[listed["job id"] == job.job_id]
        assert row[["job name", "status"]].values.tolist() == [["per-job-listed", "RUNNING"]]
        sql(f"DESCRIBE JOB '{job.job_id}'", "--target per-job -o described")
        assert shell.user_ns["described"].iloc[0].tolist()[:3] == [job.job_id,
                                                                   "per-job-listed", "RUNNING"]
        sql(f"STOP JOB '{job.job_id}'", "--target per-job")
        assert job.wait(60) == "CANCELED"
    finally:
        if not job.is_terminal:
            job.cancel()


def test_sql_files_run_as_cells_and_their_errors_name_the_file_line(shell, sql, tmp_path):
    script = tmp_path / "script.sql"
    script.write_text("-- as sql-client.sh -f runs it\n"
                      "CREATE TEMPORARY TABLE IF NOT EXISTS from_file (n INT) WITH (\n"
                      "  'connector' = 'datagen', 'number-of-rows' = '7');\n"
                      "SELECT n FROM from_file;\n")
    shell.run_line_magic("flink_sql_file", f"-o rows {script}")
    assert len(shell.user_ns["rows"]) == 7
    sql("SELECT COUNT(*) AS c FROM from_file", f"-f {script} -o counted")  # file, then cell
    assert shell.user_ns["counted"]["c"].tolist() == [7]

    broken = tmp_path / "broken.sql"
    broken.write_text("SELECT 1;\n\nSELECT nope\n  FROM from_file;\n")
    with pytest.raises(UsageError) as error:
        shell.run_line_magic("flink_sql_file", str(broken))
    said = " ".join(str(error.value).split())  # its lines wrap at words
    assert said.startswith(f"SQL error at {broken}, line 3, column 8:")
    assert "   3 | SELECT nope" in str(error.value)
    with pytest.raises(UsageError, match="No SQL file at 'missing.sql'"):
        shell.run_line_magic("flink_sql_file", "missing.sql")


def test_init_sql_runs_before_the_first_cell_and_its_error_names_the_file(
        shell, sql, tmp_path, capsys):
    session = Notebook.current()
    good, bad = tmp_path / "good.sql", tmp_path / "bad.sql"
    good.write_text("CREATE TEMPORARY TABLE IF NOT EXISTS from_init (n INT) WITH (\n"
                    "  'connector' = 'datagen', 'number-of-rows' = '3');\n")
    bad.write_text("CREATE TEMPORARY VIEW v AS\nSELECT nope FROM from_init;\n")
    session.configuration.set("notebook.init-sql", f"{good}, {bad}")
    try:
        sql("SELECT n FROM from_init", "-o rows")  # the init files ran first
        assert len(shell.user_ns["rows"]) == 3
        out = capsys.readouterr()
        assert f"notebook.init-sql: ran {good}" in out.out
        assert f"SQL error at {bad}, line 2, column 8" in " ".join(out.err.split())
        sql("SELECT 1 AS x", "-o again")  # each file runs once
        assert "init-sql" not in capsys.readouterr().out
    finally:
        session.configuration.unset("notebook.init-sql")
        session.init_sql_run.clear()


UDF = """package demo;
public class PlusTen extends org.apache.flink.table.functions.ScalarFunction {
    public Integer eval(Integer x) { return x == null ? null : x + 10; }
}
"""


@pytest.fixture(scope="module")
def udf_jar(tmp_path_factory):
    """A jar with a Java scalar function, built with the JDK's javac and jar."""
    import subprocess
    from pathlib import Path

    import pyflink

    from flink_notebook.core.java import find_java

    bin_dir = Path(find_java().home) / "bin"
    work = tmp_path_factory.mktemp("udf")
    (work / "demo").mkdir()
    (work / "demo" / "PlusTen.java").write_text(UDF)
    api = next((Path(pyflink.__file__).parent / "lib").glob("flink-table-api-java-uber-*.jar"))
    subprocess.run([str(bin_dir / "javac"), "-cp", str(api), "-d", str(work / "classes"),
                    str(work / "demo" / "PlusTen.java")], check=True)
    jar = work / "plus-ten.jar"
    subprocess.run([str(bin_dir / "jar"), "cf", str(jar), "-C", str(work / "classes"), "."],
                   check=True)
    return jar


def test_add_show_and_remove_jar_and_its_functions_on_every_target(shell, sql, udf_jar,
                                                                  session_cluster):
    """As in the SQL client; an added jar reaches the remote and per-job clusters' jobs."""
    sql(f"ADD JAR '{udf_jar}';\nCREATE TEMPORARY FUNCTION plus_ten AS 'demo.PlusTen';\n"
        f"CREATE TEMPORARY FUNCTION plus_ten_using AS 'demo.PlusTen' USING JAR '{udf_jar}'")
    try:
        sql("SHOW JARS", "-o jars")
        assert shell.user_ns["jars"].iloc[:, 0].tolist() == [str(udf_jar)]
        query = "SELECT plus_ten(1) AS a, plus_ten_using(2) AS b"
        for line in ("", f"--target remote -D rest.address={session_cluster.rest_url}",
                     "--target per-job"):
            sql(query, f"{line} -o got")
            assert shell.user_ns["got"].to_dict("records") == [{"a": 11, "b": 12}], line
        sql(f"REMOVE JAR '{udf_jar}'", "-o removed")
        assert shell.user_ns["removed"].to_dict("records") == [{"result": "OK"}]
        sql("SHOW JARS", "-o jars")
        assert shell.user_ns["jars"].empty
        with pytest.raises(UsageError, match="was not added to this session"):
            sql(f"REMOVE JAR '{udf_jar}'")
    finally:
        sql("DROP TEMPORARY FUNCTION IF EXISTS plus_ten;\n"
            "DROP TEMPORARY FUNCTION IF EXISTS plus_ten_using")


def test_values_show_as_flink_shows_them_and_the_dataframe_keeps_their_types(shell, sql):
    with capture_output() as captured:
        sql("SELECT TIMESTAMP '2021-04-13 20:12:11.123' AS ts3, TO_TIMESTAMP_LTZ(1, 0) AS ltz,\n"
            " CAST(1.5 AS DECIMAL(10, 3)) AS dec3, CAST(NULL AS INT) AS n, ROW(1, 'a') AS r,\n"
            " ARRAY[1, 2] AS arr, MAP['k', 1] AS m, TRUE AS b",
            "-D table.local-time-zone=Asia/Shanghai -o values")
    frame = shell.user_ns["values"]
    assert str(frame["ltz"].dtype) == "datetime64[ms, Asia/Shanghai]"
    assert frame["ltz"][0].hour == 8 and str(frame["n"].dtype) == "Int32"
    assert frame["dec3"][0] == Decimal("1.500")
    html = captured.outputs[-1].data["text/html"]
    for shown in ("2021-04-13 20:12:11.123<", "1970-01-01 08:00:01.000", ">1.500<",
                  "&lt;NULL&gt;", "(1, a)", "[1, 2]", "{k=1}", "TRUE"):
        assert shown in html, shown
    assert "11.123000" not in html


def test_explain_plan_advice_shows_the_advice_as_advice(sql):
    with capture_output() as captured:
        sql("EXPLAIN PLAN_ADVICE SELECT user_id, COUNT(*) FROM clicks GROUP BY user_id")
    [advice, plan] = [o.data for o in captured.outputs[-2:]]
    assert advice["text/plain"].startswith("Plan advice:\n  [1] ADVICE:")
    assert "flink-advice" in advice["text/html"] and "<pre>" in plan["text/html"]



@pytest.mark.cluster
def test_a_query_whose_plan_cannot_be_read_after_its_submission_is_cancelled(shell,
                                                                            monkeypatch):
    """A query's result mode is read from its plan while its job starts (B2): if that
    fails, the job no handle would reach is cancelled, and the cell says why."""
    from waiting import until

    from flink_notebook.cells import queries
    from flink_notebook.jobs.rest import RestClient

    def unreadable(*args, **kwargs):
        raise UsageError("the plan could not be read")

    monkeypatch.setattr(queries.query_plan, "result_mode", unreadable)
    shell.run_cell_magic("flink_sql", "", "CREATE TEMPORARY TABLE IF NOT EXISTS unread_ticks "
                         "(n BIGINT) WITH ('connector'='datagen', 'rows-per-second'='5')")
    with pytest.raises(UsageError, match="the plan could not be read"):
        shell.run_cell_magic("flink_sql", "--name plan-unread", "SELECT n FROM unread_ticks")
    rest = RestClient(FlinkSession.current().embedded_cluster().address.url)

    def state() -> str | None:
        return next((job["state"] for job in rest.jobs_overview()
                     if job["name"] == "plan-unread"), None)

    until(lambda: state() in ("CANCELED", "FINISHED", "FAILED"), "the submitted job ended")
    assert state() == "CANCELED"
