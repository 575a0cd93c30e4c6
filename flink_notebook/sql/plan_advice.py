"""The advice in ``EXPLAIN PLAN_ADVICE`` output (``advice[1]: [WARNING] ...`` lines), so it
can be shown as advice next to the statement rather than inside one long plan string."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_ADVICE = re.compile(r"^advice\[(\d+)\]: \[(\w+)\] (.*?)(?=^advice\[|^== |\Z)", re.M | re.S)


@dataclass(frozen=True)
class Advice:
    number: int
    level: str  # WARNING or ADVICE, as Flink labels it
    text: str


def plan_advice(plan: str) -> list[Advice]:
    return [Advice(int(n), level, " ".join(text.split()))
            for n, level, text in _ADVICE.findall(plan)]


def advice_bundle(advice: list[Advice]) -> dict[str, str]:
    """text/plain and text/html of the advice; warnings stand out."""
    plain = "Plan advice:\n" + "\n".join(f"  [{a.number}] {a.level}: {a.text}" for a in advice)
    items = "".join(
        f"<li style='color:{'#b45309;font-weight:bold' if a.level == 'WARNING' else 'inherit'}'>"
        f"[{a.number}] {html.escape(a.level)}: {html.escape(a.text)}</li>" for a in advice)
    return {"text/plain": plain,
            "text/html": f"<div class='flink-advice'><b>Plan advice</b><ul>{items}</ul></div>"}
