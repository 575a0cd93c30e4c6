"""``%%flink_deploy`` on per-job: an INSERT from datagen into a filesystem sink becomes
``orders v1``, RUNNING on its own cluster, its files appear; list and show say so with
secrets masked; ``stop --savepoint`` ends it with a savepoint, and its cluster. Its
artifact is private and holds what the pipeline needs (a table made in an earlier cell
too)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import httpx
import pytest
from IPython.core.error import UsageError
from waiting import until

from flink_notebook.clusters.standalone import LocalCluster
from flink_notebook.core.secrets import MASK
from flink_notebook.deploy.records import Records

pytestmark = pytest.mark.cluster

SECRET = "s3cr3t-value-91"


def test_an_insert_deploys_runs_detached_and_stops_with_its_cluster(shell, tmp_path, capsys):
    out = tmp_path / "out"
    shell.run_cell_magic("flink_sql", "", (
        "CREATE TEMPORARY TABLE d_src (n BIGINT, s STRING) WITH ('connector'='datagen', "
        "'rows-per-second'='20', 'fields.s.length'='4')"))  # an earlier cell's table
    cell = (
        f"SET 'fs.s3.secret-key' = '{SECRET}';\n"
        f"CREATE TEMPORARY TABLE d_sink (n BIGINT, s STRING) WITH ('connector'='filesystem', "
        f"'path'='{out}', 'format'='csv', 'sink.rolling-policy.rollover-interval'='1s', "
        f"'sink.rolling-policy.check-interval'='1s');\n"
        "CREATE TEMPORARY VIEW d_view AS SELECT n, s FROM d_src WHERE n IS NOT NULL;\n"
        "INSERT INTO d_sink SELECT n, s FROM d_view")
    shell.run_cell_magic("flink_deploy", "orders -o deployed -D execution.checkpointing."
                         "interval=1s", cell)
    job = shell.user_ns["deployed"]
    cluster = job.cluster
    try:
        assert isinstance(cluster, LocalCluster) and cluster.detached
        until(lambda: job.status() == "RUNNING", "the deployment running", seconds=120)
        assert httpx.get(f"{job.rest.url}/jobs/{job.job_id}", timeout=5).json()["name"] == \
            "orders v1"
        until(lambda: any(p.is_file() and not p.name.startswith(".") for p in out.rglob("*")),
              "the sink's files", seconds=120)

        [version] = Records().latest()
        folder = Path(version.artifact)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == dict.fromkeys(
            ["pipeline.sql", "ddl.sql", "options.json", "plan.json", "deployment.json"], 0o600)
        ddl = (folder / "ddl.sql").read_text()
        assert "d_src" in ddl and "d_sink" in ddl and "CREATE TEMPORARY VIEW" in ddl
        assert ddl.index("`d_src`") < ddl.index("CREATE TEMPORARY VIEW")
        assert json.loads((folder / "options.json").read_text())["fs.s3.secret-key"] == SECRET
        # The plan file Flink registered when it ran is not one of the session's jars.
        shell.run_cell_magic("flink_sql", "-o jars_now", "SHOW JARS")
        assert not any("plan.json" in str(jar) for jar in shell.user_ns["jars_now"]["jars"])
        assert json.loads((folder / "plan.json").read_text())["nodes"]
        assert (folder / "pipeline.sql").read_text() == \
            "INSERT INTO d_sink SELECT n, s FROM d_view;\n"

        capsys.readouterr()
        listed = shell.run_line_magic("flink_deploy", "list")  # a table in a notebook
        row = listed.set_index("name").loc["orders"]
        assert list(row[["version", "job", "state", "cluster"]]) == [
            "v1", job.job_id, "RUNNING", cluster.name]
        shell.run_line_magic("flink_deploy", "show orders")
        showed = capsys.readouterr().out
        assert "INSERT INTO d_sink" in showed and f"fs.s3.secret-key = {MASK}" in showed
        assert SECRET not in listed.to_string() + listed._repr_html_() + showed

        with pytest.raises(UsageError, match=r"orders v1 runs \(job "):
            shell.run_cell_magic("flink_deploy", "orders", cell)

        shell.run_line_magic("flink_deploy", "stop orders --savepoint")
        said = capsys.readouterr().out.splitlines()  # the job's view may print too
        [stopped] = [line for line in said if line.startswith("stopped")]
        assert stopped.startswith(f"stopped orders v1 (job {job.job_id}, FINISHED); savepoint ")
        savepoint = stopped.split("; savepoint ")[1]
        assert Path(savepoint.removeprefix("file:")).is_dir()
        until(lambda: cluster.status() == "stopped", "its cluster stopping", seconds=60)
        [version] = Records().latest()
        assert (version.state, version.savepoint) == ("FINISHED", savepoint)
        row = shell.run_line_magic("flink_deploy", "list").set_index("name").loc["orders"]
        assert list(row[["state", "cluster", "savepoint"]]) == [
            "FINISHED", cluster.name, savepoint]
    finally:
        cluster.stop()
        shell.run_cell_magic("flink_sql", "", "RESET 'fs.s3.secret-key'; DROP TEMPORARY VIEW "
                             "d_view; DROP TEMPORARY TABLE d_sink; DROP TEMPORARY TABLE d_src")


MISSING = "INSERT INTO b_sink SELECT n FROM no_such_table"


@pytest.mark.parametrize(("pipeline", "where"), [
    (MISSING, "line 2, column 34"),
    (f"BEGIN STATEMENT SET;\nINSERT INTO b_sink SELECT 1;\n{MISSING};\nEND", "line 4, column 34"),
    (f"EXECUTE STATEMENT SET BEGIN {MISSING}; END", "line 2, column 62"),
])
def test_a_table_with_no_ddl_is_named_where_it_is_read(shell, pipeline, where):
    cell = ("CREATE TEMPORARY TABLE IF NOT EXISTS b_sink (n INT) WITH ('connector'='blackhole');"
            f"\n{pipeline}")
    with pytest.raises(UsageError) as raised:
        shell.run_cell_magic("flink_deploy", "broken", cell)
    said = str(raised.value)
    assert said.startswith(f"SQL error at {where}: Object 'no_such_table' not found"), said
    assert "Traceback" not in said
    [version] = [v for v in Records().latest() if v.name == "broken"]
    assert version.status == "failed" and version.job_id is None
    assert not Path(os.environ["FLINK_NOTEBOOK_STATE_DIR"], "deployments", "broken",
                    f"v{version.version}").exists()


def test_a_deployment_on_remote_runs_on_that_cluster_and_stops(shell, capsys):
    from flink_notebook.engine.session import FlinkSession

    FlinkSession.current().ensure_started()
    url = FlinkSession.current().embedded_cluster().address.url  # a session cluster at hand
    port = url.rsplit(":", 1)[1]
    shell.run_cell_magic(
        "flink_deploy", f"on_remote --target remote -D rest.address=127.0.0.1 -D rest.port={port}"
        " -o remote_job",
        "CREATE TEMPORARY TABLE IF NOT EXISTS r_src (n INT) WITH ('connector'='datagen', "
        "'rows-per-second'='5');\n"
        "CREATE TEMPORARY TABLE IF NOT EXISTS r_sink (n INT) WITH ('connector'='blackhole');\n"
        "EXECUTE STATEMENT SET BEGIN INSERT INTO r_sink SELECT n FROM r_src; END")
    job = shell.user_ns["remote_job"]
    try:
        assert job.cluster is None and job.rest.url == url
        until(lambda: job.status() == "RUNNING", "the deployment running", seconds=120)
        assert httpx.get(f"{url}/jobs/{job.job_id}", timeout=5).json()["name"] == "on_remote v1"
        # Neither COMPILE PLAN's file (a statement set's) nor EXECUTE PLAN's is a session jar.
        shell.run_cell_magic("flink_sql", "-o jars_now", "SHOW JARS")
        assert not any("plan.json" in str(jar) for jar in shell.user_ns["jars_now"]["jars"])
        capsys.readouterr()
        row = shell.run_line_magic("flink_deploy", "list").set_index("name").loc["on_remote"]
        assert list(row[["version", "job", "state", "cluster"]]) == [
            "v1", job.job_id, "RUNNING", url]
        shell.run_line_magic("flink_deploy", "stop on_remote")
        assert f"stopped on_remote v1 (job {job.job_id}, CANCELED)" in \
            capsys.readouterr().out.splitlines()
        assert job.status() == "CANCELED"
    finally:
        if job.status() not in ("CANCELED", "FINISHED", "FAILED"):
            job.cancel()
        shell.run_cell_magic("flink_sql", "", "DROP TEMPORARY TABLE r_src; "
                             "DROP TEMPORARY TABLE r_sink")
