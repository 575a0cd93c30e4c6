"""A deployment's artifact without Flink: which tables a compiled plan names, files only
this user reads, and what ``show`` and ``list`` print: never a secret."""

from __future__ import annotations

import json
import stat

import pytest
from IPython.core.error import UsageError

from flink_notebook.cli import main
from flink_notebook.core.config import Configuration
from flink_notebook.core.secrets import MASK
from flink_notebook.deploy import artifact as artifacts
from flink_notebook.deploy import lifecycle
from flink_notebook.deploy.build import compiling, copy_jars
from flink_notebook.deploy.records import Records
from flink_notebook.sql.statements import split_statements

SECRET, PLAN_SECRET, OPTION_SECRET = "hunter2-ddl", "hunter2-plan", "hunter2-option"
PLAN = {"flinkVersion": "2.3", "nodes": [
    {"id": 1, "type": "stream-exec-table-source-scan_2", "description": "TableSourceScan(src)",
     "scanTableSource": {"table": {"identifier": "`c`.`d`.`src`"}}},
    {"id": 2, "type": "stream-exec-lookup-join_1", "description": "LookupJoin(dim)",
     "temporalTable": {"lookupTableSource": {"table": {"identifier": "`c`.`d`.`dim`"}}}},
    {"id": 3, "type": "stream-exec-sink_2", "description": "Sink(snk)",
     "dynamicTableSink": {"table": {"identifier": "`c`.`d`.`snk`", "resolvedTable": {
         "options": {"connector": "jdbc", "password": PLAN_SECRET}}}}},
    {"id": 4, "type": "stream-exec-sink_2", "description": "Sink(src again)",
     "dynamicTableSink": {"table": {"identifier": "`c`.`d`.`src`"}}}]}


def an_artifact(version: int = 1) -> artifacts.Artifact:
    return artifacts.Artifact(
        "orders", version, "INSERT INTO snk SELECT * FROM src",
        [f"CREATE TABLE src (n INT) WITH ('connector' = 'jdbc', 'password' = '{SECRET}')",
         "CREATE TABLE snk (n INT) WITH ('connector' = 'blackhole')"],
        {"s3.secret-key": OPTION_SECRET, "parallelism.default": "1"}, json.dumps(PLAN),
        "per-job", "pipelines/o.ipynb", "cell-7", ["`c`.`d`.`src`"], [], ["/jars/x.jar"], "2.3.0")


def test_a_plan_names_its_sources_lookups_and_sinks_once_each():
    assert artifacts.plan_tables(PLAN) == ["`c`.`d`.`src`", "`c`.`d`.`dim`", "`c`.`d`.`snk`"]


def test_the_files_are_this_users_and_read_back_whole(tmp_path):
    folder = artifacts.private_folder(tmp_path / "deployments" / "orders" / "v1")
    artifacts.write(an_artifact(), folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == sorted(artifacts.FILES)
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}
    assert artifacts.read(folder) == an_artifact()  # secrets in clear: it must run


def test_show_masks_every_secret_and_keeps_the_rest():
    shown = artifacts.shown(an_artifact())
    for secret in (SECRET, PLAN_SECRET, OPTION_SECRET):
        assert secret not in shown
    assert f"'password' = '{MASK}'" in shown and f"s3.secret-key = {MASK}" in shown
    assert "parallelism.default = 1" in shown and "INSERT INTO snk SELECT * FROM src;" in shown
    assert "orders v1 (per-job; from pipelines/o.ipynb, cell cell-7)" in shown
    assert "3: Sink(snk)" in shown and "/jars/x.jar" in shown


