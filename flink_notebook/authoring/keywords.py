"""Flink SQL's keywords, as completion offers them (Flink's parser adds the ones that fit
where the cursor is: authoring/completion.py), and names written as Flink SQL reads them.

:data:`KEYWORDS` is the one list of Flink SQL's words (kept in sql/keywords.py, below, where
SQL errors use it too): the JupyterLab extension's highlighting (labextension/src/dialect.ts)
is checked against it by tests/authoring/test_keywords.py."""

from __future__ import annotations

import re

from flink_notebook.sql.keywords import KEYWORDS, RESERVED

__all__ = ["KEYWORDS", "RESERVED", "quote_identifier"]

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def quote_identifier(name: str) -> str:
    """``name`` as Flink SQL reads it: as it is when plain, else in backticks."""
    if _PLAIN_NAME.match(name) and name.upper() not in RESERVED:
        return name
    return "`" + name.replace("`", "``") + "`"
