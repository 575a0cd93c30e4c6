"""Whether a new compiled plan can restore the state of an old one: the state-compatibility
report of an upgrade, and the new plan with its nodes numbered as the old one's.

Flink 2.3's compiled plans (``plan.json``) hold no operator uid: a node has an ``id`` and a
``type`` (``stream-exec-group-aggregate_1``), and most stateful nodes a ``state`` array
(``index``, ``ttl``, ``name``); window operators have none, so :data:`STATEFUL_KINDS`
names the stateful kinds too. The job's operator uids are made from the node ids
(``<id>_<transformation>``), so the nodes are matched by type and by position among the
nodes of that type, and the new plan's matched nodes take the old ids
(:func:`aligned`): then the savepoint's state maps onto them.

A stateful operator is ``kept`` when its state's shape is the same in both plans (the state
entries, the grouping or join keys and their types, the aggregate calls, the window...),
``changed`` when it is not, ``dropped`` when the new plan has no such node, ``added`` when
only the new plan has it (it starts empty). Changed and dropped lose state.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

#: The parts of a node that do not shape its state.
_NOT_STATE = frozenset({"id", "description", "inputProperties", "configuration"})
KEPT, CHANGED, DROPPED, ADDED = "kept", "changed", "dropped", "added"
#: Stateful node kinds whose plan JSON has no ``state`` array (window operators' state is
#: not declared in Flink 2.3's plans, e.g. ``stream-exec-window-aggregate_1``).
STATEFUL_KINDS = frozenset({
    "window-aggregate", "local-window-aggregate", "global-window-aggregate",
    "group-window-aggregate", "python-group-window-aggregate", "window-join", "window-rank",
    "window-deduplicate", "window-table-function", "over-aggregate", "python-over-aggregate",
    "interval-join", "temporal-join", "temporal-sort", "match", "changelog-normalize",
    "deduplicate", "rank", "sort-limit", "limit", "join", "group-aggregate",
    "global-group-aggregate", "incremental-group-aggregate", "group-table-aggregate",
    "python-group-aggregate", "python-group-table-aggregate", "multi-join",
})
LOSES = (CHANGED, DROPPED)


@dataclass(frozen=True)
class Operator:
    """One stateful operator's fate in an upgrade."""

    kind: str  #: ``group-aggregate``
    old: str  #: ``#6 GroupAggregate(groupBy=[k], ...)``, "" when added
    new: str  #: likewise, "" when dropped
    verdict: str  #: kept, changed, dropped, added
    why: str = ""

    @property
    def loses_state(self) -> bool:
        return self.verdict in LOSES

    @property
    def named(self) -> str:
        """How a refusal names it: ``group-aggregate #6 (changed: grouping key types)``."""
        where = (self.old or self.new).split(" ", 1)[0]
        return f"{self.kind} {where} ({self.verdict}{': ' + self.why if self.why else ''})"


def kind_of(node: dict[str, Any]) -> str:
    """``stream-exec-group-aggregate_1`` -> ``group-aggregate``."""
    return re.sub(r"_\d+$", "", re.sub(r"^(stream|batch)-exec-", "", node.get("type", "?")))


def _stateful(node: dict[str, Any] | None) -> bool:
    return node is not None and bool(node.get("state") or kind_of(node) in STATEFUL_KINDS)


