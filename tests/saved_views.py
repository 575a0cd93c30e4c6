"""What a saved notebook's job views say: each ended view agrees with itself (issue 32): a
notebook run headless keeps each view's final state (``flink-notebook run`` tells its
kernel to wait for the job's end from REST), so no part of it still runs or winds down."""

from __future__ import annotations

import re
from typing import Any

#: A job view's text/plain starts "STATE · name · 1.8 s" (flink_notebook.display).
_ENDED = re.compile(r"^(FINISHED|CANCELED|FAILED) · ")
#: What a vertex says while it runs or winds down (display/view.py ENDING).
_NOT_ENDED = re.compile(r"\b(RUNNING|FINISHING|CANCELING|FAILING|INITIALIZING|DEPLOYING)\b")


def ended_views_that_disagree(notebook: Any) -> list[str]:
    """The first lines of ended job views in ``notebook``'s outputs that still say RUNNING
    (or FINISHING...) anywhere (their HTML: graph boxes, operator table; their text)."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            plain = str(data.get("text/plain", ""))
            if _ENDED.match(plain) and any(_NOT_ENDED.search(str(v)) for v in data.values()):
                found.append(plain.splitlines()[0])
    return found


def ended_views(notebook: Any) -> int:
    """How many ended job views ``notebook``'s outputs hold."""
    return sum(1 for cell in notebook.cells for output in cell.get("outputs", [])
               if _ENDED.match(str(output.get("data", {}).get("text/plain", ""))))
