"""``{name}`` in a ``%%flink_sql`` cell: the user's Python variables, substituted in place."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from IPython.core.error import UsageError

_VARIABLE = re.compile(r"\{\{|\}\}|\{([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\}")


def substitute(cell: str, namespace: Mapping[str, Any]) -> str:
    """The cell with ``{name}`` / ``{name.attr}`` replaced by ``str()`` of the
    user's variables, in strings and comments too (``'{path}'`` works).

    ``{{`` is a literal ``{``, and ``}}`` closing it a literal ``}``; any other
    brace stays as written, so JSON in a string (``'{"a": {"b": 1}}'``) is
    kept. Values must fit on one line: every line of the cell stays where it
    is, so errors point at the line the user wrote (columns after a value on
    the same line move by the value's length).
    """
    open_escapes = 0  # '{{' seen and not yet closed by '}}'

    def replace(match: re.Match) -> str:
        nonlocal open_escapes
        token = match.group(0)
        if token == "{{":
            open_escapes += 1
            return "{"
        if token == "}}":
            if not open_escapes:
                return token
            open_escapes -= 1
            return "}"
        return _value(match.group(1), namespace)

    return _VARIABLE.sub(replace, cell)


def _value(dotted: str, namespace: Mapping[str, Any]) -> str:
    name, *attributes = dotted.split(".")
    if name not in namespace:
        raise UsageError(
            f"Unknown variable {{{dotted}}} in the cell (escape literal braces as {{{{ }}}})"
        )
    value = namespace[name]
    for attribute in attributes:
        if not hasattr(value, attribute):
            raise UsageError(
                f"Variable {{{dotted}}} in the cell: {type(value).__name__} "
                f"has no attribute {attribute!r}"
            )
        value = getattr(value, attribute)
    text = str(value)
    if "\n" in text or "\r" in text:  # the line breaks Flink counts
        raise UsageError(
            f"Variable {{{dotted}}} holds several lines; substituted values must fit on one "
            "line so errors point at the cell's own lines."
        )
    return text
