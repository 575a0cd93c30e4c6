"""A single-value card (``--mode single --template``): one row of a query's result put into
the user's HTML template, ``{column}`` or ``{column:format}`` per value. Each value is
formatted first and HTML-escaped after; the template itself is the user's HTML."""

from __future__ import annotations

import html
import re
import string
from typing import Any

from IPython.core.error import UsageError

_TAGS = re.compile(r"<[^>]*>")


def default_template(columns: list[str]) -> str:
    return " · ".join(f"{html.escape(c)} <b>{{{c}}}</b>" for c in columns)


def check_template(template: str, columns: list[str]) -> None:
    """Raise a UsageError naming a ``{field}`` that is not one of the query's columns."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError as exc:
        raise UsageError(f"--template: {exc} (write {{{{ and }}}} for literal braces).") from None
    for name in fields:
        if name not in columns:
            raise UsageError(f"--template names {{{name}}}, and the query has no column "
                             f"{name!r}; its columns are {', '.join(columns)}.")


class _Escaped(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if value is None or (not isinstance(value, str) and _is_missing(value)):
            return ""
        try:
            text = super().format_field(value, format_spec)
        except (ValueError, TypeError) as exc:
            raise UsageError(f"--template: {value!r} does not take the format "
                             f"{format_spec!r} ({exc}).") from None
        return html.escape(text)


def _is_missing(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def card_html(template: str, row: dict[str, Any]) -> str:
    """The card for ``row``: the template with escaped values."""
    return f"<div class='flink-card'>{_Escaped().vformat(template, (), row)}</div>"


def card_text(template: str, row: dict[str, Any]) -> str:
    """The card as one line of text (the template's tags dropped)."""
    return html.unescape(_TAGS.sub(" ", _Escaped().vformat(template, (), row))).strip()
