"""Reading a ``%%flink_sql`` cell: its statements, their kinds, ``SET`` and ``RESET``.

Splitting knows the lexical rules of Flink SQL that matter for ``;``: string
literals (``'it''s'``), quoted identifiers (`` `a;b` ``), ``--`` and ``/* */``
comments, and statement sets, whose inner ``;`` belong to the set. Each
statement remembers where it starts in the cell, so errors point there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

from IPython.core.error import UsageError

from flink_notebook.core.errors import MAX_MESSAGE_LINE, shorten
from flink_notebook.core.secrets import mask_text, secret_values


class StatementKind(str, Enum):
    """What a statement does, which decides how the cell runs it."""

    DDL = "ddl"
    SET = "set"
    RESET = "reset"
    SHOW = "show"
    DESCRIBE = "describe"
    EXPLAIN = "explain"
    QUERY = "query"
    INSERT = "insert"
    STATEMENT_SET = "statement-set"
    BEGIN_SET = "begin-set"  # the SQL client's BEGIN STATEMENT SET; whose END; is elsewhere
    END_SET = "end-set"
    ANALYZE = "analyze"  # ANALYZE TABLE: a job Flink runs and waits for itself
    OTHER = "other"


_DDL = ("create", "drop", "alter", "use", "load", "unload", "add", "remove", "analyze", "truncate")
_FIRST_WORD = {
    **dict.fromkeys(_DDL, StatementKind.DDL),
    "set": StatementKind.SET,
    "reset": StatementKind.RESET,
    "show": StatementKind.SHOW,
    "describe": StatementKind.DESCRIBE,
    "desc": StatementKind.DESCRIBE,
    "explain": StatementKind.EXPLAIN,
    "select": StatementKind.QUERY,
    "with": StatementKind.QUERY,
    "values": StatementKind.QUERY,
    "(": StatementKind.QUERY,
    "insert": StatementKind.INSERT,
}
# Statements that always submit a job writing to tables, like INSERT does.
_JOB_PREFIXES = {
    ("execute", "insert"): StatementKind.INSERT,
    ("execute", "plan"): StatementKind.INSERT,
    ("compile", "and"): StatementKind.INSERT,  # COMPILE AND EXECUTE PLAN ... FOR INSERT
    ("execute", "statement"): StatementKind.STATEMENT_SET,
    ("begin", "statement"): StatementKind.STATEMENT_SET,
}
_EXECUTE_SET = "EXECUTE STATEMENT SET BEGIN"


@dataclass(frozen=True)
class Statement:
    """One statement of a cell, as Flink gets it.

    ``text`` has no trailing ``;`` and no surrounding blanks or leading
    comments; ``line`` and ``column`` (1-based) are where it starts in the cell.
    """

    text: str
    line: int
    column: int
    kind: StatementKind
    # (text line, text column, cell column delta) when the text was rewritten on
    # one line (the SQL client's BEGIN STATEMENT SET): positions on that line from
    # that column on sit `delta` columns further right in the cell.
    shift: tuple[int, int, int] | None = None
    #: (start, end) offsets of the statement in the cell.
    span: tuple[int, int] = field(default=(0, 0), compare=False, repr=False)

    @cached_property
    def masked(self) -> str:
        """``text`` with its secret values masked (same lines), for anything shown."""
        return mask_text(self.text)

    @cached_property
    def secrets(self) -> frozenset[str]:
        """The secret values in ``text``, to scrub from messages that quote them."""
        return secret_values(self.text)

    @property
    def first_line(self) -> str:
        """The statement's first line, secrets masked, cut to a length a message can quote
        (a statement may be one line of megabytes): masked first, so no cut splits a secret
        from its key."""
        return shorten(self.masked.split("\n", 1)[0].rstrip(), MAX_MESSAGE_LINE)

    @property
    def job_name(self) -> str:
        """A job's default name: the statement on one line, at most 60 characters, secrets
        masked (it reaches the cluster's web UI as ``pipeline.name``)."""
        return job_name(self.text)

    def cell_position(self, line: int, column: int) -> tuple[int, int]:
        """The cell's (line, column) of a position Flink reports in ``text``.

        Flink counts columns in UTF-16 code units (a character outside the
        Basic Multilingual Plane, such as an emoji, counts twice); the cell's
        column counts characters.
        """
        lines = self.text.split("\n")
        if 0 < line <= len(lines):
            column = _characters(lines[line - 1], column)
        if self.shift and line == self.shift[0] and column >= self.shift[1]:
            return self.line + line - 1, column + self.shift[2]
        return self.line + line - 1, column + (self.column - 1 if line == 1 else 0)


def job_name(text: str) -> str:
    """A job's default name from the SQL that submits it: on one line, at most 60
    characters, secrets masked."""
    # Only the start is shown: masked alone (a value cut short is masked as one left open),
    # a long statement's name costs no more than a short one's.
    first = " ".join(mask_text(" ".join(text[:4096].split())[:200]).split())
    return first if len(first) <= 60 else first[:57] + "..."


def _characters(line: str, utf16_column: int) -> int:
    """The character column of a UTF-16 column on ``line``."""
    units = 0
    for index, char in enumerate(line):
        if units >= utf16_column - 1:
            return index + 1
        units += 2 if ord(char) > 0xFFFF else 1
    return len(line) + 1 + (utf16_column - 1 - units)  # past the end of the line


def _tokens(text: str) -> Iterator[tuple[int, str]]:
    """(offset, token) for each significant token: a word, a quoted literal or
    identifier, ``;``, or another single character. Comments and blanks are
    skipped."""
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif char in "'`\"":
            j = i + 1
            while j < n:
                if text[j] == char:
                    if text.startswith(char, j + 1):  # a doubled quote stands for itself
                        j += 2
                        continue
                    break
                j += 1
            yield i, text[i : j + 1]
            i = j + 1
        elif char.isalnum() or char == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            yield i, text[i:j]
            i = j
        else:
            yield i, char
            i += 1


def tokens(text: str) -> list[str]:
    """The significant tokens of ``text``, comments and blanks skipped."""
    return [token for _, token in _tokens(text)]


def tokens_at(text: str) -> list[tuple[int, str]]:
    """(offset, token) of each significant token of ``text``; a quoted literal left open at
    the end runs to the end."""
    return list(_tokens(text))


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def classify(text: str) -> StatementKind:
    """The kind of a statement, judged by its first words (comments skipped)."""
    words = [token.lower() for token in tokens(text)[:4]]
    if not words:
        return StatementKind.OTHER
    if words == ["begin", "statement", "set"]:
        return StatementKind.BEGIN_SET
    if words == ["end"]:
        return StatementKind.END_SET
    return _JOB_PREFIXES.get(tuple(words[:2])) or _FIRST_WORD.get(words[0], StatementKind.OTHER)


def is_empty_set(statement: Statement) -> bool:
    """True for a statement set with no statement in it (``BEGIN STATEMENT SET; END;``)."""
    words = [token.lower() for token in tokens(statement.text)[:6]]
    return statement.kind is StatementKind.STATEMENT_SET and words[4:] == ["end"]


def split_statements(cell: str) -> list[Statement]:
    """The cell's statements in order; blank and comment-only pieces are dropped.

    ``EXECUTE STATEMENT SET BEGIN ...; END`` is one statement, and so is the SQL client's
    ``BEGIN STATEMENT SET; ...; END;`` when both ends are in the cell: it is rewritten to
    the former, the only form ``execute_sql`` accepts. An opening or an ``END;`` on its own
    (a set spanning cells) is a statement of its own, BEGIN_SET or END_SET.
    """
    statements: list[Statement] = []
    start: int | None = None  # offset of the current statement's first token
    words: list[str] = []  # first tokens of the current statement
    piece: list[str] = []  # tokens since the last ';' inside EXECUTE STATEMENT SET
    in_set = False
    for offset, token in _tokens(cell):
        token = token.lower()
        if token != ";":
            if start is None:
                start = offset
            if len(words) < 4:
                words.append(token)
                in_set = in_set or words == ["execute", "statement", "set", "begin"]
            piece.append(token)
            continue
        if start is None:
            continue  # an empty statement
        if in_set and piece != ["end"]:
            piece = []
            continue
        statements.append(_statement(cell, start, offset))
        start, words, piece, in_set = None, [], [], False
    if start is not None:
        if in_set and piece != ["end"]:
            line, _ = _position(cell, start)
            raise UsageError(f"The statement set at line {line} has no END; close it with END;")
        statements.append(_statement(cell, start, len(cell)))
    return _sql_client_sets(cell, statements)


def _sql_client_sets(cell: str, statements: list[Statement]) -> list[Statement]:
    """Each ``BEGIN STATEMENT SET;`` whose ``END;`` follows in the cell, with what is
    between, as one statement set."""
    merged: list[Statement] = []
    i = 0
    while i < len(statements):
        opening = statements[i]
        if opening.kind is StatementKind.BEGIN_SET:
            closing = next((j for j in range(i + 1, len(statements)) if statements[j].kind in
                            (StatementKind.BEGIN_SET, StatementKind.END_SET)), None)
            if closing is not None and statements[closing].kind is StatementKind.END_SET:
                merged.append(_statement(cell, opening.span[0], statements[closing].span[1]))
                i = closing + 1
                continue
        merged.append(opening)
        i += 1
    return merged


def _statement(cell: str, start: int, end: int) -> Statement:
    text = cell[start:end].rstrip()
    line, column = _position(cell, start)
    kind = classify(text)
    if kind is StatementKind.STATEMENT_SET and text[:5].lower() == "begin":
        return _execute_statement_set(text, line, column, (start, end))
    return Statement(text, line, column, kind, span=(start, end))


def _execute_statement_set(text: str, line: int, column: int,
                           span: tuple[int, int]) -> Statement:
    """``BEGIN STATEMENT SET; ... END`` as ``EXECUTE STATEMENT SET BEGIN ... END``.

    The opening is replaced in place, keeping its line breaks, so every line of
    the set stays where it is in the cell; only the rest of the opening's last
    line moves, which ``shift`` records.
    """
    opening = next(offset for offset, token in _tokens(text) if token == ";") + 1
    breaks = text.count("\n", 0, opening)
    rewritten = _EXECUTE_SET + "\n" * breaks + text[opening:]
    text_line, text_column = _position(rewritten, len(_EXECUTE_SET) + breaks)
    cell_column = _position(text, opening)[1] + (column - 1 if breaks == 0 else 0)
    shift = (text_line, text_column, cell_column - text_column)
    return Statement(rewritten, line, column, StatementKind.STATEMENT_SET, shift, span)


def _code(text: str) -> str:
    """``text`` up to its last token, so a trailing ``-- note`` is not read as a value."""
    end = max((offset + len(token) for offset, token in _tokens(text)), default=0)
    return text[:end]


_KEY = r"""(?:'(?P<quoted_key>(?:[^']|'')*)'|(?P<key>[^\s=']+))"""
_SET = re.compile(
    rf"""(?is)set\s+{_KEY}\s*=\s*(?:'(?P<quoted>(?:[^']|'')*)'|(?P<value>[^'\s].*))"""
)
_RESET = re.compile(rf"""(?is)reset\s+{_KEY}""")


def _unquote(match: re.Match, quoted: str, plain: str) -> str:
    value = match.group(quoted)
    return value.replace("''", "'") if value is not None else match.group(plain).strip()


def parse_set(statement: Statement) -> tuple[str, str] | None:
    """``SET 'key' = 'value'`` or ``SET key = value`` as (key, value);
    None for a bare ``SET``, which lists the configuration."""
    code = _code(statement.text)
    if code.lower() == "set":
        return None
    match = _SET.fullmatch(code)
    if not match:
        raise UsageError(f"Cannot read {statement.first_line!r}: write SET 'key' = 'value'.")
    return _unquote(match, "quoted_key", "key"), _unquote(match, "quoted", "value")


def parse_reset(statement: Statement) -> str | None:
    """``RESET 'key'`` or ``RESET key`` as the key; None for a bare ``RESET``
    (every value the notebook set)."""
    code = _code(statement.text)
    if code.lower() == "reset":
        return None
    match = _RESET.fullmatch(code)
    if not match:
        raise UsageError(f"Cannot read {statement.first_line!r}: write RESET 'key'.")
    return _unquote(match, "quoted_key", "key")


def parse_remove_jar(statement: Statement) -> str | None:
    """The path of ``REMOVE JAR '<path>'``; None for any other statement."""
    words = tokens(statement.text)
    if [word.lower() for word in words[:2]] != ["remove", "jar"]:
        return None
    if len(words) != 3 or not words[2].startswith("'") or len(words[2]) < 2:
        raise UsageError(f"Cannot read {statement.first_line!r}: write REMOVE JAR '<path>'.")
    return words[2][1:-1].replace("''", "'")


def uses_jar(statement: Statement) -> bool:
    """True for ``CREATE ... FUNCTION ... USING JAR ...``."""
    words = [word.lower() for word in tokens(statement.text)]
    return (words[:1] == ["create"] and "function" in words
            and any(words[i:i + 2] == ["using", "jar"] for i in range(len(words))))
