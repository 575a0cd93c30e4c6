"""Reading a ``%%flink_sql`` cell: statements, their kinds, ``SET``, ``{var}`` substitution.

Splitting knows Flink SQL's lexical rules that matter for ``;``: string
literals (``'it''s'``), quoted identifiers (`` `a;b` ``), ``--`` and ``/* */``
comments, and statement-set blocks whose inner ``;`` belong to the block.
Each statement keeps its line and column in the cell, so errors point there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from IPython.core.error import UsageError


class StatementKind(str, Enum):
    DDL = "ddl"
    SET = "set"
    RESET = "reset"
    SHOW = "show"
    DESCRIBE = "describe"
    EXPLAIN = "explain"
    QUERY = "query"
    INSERT = "insert"
    STATEMENT_SET = "statement-set"
    OTHER = "other"


_FIRST_WORDS = {
    "create": StatementKind.DDL, "drop": StatementKind.DDL, "alter": StatementKind.DDL,
    "use": StatementKind.DDL, "load": StatementKind.DDL, "unload": StatementKind.DDL,
    "add": StatementKind.DDL, "remove": StatementKind.DDL, "analyze": StatementKind.DDL,
    "truncate": StatementKind.DDL,
    "set": StatementKind.SET, "reset": StatementKind.RESET, "show": StatementKind.SHOW,
    "describe": StatementKind.DESCRIBE, "desc": StatementKind.DESCRIBE,
    "explain": StatementKind.EXPLAIN,
    "select": StatementKind.QUERY, "with": StatementKind.QUERY, "values": StatementKind.QUERY,
    "(": StatementKind.QUERY,
    "insert": StatementKind.INSERT,
}


@dataclass(frozen=True)
class Statement:
    """One statement of a cell; ``line``/``column`` (1-based) locate its first token."""

    text: str
    line: int
    column: int
    kind: StatementKind


def _tokens(text: str):
    """Yield (position, kind, token) for words, ';', and skip strings/comments.
    kind is 'word', 'semi', 'code' (a significant non-word character) or 'literal'."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c in "'`\"":
            j = i + 1
            while j < n:
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:  # doubled quote escapes itself
                        j += 2
                        continue
                    break
                j += 1
            yield i, "literal", text[i:j + 1]
            i = j + 1
        elif c == ";":
            yield i, "semi", c
            i += 1
        elif c.isalnum() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            yield i, "word", text[i:j]
            i = j
        else:
            yield i, "code", c
            i += 1


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def classify(text: str) -> StatementKind:
    words = [t.lower() for _, kind, t in _tokens(text) if kind in ("word", "code")][:3]
    if not words:
        return StatementKind.OTHER
    if words[:2] == ["execute", "statement"] or words[:2] == ["begin", "statement"]:
        return StatementKind.STATEMENT_SET
    if words[0] == "execute" and len(words) > 1:
        return _FIRST_WORDS.get(words[1], StatementKind.OTHER)
    return _FIRST_WORDS.get(words[0], StatementKind.OTHER)


def split_statements(cell: str) -> list[Statement]:
    """The cell's statements in order; blank and comment-only pieces are dropped.

    The SQL client's ``BEGIN STATEMENT SET; ...; END;`` becomes the
    ``EXECUTE STATEMENT SET BEGIN ... END`` form that ``execute_sql`` accepts.
    """
    statements: list[Statement] = []
    start: int | None = None  # offset of the current statement's first token
    words: list[str] = []  # first words of the current statement (lower case)
    in_block = False
    for offset, kind, token in _tokens(cell):
        if kind == "semi":
            if start is None:
                continue
            if words[:3] == ["begin", "statement", "set"] and len(words) == 3:
                in_block = True  # BEGIN STATEMENT SET; opens the block here
                continue
            if in_block and words[-1:] != ["end"]:
                continue
            statements.append(_statement(cell, start, offset))
            start, words, in_block = None, [], False
            continue
        if start is None:
            start = offset
        if kind == "word":
            words.append(token.lower())
            if words[:4] == ["execute", "statement", "set", "begin"] and len(words) == 4:
                in_block = True
        else:
            words.append(token)
    if start is not None:
        statements.append(_statement(cell, start, len(cell)))
    return statements


def _statement(cell: str, start: int, end: int) -> Statement:
    text = cell[start:end].rstrip()
    line, column = _position(cell, start)
    kind = classify(text)
    if kind is StatementKind.STATEMENT_SET and text.lower().startswith("begin"):
        body = re.sub(r"(?is)^begin\s+statement\s+set\s*;", "", text)
        body = re.sub(r"(?is);?\s*end\s*$", "", body.strip())
        text = f"EXECUTE STATEMENT SET BEGIN\n{body.strip()};\nEND"
    return Statement(text, line, column, kind)


_SET = re.compile(
    r"""(?is)^\s*set\s+(?:'(?P<qk>[^']*)'|(?P<k>[\w.\-]+))\s*=\s*(?:'(?P<qv>(?:[^']|'')*)'|(?P<v>.*?))\s*$"""
)
_RESET = re.compile(r"""(?is)^\s*reset\s+(?:'(?P<qk>[^']*)'|(?P<k>[\w.\-]+))\s*$""")


def parse_set(statement: Statement) -> tuple[str, str] | None:
    """``SET 'key' = 'value'`` as (key, value); None for a bare ``SET``."""
    if re.fullmatch(r"(?is)\s*set\s*", statement.text):
        return None
    match = _SET.match(statement.text)
    if not match:
        raise UsageError(f"Cannot read {statement.text!r}; write SET 'key' = 'value'.")
    key = match.group("qk") if match.group("qk") is not None else match.group("k")
    quoted = match.group("qv")
    value = quoted.replace("''", "'") if quoted is not None else match.group("v")
    return key, value


def parse_reset(statement: Statement) -> str | None:
    """``RESET 'key'`` as the key; None for a bare ``RESET`` (all notebook values)."""
    if re.fullmatch(r"(?is)\s*reset\s*", statement.text):
        return None
    match = _RESET.match(statement.text)
    if not match:
        raise UsageError(f"Cannot read {statement.text!r}; write RESET 'key'.")
    return match.group("qk") if match.group("qk") is not None else match.group("k")


_VARIABLE = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}")


def substitute(cell: str, namespace: Mapping[str, Any]) -> str:
    """Replace ``{name}`` / ``{name.attr}`` with values from the user's namespace.

    ``{{`` and ``}}`` stand for literal braces; other braces (JSON in a string)
    stay as they are. Lines never move, so error positions stay right.
    """

    def replace(match: re.Match) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name, *attrs = match.group(1).split(".")
        if name not in namespace:
            raise UsageError(
                f"Unknown variable {{{match.group(1)}}} in the cell "
                "(write {{ and }} for literal braces)."
            )
        value = namespace[name]
        for attr in attrs:
            value = getattr(value, attr)
        return str(value)

    return _VARIABLE.sub(replace, cell)
