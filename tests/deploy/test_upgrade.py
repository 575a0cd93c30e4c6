"""The state-compatibility report of an upgrade, on plans PyFlink 2.3 compiled (stored in
tests/deploy/plans/): a changed filter keeps the group aggregate's state, another GROUP BY
key or more aggregates change it, a plan without it drops it; the new plan's nodes take the
old plan's ids, so the job's operator uids match the savepoint's. The same key type
computed from another column changes the state too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flink_notebook.deploy import compat

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