@pytest.mark.parametrize(("cell", "at"), [
    ("\n  EXECUTE STATEMENT SET BEGIN INSERT INTO t SELECT 1; END", (1, 41)),
    ("BEGIN STATEMENT SET;\nINSERT INTO t SELECT 1;\nEND;", (2, 13)),
    ("BEGIN STATEMENT SET; INSERT INTO t SELECT 1; END;", (1, 41)),
])
def test_the_compiling_statement_points_where_the_set_is_in_the_cell(tmp_path, cell, at):
    [pipeline] = split_statements(cell)
    compiled = compiling(pipeline, tmp_path)
    assert compiled.text.startswith(f"COMPILE PLAN '{tmp_path}/plan.json' FOR STATEMENT SET")
    # What Flink reports in the compiling text is where the pipeline's text has it.
    line, column = at
    moved = len(compiled.text) - len(pipeline.text) if line == 1 else 0
    assert compiled.cell_position(line, column + moved) == pipeline.cell_position(line, column)


def test_an_insert_compiles_as_it_is(tmp_path):
    [pipeline] = split_statements("INSERT INTO t SELECT 1")
    assert compiling(pipeline, tmp_path) is pipeline


def test_list_says_the_last_known_state_when_the_cluster_does_not_answer(tmp_path, capsys,
                                                                          monkeypatch):
    monkeypatch.setenv("FLINK_NOTEBOOK_STATE_DIR", str(tmp_path))
    records = Records()
    records.reserve("orders", "pipelines/o.ipynb", "cell-7", "remote")
    folder = artifacts.private_folder(artifacts.folder_of("orders", 1))
    artifacts.write(an_artifact(), folder)
    records.submitted("orders", 1, str(folder), "a" * 32, None, "http://127.0.0.1:9",
                      "RUNNING")  # port 9: nothing answers
    [row] = lifecycle.rows(records)
    assert row == ("orders", "v1", "a" * 32, "RUNNING (last known)", "http://127.0.0.1:9", "",
                   "pipelines/o.ipynb", "cell-7")
    assert main(["deploy", "show", "orders"]) == 0
    shown = capsys.readouterr().out
    assert "INSERT INTO snk" in shown and SECRET not in shown and OPTION_SECRET not in shown
    assert main(["deploy", "show", "nope"]) == 2
    assert capsys.readouterr().err.strip() == (
        "flink-notebook: No deployment named 'nope' (known: orders); "
        "`%%flink_deploy nope` makes one.")


def test_local_jars_are_copied_in_and_others_named(tmp_path):
    first, second = tmp_path / "a" / "udf.jar", tmp_path / "b" / "udf.jar"
    for jar in (first, second):
        jar.parent.mkdir()
        jar.write_bytes(b"PK" + jar.parent.name.encode())
    folder = artifacts.private_folder(tmp_path / "deployments" / "orders" / "v1")
    kept = copy_jars([str(first), f"file:{second}", "s3://bucket/x.jar"], folder)
    assert kept == ["jars/udf.jar", "jars/1-udf.jar", "s3://bucket/x.jar"]
    assert (folder / "jars" / "1-udf.jar").read_bytes() == b"PKb"
    assert stat.S_IMODE((folder / "jars" / "udf.jar").stat().st_mode) == 0o600


def test_a_per_job_cluster_gone_with_its_job_leaves_its_end_and_frees_the_name(
        tmp_path, monkeypatch):
    from flink_notebook.clusters.registry import cluster_folder

    monkeypatch.setenv("FLINK_NOTEBOOK_STATE_DIR", str(tmp_path))
    records = Records()
    records.reserve("orders", None, None, "per-job")
    records.submitted("orders", 1, "/nowhere", "b" * 32, "per-job-1", "http://127.0.0.1:9",
                      "RUNNING")
    with pytest.raises(UsageError, match="orders v1 runs"):
        records.reserve("orders", None, None, "per-job")
    folder = cluster_folder("per-job-1")
    folder.mkdir(parents=True)
    (folder / "ended-jobs.json").write_text(json.dumps({"b" * 32: {"state": "FINISHED"}}))
    assert lifecycle.refreshed(records.find("orders"), records, Configuration.load()).state \
        == "FINISHED"
    assert records.find("orders").state == "FINISHED"
    assert records.reserve("orders", None, None, "per-job") == 2
    assert [e for _, _, e, _ in records.outcomes("orders")][-2:] == ["ended", "reserved"]