def _by_type(plan: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for node in plan.get("nodes", []):
        found.setdefault(node.get("type", "?"), []).append(node)
    return found


def _types(row_type: Any) -> list[str]:
    """A row type's field types without their names: ``ROW<`k` INT, `c` BIGINT>`` ->
    ``['INT', 'BIGINT']``."""
    if isinstance(row_type, dict):  # the structured form
        return [json.dumps(f.get("fieldType"), sort_keys=True) for f in row_type.get("fields", [])]
    text = str(row_type)
    inner = text[text.find("<") + 1:text.rfind(">")] if "<" in text else text
    fields, depth, start = [], 0, 0
    for i, c in enumerate(inner + ","):
        depth += c in "<(" and 1 or (-1 if c in ">)" else 0)
        if c == "," and depth == 0:
            fields.append(inner[start:i].strip())
            start = i + 1
    return [re.sub(r"^`(?:[^`]|``)*`\s*", "", f) for f in fields if f]


def _shape(plan: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """What shapes the node's state: its own fields but names, and its inputs' types."""
    nodes = {n.get("id"): n for n in plan.get("nodes", [])}

    def inputs(of: dict[str, Any]) -> list[dict[str, Any]]:
        return [nodes.get(e.get("source"), {}) for e in plan.get("edges", [])
                if e.get("target") == of.get("id")]

    shape = {k: v for k, v in node.items() if k not in _NOT_STATE}
    shape["outputType"] = _types(node.get("outputType"))
    shape["inputs"] = [_types(n.get("outputType")) for n in inputs(node)]
    # what the keys and values are computed from: the projections feeding the node (through
    # exchanges), but not their filters (a changed filter keeps the state)
    feeding, projections = inputs(node), []
    while feeding:
        upstream = feeding.pop(0)
        if kind_of(upstream) == "exchange":
            feeding += inputs(upstream)
        elif "projection" in upstream:
            projections.append(upstream["projection"])
    shape["projections"] = projections
    if isinstance(shape.get("aggCalls"), list):  # a call's name is its column's
        shape["aggCalls"] = [{k: v for k, v in c.items() if k != "name"}
                             for c in shape["aggCalls"]]
    return shape


def _why(old: dict[str, Any], new: dict[str, Any]) -> str:
    differ = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    names = {"inputs": "input types", "outputType": "output types", "grouping": "grouping keys",
             "aggCalls": "aggregates", "state": "state entries",
             "projections": "computed inputs"}
    return ", ".join(names.get(k, k) for k in differ)


def _label(node: dict[str, Any]) -> str:
    return f"#{node.get('id')} {node.get('description', '')}".strip()


def report(old: dict[str, Any], new: dict[str, Any]) -> list[Operator]:
    """Each stateful operator of either plan: kept, changed, dropped or added."""
    olds, news = _by_type(old), _by_type(new)
    found = []
    for kind in dict.fromkeys([*olds, *news]):
        before, after = olds.get(kind, []), news.get(kind, [])
        for i in range(max(len(before), len(after))):
            a = before[i] if i < len(before) else None
            b = after[i] if i < len(after) else None
            if not (_stateful(a) or _stateful(b)):
                continue
            name = kind_of(a or b or {})
            if b is None:
                found.append(Operator(name, _label(a), "", DROPPED))
            elif a is None:
                found.append(Operator(name, "", _label(b), ADDED))
            else:
                sa, sb = _shape(old, a), _shape(new, b)
                verdict = KEPT if sa == sb else CHANGED
                found.append(Operator(name, _label(a), _label(b), verdict,
                                      "" if verdict == KEPT else _why(sa, sb)))
    return found


def losses(operators: list[Operator]) -> list[Operator]:
    """The operators whose state the upgrade would lose."""
    return [o for o in operators if o.loses_state]


def aligned(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` with each node numbered as the old node it matches (same type, same place
    among that type's nodes), the others after the old plan's numbers: the job's operator
    uids then match the savepoint's."""
    ids: dict[Any, int] = {}
    olds = _by_type(old)
    top = max([n.get("id", 0) for n in old.get("nodes", [])] + [0])
    for kind, nodes in _by_type(new).items():
        for i, node in enumerate(nodes):
            if i < len(olds.get(kind, [])):
                ids[node["id"]] = olds[kind][i]["id"]
    for node in new.get("nodes", []):
        if node["id"] not in ids:
            top += 1
            ids[node["id"]] = top
    plan = json.loads(json.dumps(new))
    for node in plan.get("nodes", []):
        node["id"] = ids[node["id"]]
    for edge in plan.get("edges", []):
        edge["source"], edge["target"] = ids[edge["source"]], ids[edge["target"]]
    return plan


COLUMNS = ("operator", "old", "new", "state")


def _cells(operators: list[Operator]) -> list[tuple[str, str, str, str]]:
    return [(o.kind, o.old.split(" ", 1)[0] or "-", o.new.split(" ", 1)[0] or "-",
             o.verdict + (f" ({o.why})" if o.why else "")) for o in operators]


def as_text(operators: list[Operator]) -> str:
    """The report as a text table (terminals)."""
    if not operators:
        return "No stateful operators in either plan: nothing to restore."
    rows = [COLUMNS, *_cells(operators)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def as_html(operators: list[Operator]) -> str:
    """The report as an HTML table, every value escaped."""
    if not operators:
        return f"<p>{html.escape(as_text(operators))}</p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                   for row in _cells(operators))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
