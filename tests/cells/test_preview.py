"""``--preview``: sinks replaced by live views on the real embedded Flink; nothing written."""

from __future__ import annotations

import itertools

import pytest
from handles import added_since, jobs_now
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from flink_notebook.engine.java_classes import kernel_flink

_names = itertools.count()


def _name(stem: str) -> str:
    """A table name no other test uses (tests share the session's catalog)."""
    return f"{stem}_{next(_names)}"


def _shown(captured) -> str:
    return "".join(o.data.get("text/plain", "") + o.data.get("text/html", "")
                   for o in captured.outputs) + captured.stdout


@pytest.mark.cluster
def test_a_previewed_insert_writes_no_file_and_shows_the_rows_with_the_sinks_columns(
        shell, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    source, sink = _name("src"), _name("files")
    with capture_output() as captured:
        shell.run_cell_magic("flink_sql", "--preview -o rows", f"""
            CREATE TEMPORARY VIEW {source} AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c'))
              AS t(n, s);
            CREATE TEMPORARY TABLE {sink} (id BIGINT, word STRING) WITH (
              'connector' = 'filesystem', 'format' = 'csv', 'path' = '{out.as_uri()}');
            INSERT INTO {sink} SELECT n, s FROM {source}""")
    rows = shell.user_ns["rows"]
    assert list(rows.columns) == ["id", "word"]  # the sink's names, not the query's
    assert rows.sort_values("id").values.tolist() == [[1, "a"], [2, "b"], [3, "c"]]
    assert str(rows["id"].dtype) == "int64"  # cast to the sink's BIGINT
    # Named as the reader wrote it (the current catalog and database go without saying).
    assert f"Preview of {sink}: the rows it would receive" in _shown(captured)
    assert list(out.iterdir()) == []
    # The same INSERT without --preview writes the files: the check above can fail.
    shell.run_cell_magic("flink_sql", "", f"INSERT INTO {sink} SELECT n, s FROM {source}")
    assert list(out.iterdir()) != []


@pytest.mark.cluster
def test_a_previewed_insert_into_a_print_sink_prints_nothing(shell, capfd):
    sink = _name("printed")
    shell.run_cell_magic("flink_sql", "", f"""
        CREATE TEMPORARY TABLE {sink} (n INT) WITH ('connector' = 'print',
          'standard-error' = 'true', 'print-identifier' = '{sink}')""")
    capfd.readouterr()
    with capture_output():
        shell.run_cell_magic("flink_sql", "--preview -o rows",
                             f"INSERT INTO {sink} SELECT * FROM (VALUES (41), (42)) AS t(n)")
    assert sorted(shell.user_ns["rows"]["n"]) == [41, 42]
    assert sink not in "".join(capfd.readouterr())
    # Without --preview the job prints its rows where the capture reads: it can see them.
    with capture_output():
        shell.run_cell_magic("flink_sql", "",
                             f"INSERT INTO {sink} SELECT * FROM (VALUES (41), (42)) AS t(n)")
    from waiting import until

    printed: list[str] = []
    until(lambda: printed.append("".join(capfd.readouterr())) or
          "".join(printed).count(f"{sink}>") >= 2, "the print sink's rows")


@pytest.mark.cluster
def test_a_statement_set_gives_one_view_per_sink_each_with_its_columns(shell):
    one, two = _name("bh_one"), _name("bh_two")
    before = jobs_now()
    with capture_output() as captured:
        shell.run_cell_magic("flink_sql", "--preview -o views", f"""
            CREATE TEMPORARY TABLE {one} (k INT, label STRING) WITH ('connector' = 'blackhole');
            CREATE TEMPORARY TABLE {two} (total BIGINT) WITH ('connector' = 'blackhole');
            EXECUTE STATEMENT SET BEGIN
              INSERT INTO {one} SELECT x, 'n' || CAST(x AS STRING)
                FROM (VALUES (1), (2)) AS t(x);
              INSERT INTO {two} SELECT SUM(x) FROM (VALUES (1), (2), (3)) AS t(x);
            END""")
    views = shell.user_ns["views"]
    first = views[f"default_catalog.default_database.{one}"]
    second = views[f"default_catalog.default_database.{two}"]
    assert list(first.columns) == ["k", "label"]
    assert first.sort_values("k").values.tolist() == [[1, "n1"], [2, "n2"]]
    assert list(second.columns) == ["total"]
    assert second["total"].tolist() == [6]
    previews = added_since(before)
    assert [job.name for job in previews] == [f"preview of {n}" for n in (one, two)]
    plain = "".join(o.data.get("text/plain", "") for o in captured.outputs)
    assert plain.count("Preview of ") == 2


@pytest.mark.cluster
def test_begin_statement_set_to_end_is_previewed_a_view_per_insert(shell):
    sink = _name("bh_set")
    shell.run_cell_magic("flink_sql", "--preview -o rows", f"""
        CREATE TEMPORARY TABLE {sink} (k INT) WITH ('connector' = 'blackhole');
        BEGIN STATEMENT SET;
        INSERT INTO {sink} VALUES (7);
        INSERT INTO {sink} VALUES (8);
        END""")
    table = f"default_catalog.default_database.{sink}"
    views = shell.user_ns["rows"]  # the same table twice: a view each
    assert {key: view["k"].tolist() for key, view in views.items()} == {
        table: [7], f"{table} #2": [8]}


@pytest.mark.cluster
def test_a_previewed_ctas_creates_no_table(shell):
    created = _name("made")
    with capture_output():
        shell.run_cell_magic("flink_sql", "--preview -o rows",
                             f"CREATE TABLE {created} WITH ('connector' = 'blackhole') AS "
                             "SELECT x, x * 2 AS twice FROM (VALUES (1), (2)) AS t(x)")
    rows = shell.user_ns["rows"]
    assert list(rows.columns) == ["x", "twice"]
    assert rows.sort_values("x")["twice"].tolist() == [2, 4]
    with capture_output():
        shell.run_cell_magic("flink_sql", "-o tables", "SHOW TABLES")
    assert created not in shell.user_ns["tables"].iloc[:, 0].tolist()


@pytest.mark.cluster
def test_preview_rows_stops_an_unbounded_stream_and_says_so(shell):
    source, sink = _name("endless"), _name("bh_endless")
    before = jobs_now()
    with capture_output() as captured:
        shell.run_cell_magic("flink_sql", "--preview --preview-rows 5 -o rows", f"""
            CREATE TEMPORARY TABLE {source} (n INT) WITH (
              'connector' = 'datagen', 'rows-per-second' = '50');
            CREATE TEMPORARY TABLE {sink} (n INT) WITH ('connector' = 'blackhole');
            INSERT INTO {sink} SELECT n FROM {source}""")
    assert len(shell.user_ns["rows"]) == 5
    assert "Preview stopped at 5 rows" in _shown(captured)
    [job] = added_since(before)
    assert job.status() == "CANCELED"


@pytest.mark.cluster
def test_preview_seconds_stops_a_quiet_stream_and_says_so(shell):
    source, sink = _name("slow"), _name("bh_slow")
    with capture_output() as captured:
        shell.run_cell_magic("flink_sql", "--preview --preview-seconds 2 -o rows", f"""
            CREATE TEMPORARY TABLE {source} (n INT) WITH (
              'connector' = 'datagen', 'rows-per-second' = '1');
            CREATE TEMPORARY TABLE {sink} (n INT) WITH ('connector' = 'blackhole');
            INSERT INTO {sink} SELECT n FROM {source}""")
    assert 0 < len(shell.user_ns["rows"]) < 1000
    assert "Preview stopped after 2 s" in _shown(captured)


@pytest.mark.cluster
def test_preview_of_a_cell_that_writes_nothing_says_what_it_is_for(shell):
    with pytest.raises(UsageError, match="--preview shows what INSERT"):
        shell.run_cell_magic("flink_sql", "--preview", "SELECT 1")


def test_preview_cannot_be_detached(shell):
    with pytest.raises(UsageError, match="cannot be --detached"):
        shell.run_cell_magic("flink_sql", "--preview --detached", "INSERT INTO t VALUES (1)")


def test_a_preview_bound_without_preview_is_refused(shell):
    with pytest.raises(UsageError, match="add --preview"):
        shell.run_cell_magic("flink_sql", "--preview-rows 5", "INSERT INTO t VALUES (1)")


# -- %%flink --preview: the code's writing calls show their sinks' rows instead --------------


@pytest.mark.cluster
def test_a_flink_cell_previews_execute_sql_execute_insert_statement_sets_and_pipelines(
        shell, flink, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    sink = _name("code_files")
    shell.user_ns["preview_path"] = out.as_uri()
    before = jobs_now()
    with capture_output() as captured:
        flink(f"""
t_env.execute_sql("CREATE TEMPORARY TABLE {sink} (id BIGINT, word STRING) WITH ("
                  "'connector' = 'filesystem', 'format' = 'csv', 'path' = '" + preview_path + "')")
t_env.execute_sql("INSERT INTO {sink} VALUES (1, 'a'), (2, 'b')").wait()
t_env.from_elements([(3, 'c')], ['n', 's']).execute_insert("{sink}").wait()
both = t_env.create_statement_set()
both.add_insert_sql("INSERT INTO {sink} VALUES (4, 'd')")
both.add_insert("{sink}", t_env.from_elements([(5, 'e')], ['n', 's']))
both.execute().wait()
if hasattr(t_env.from_elements([(0, '')], ['n', 's']), "insert_into"):
    t_env.from_elements([(6, 'f')], ['n', 's']).insert_into("{sink}").execute().wait()
""", "--preview")
    previews = added_since(before)
    calls = 5 if kernel_flink() >= (2, 1) else 4  # Table.insert_into: PyFlink 2.1 on
    assert [job.name for job in previews] == [f"preview of {sink}"] * calls
    rows = [job.to_pandas() for job in previews]
    assert [list(frame.columns) for frame in rows] == [["id", "word"]] * calls
    assert [sorted(frame.values.tolist()) for frame in rows] == [
        [[1, "a"], [2, "b"]], [[3, "c"]], [[4, "d"]], [[5, "e"]], [[6, "f"]]][:calls]
    plain = "".join(o.data.get("text/plain", "") for o in captured.outputs) + captured.stdout
    assert plain.count(f"Preview of {sink}:") == calls
    assert list(out.iterdir()) == []
    flink(f"t_env.execute_sql(\"INSERT INTO {sink} VALUES (1, 'a')\").wait()")
    assert list(out.iterdir()) != []  # without --preview it writes: the check above can fail


@pytest.mark.cluster
def test_a_flink_cell_whose_code_writes_nothing_says_what_preview_is_for(shell, flink):
    with pytest.raises(UsageError, match="this cell's code called none of them"):
        with capture_output():
            flink("t_env.execute_sql('SELECT 1').wait()", "--preview")
