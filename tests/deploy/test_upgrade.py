"""The state-compatibility report of an upgrade, on plans PyFlink 2.3 compiled (stored in
tests/deploy/plans/): a changed filter keeps the group aggregate's state, another GROUP BY
key or more aggregates change it, a plan without it drops it; the new plan's nodes take the
old plan's ids, so the job's operator uids match the savepoint's. The same key type
computed from another column changes the state too."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import httpx
import pytest
from IPython.core.error import UsageError
from waiting import until

from flink_notebook.deploy import compat
from flink_notebook.deploy.records import Records

PLANS = Path(__file__).parent / "plans"


def plan(name: str) -> dict:
    return json.loads((PLANS / f"{name}.json").read_text())


@pytest.mark.parametrize(("new", "verdict", "why"), [
    ("group_v1", "kept", ""),
    ("group_filter", "kept", ""),
    ("group_other_key", "changed", "input types, output types, computed inputs"),
    ("group_same_type_other_key", "changed", "computed inputs"),
    ("group_more_aggs", "changed", "aggCallNeedRetractions, aggregates, input types, "
                                   "output types, computed inputs"),
    ("stateless", "dropped", ""),
])
def test_each_stateful_operator_is_kept_changed_or_dropped(new, verdict, why):
    [operator] = compat.report(plan("group_v1"), plan(new))
    assert (operator.kind, operator.verdict, operator.why) == ("group-aggregate", verdict, why)
    assert operator.old.startswith("#6 GroupAggregate(groupBy=[k]")
    assert operator.loses_state == (verdict != "kept")
    assert compat.losses([operator]) == ([operator] if verdict != "kept" else [])


def test_an_operator_only_the_new_plan_has_is_added_and_loses_nothing():
    [operator] = compat.report(plan("stateless"), plan("group_v1"))
    assert (operator.verdict, operator.old, operator.loses_state) == ("added", "", False)
    assert compat.report(plan("stateless"), plan("stateless")) == []


def test_the_report_as_text_and_as_escaped_html():
    operators = compat.report(plan("group_v1"), plan("group_other_key"))
    assert compat.as_text(operators).splitlines() == [
        "operator         old  new  state",
        "group-aggregate  #6   #20  changed (input types, output types, computed inputs)"]
    assert operators[0].named == \
        "group-aggregate #6 (changed: input types, output types, computed inputs)"
    sneaky = [compat.Operator("<b>x</b>", "#1 <i>", "", "dropped")]
    shown = compat.as_html(sneaky)
    assert "&lt;b&gt;x&lt;/b&gt;" in shown and "<b>" not in shown
    assert compat.as_text([]) == "No stateful operators in either plan: nothing to restore."


def test_the_new_plan_takes_the_old_plans_node_ids():
    old, new = plan("group_v1"), plan("group_filter")
    assert [n["id"] for n in new["nodes"]] == list(range(8, 15))
    moved = compat.aligned(old, new)
    assert [n["id"] for n in moved["nodes"]] == [n["id"] for n in old["nodes"]]
    assert [(e["source"], e["target"]) for e in moved["edges"]] == \
        [(e["source"], e["target"]) for e in old["edges"]]
    assert new["nodes"][0]["id"] == 8  # the original is left alone
    grown = compat.aligned(plan("stateless"), plan("group_v1"))  # 5 old nodes, 7 new
    assert sorted(n["id"] for n in grown["nodes"]) == [29, 30, 31, 32, 33, 34, 35]
    [aggregate] = [n for n in grown["nodes"] if n.get("state")]
    assert aggregate["id"] > 33


WINDOWED = ("INSERT INTO u_sink SELECT k, COUNT(*) FROM TABLE(TUMBLE(TABLE u_src, "
            "DESCRIPTOR(pt), INTERVAL '1' SECOND)) {where} GROUP BY {key}, window_start, "
            "window_end")


def _tasks_running(job) -> bool:
    vertices = httpx.get(f"{job.rest.url}/jobs/{job.job_id}", timeout=5).json()["vertices"]
    return all(v["status"] == "RUNNING" for v in vertices)


def _restored(job) -> str | None:
    latest = httpx.get(f"{job.rest.url}/jobs/{job.job_id}/checkpoints", timeout=5).json()
    return ((latest.get("latest") or {}).get("restored") or {}).get("external_path")


@pytest.mark.cluster
def test_upgrade_restores_the_savepoint_refuses_state_loss_and_rolls_back(shell, tmp_path,
                                                                           capsys):
    out = tmp_path / "out"
    shell.run_cell_magic("flink_sql", "", (
        "CREATE TEMPORARY TABLE u_src (k INT, n BIGINT, s STRING, pt AS PROCTIME()) WITH "
        "('connector'='datagen', 'rows-per-second'='20', 'fields.k.min'='1', "
        "'fields.k.max'='3', 'fields.s.length'='2');\n"
        f"CREATE TEMPORARY TABLE u_sink (k INT, c BIGINT) WITH ('connector'='filesystem', "
        f"'path'='{out}', 'format'='csv')"))
    jobs = []
    try:
        shell.run_cell_magic("flink_deploy", "counts -o v1 -D execution.checkpointing."
                             "interval=2s", WINDOWED.format(where="", key="k"))
        jobs.append(v1 := shell.user_ns["v1"])
        until(lambda: v1.status() == "RUNNING" and _tasks_running(v1), "v1's tasks running",
              seconds=120)

        capsys.readouterr()
        shell.run_cell_magic("flink_deploy", "counts --upgrade -o v2", WINDOWED.format(
            where="WHERE n IS NOT NULL", key="k"))  # another filter: the window state kept
        jobs.append(v2 := shell.user_ns["v2"])
        said = capsys.readouterr().out
        assert "window-aggregate" in said and "kept" in said, said
        version, savepoint = Records().newest_savepoint("counts")
        assert version == 1 and v2.status() == "RUNNING"
        until(lambda: _tasks_running(v2), "v2's tasks running", seconds=120)
        until(lambda: v1.cluster.status() == "stopped", "v1's cluster stopping", seconds=60)
        assert _restored(v2).removeprefix("file:") == savepoint.removeprefix("file:")
        assert httpx.get(f"{v2.rest.url}/jobs/{v2.job_id}", timeout=5).json()["name"] == \
            "counts v2"

        with pytest.raises(UsageError) as refused:  # another key: the window state is lost
            shell.run_cell_magic("flink_deploy", "counts --upgrade", WINDOWED.format(
                where="", key="CAST(n AS INT)").replace("SELECT k,", "SELECT CAST(n AS INT),"))
        assert str(refused.value).startswith("counts v3 would lose the state of "
                                             "window-aggregate #"), str(refused.value)
        assert "--allow-state-loss" in str(refused.value)
        assert v2.status() == "RUNNING"  # refused before anything stopped

        with pytest.raises(UsageError) as failed:  # allowed, but a STRING key cannot restore
            shell.run_cell_magic("flink_deploy", "counts --upgrade --allow-state-loss", (
                "CREATE TEMPORARY TABLE IF NOT EXISTS u_sink2 (s STRING, c BIGINT) WITH "
                "('connector'='blackhole');\n" + WINDOWED.format(where="", key="s").replace(
                    "u_sink SELECT k,", "u_sink2 SELECT s,")))
        said = str(failed.value)
        assert said.startswith("counts v4 did not start from the savepoint (") and \
            "; counts v2 runs again from it as job " in said, said
        again = Records().get("counts")
        assert (again.version, said.rsplit(" ", 1)[1].rstrip(".")) == (2, again.job_id)
        assert again.job_id != v2.job_id and again.cluster != v2.cluster.name

        with pytest.raises(UsageError,  # the names other tests deployed may be known too
                           match=r"No deployment named 'nope' \(known: [^)]*\bcounts\b"):
            shell.run_cell_magic("flink_deploy", "nope --upgrade", WINDOWED.format(
                where="", key="k"))

        capsys.readouterr()
        shell.run_line_magic("flink_deploy", "rollback counts -o back")
        jobs.append(back := shell.user_ns["back"])
        said = capsys.readouterr().out  # a detached view's redraw may share its lines
        assert "rolled counts back to v1: job " in said and back.job_id in said, said[-600:]
        current = Records().get("counts")
        assert (current.version, current.job_id) == (1, back.job_id)
        assert back.status() == "RUNNING"
        version, newest = Records().newest_savepoint("counts")
        assert version == 2 and newest != savepoint  # v2's restarted job's savepoint
        assert _restored(back).removeprefix("file:") == newest.removeprefix("file:")

        shell.run_line_magic("flink_deploy", "history counts")
        events = [x.split()[2] for x in capsys.readouterr().out.splitlines()[1:]]
        for event in ("deployed", "upgraded", "refused", "failed", "restored", "rolled"):
            assert event in events, events
        assert events.index("deployed") < events.index("upgraded") < events.index("refused") \
            < events.index("restored") < events.index("rolled")

        shell.run_line_magic("flink_deploy", "stop counts")
        assert Records().get("counts").state == "CANCELED"
        until(lambda: back.cluster.status() == "stopped", "its cluster stopping", seconds=60)
    finally:
        for job in jobs:
            if job.cluster is not None:
                job.cluster.stop()
        current = Records().get("counts")
        if current is not None and current.job_id and current.state not in (
                "FINISHED", "CANCELED", "FAILED"):  # v2 started again by the failed upgrade
            with contextlib.suppress(UsageError):
                shell.run_line_magic("flink_deploy", "stop counts")
        shell.run_cell_magic("flink_sql", "", "DROP TEMPORARY TABLE IF EXISTS u_sink; DROP "
                             "TEMPORARY TABLE IF EXISTS u_sink2; DROP TEMPORARY TABLE IF EXISTS "
                             "u_src")
