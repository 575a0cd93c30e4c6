"""Where the cursor is in a cell's SQL, read from its tokens (no parser: the statement being
written rarely parses): what is being typed, what it is qualified by, which tables are in
scope and under which aliases, and whether it is a connector's name or option key in a
``WITH (...)`` clause."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flink_notebook.authoring.keywords import RESERVED
from flink_notebook.sql.statements import tokens_at

#: After these the cursor names a table or view.
_RELATION_AFTER = {"FROM", "JOIN", "INTO", "TABLE", "UPDATE", "DESCRIBE", "DESC"}
#: After these (before the relation keyword) a new name is being made: nothing to offer.
_NEW_NAME_BEFORE = {"CREATE", "TEMPORARY", "EXISTS"}
#: The clause keywords that end a FROM list.
_CLAUSES = {"SELECT", "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "WINDOW", "UNION",
            "INTERSECT", "EXCEPT", "ON", "SET", "VALUES", "WITH", "QUALIFY", "MATCH_RECOGNIZE"}
#: Windowing table-valued functions: their rows carry the window's columns too.
_WINDOW_FUNCTIONS = {"TUMBLE", "HOP", "CUMULATE", "SESSION"}
_WORD = re.compile(r"[A-Za-z0-9_$]*\Z")
#: The cell magics whose body is Flink SQL.
_MAGIC = re.compile(r"\s*%%flink_(?:sql|deploy)\b")
#: SQL passed as a string to these in a %%flink cell.
_SQL_CALL = re.compile(
    r"\b(?:execute_sql|sql_query|add_insert_sql|explain_sql)\(\s*[rRuU]?"
    r"(?P<quote>\"\"\"|'''|\"|')")


@dataclass(frozen=True)
class Relation:
    """A table in the statement's scope: its name as written, unquoted, and its alias."""

    name: tuple[str, ...]
    alias: str | None = None
    window: bool = False  # read through a windowing TVF: window_start, window_end, ...


@dataclass(frozen=True)
class SqlContext:
    #: keyword (an expression or clause), relation, qualified, connector, option, database,
    #: catalog, or none (a new name, a string that is not an option's)
    kind: str
    prefix: str  # what is typed of the word at the cursor: the text a completion replaces
    statement: str  # the statement up to the cursor
    qualifier: tuple[str, ...] = ()  # the names before a dot: ("o",) for "o.am"
    relations: tuple[Relation, ...] = ()
    connector: str | None = None  # in WITH (...): the 'connector' it names
    options_set: tuple[str, ...] = ()  # in WITH (...): the keys already given
    declared: tuple[str, ...] = ()  # the columns of the CREATE TABLE being written
    quoted: bool = False  # the word at the cursor opened a backtick


def cell_sql(cell: str, cursor: int) -> tuple[str, int] | None:
    """The SQL of a cell and the cursor's offset in it, or None where the cursor is not in
    SQL: a ``%%flink_sql`` cell's body, or the string passed to ``execute_sql(...)`` (and the
    like) in a ``%%flink`` or Python cell."""
    magic = _MAGIC.match(cell)
    if magic:
        body = cell.find("\n")
        if body < 0 or cursor <= body:
            return None  # on the magic line: IPython completes its options
        return cell[body + 1:], cursor - body - 1
    for call in _SQL_CALL.finditer(cell, 0, cursor):
        start, quote = call.end(), call.group("quote")
        end = cell.find(quote, start)
        if start <= cursor and (end < 0 or cursor <= end):
            return cell[start:cursor if end < 0 else end], cursor - start
    return None


def _closed(token: str) -> bool:
    """Whether a quoted token ends with its closing quote (a doubled quote stands for one)."""
    quote, i = token[0], 1
    while i < len(token):
        if token[i] == quote:
            if token.startswith(quote, i + 1):
                i += 2
                continue
            return True
        i += 1
    return False


def _unquote(token: str) -> str:
    if token[:1] in "'`\"" and len(token) >= 2 and _closed(token):
        quote = token[0]
        return token[1:-1].replace(quote * 2, quote)
    return token


def _upper(token: str) -> str:
    return token.upper() if token[:1].isalpha() or token[:1] == "_" else token


def _statement_bounds(sql: str, cursor: int) -> tuple[int, int]:
    start = 0
    for offset, token in tokens_at(sql[:cursor]):
        if token == ";":
            start = offset + 1
    end = len(sql)
    for offset, token in tokens_at(sql[cursor:]):
        if token == ";":
            end = cursor + offset
            break
    return start, end


def sql_at(sql: str, cursor: int) -> SqlContext:
    """What is being typed at ``cursor`` in ``sql`` (one cell's SQL, maybe several
    statements)."""
    start, end = _statement_bounds(sql, cursor)
    before = sql[start:cursor]
    tokens = [token for _, token in tokens_at(sql[start:end])]
    scope = dict(relations=_relations(tokens), declared=_declared(tokens))
    typed = tokens_at(before)
    last = typed[-1] if typed else None
    if last and last[1][:1] in "'\"" and last[0] + len(last[1]) == len(before) \
            and not _closed(last[1]):
        return _in_string(before, [t for _, t in typed], scope)
    quoted = bool(last and last[1][:1] == "`" and last[0] + len(last[1]) == len(before)
                  and not _closed(last[1]))
    if quoted:
        prefix = last[1][1:]
        head = before[: last[0]]
    else:
        match = _WORD.search(before)
        prefix = match.group(0) if match else ""
        head = before[: len(before) - len(prefix)]
    previous = [token for _, token in tokens_at(head)]
    qualifier: list[str] = []
    while len(previous) >= 2 and previous[-1] == "." and previous[-2] not in ".,()":
        qualifier.insert(0, _unquote(previous[-2]))
        previous = previous[:-2]
    common = dict(prefix=prefix, statement=before, quoted=quoted, **scope)
    if qualifier:
        return SqlContext("qualified", qualifier=tuple(qualifier), **common)
    return SqlContext(_kind(previous), **common)


def _kind(previous: list[str]) -> str:
    words = [_upper(token) for token in previous]
    last = words[-1] if words else ""
    if last in _RELATION_AFTER:
        if last == "TABLE" and len(words) >= 2 and words[-2] in _NEW_NAME_BEFORE:
            return "none"  # CREATE [TEMPORARY] TABLE <new name>
        if last == "FROM" and len(words) >= 2 and words[-2] in ("TABLES", "VIEWS",
                                                                 "FUNCTIONS"):
            return "database"  # SHOW TABLES FROM <database>
        return "relation"
    if last in ("CATALOG", "CATALOGS"):
        return "none" if len(words) >= 2 and words[-2] in _NEW_NAME_BEFORE else "catalog"
    if last == "USE":
        return "database"
    if last == "DATABASE":
        return "none" if len(words) >= 2 and words[-2] in _NEW_NAME_BEFORE else "database"
    if last == "AS":
        return "none"  # naming an alias or a column
    if last == ",":
        clause = next((w for w in reversed(words) if w in _CLAUSES), "")
        if clause == "FROM":
            return "relation"
    return "keyword"


def _in_string(before: str, tokens: list[str], scope: dict) -> SqlContext:
    prefix = tokens[-1][1:].replace("''", "'")
    common = dict(prefix=prefix, statement=before, **scope)
    with_clause = _with_clause(tokens[:-1])
    if with_clause is None or tokens[-1][0] != "'":
        return SqlContext("none", **common)
    connector = _with_connector(with_clause)
    keys = tuple(_unquote(t) for i, t in enumerate(with_clause)
                 if t[:1] == "'" and i + 1 < len(with_clause) and with_clause[i + 1] == "=")
    options = dict(connector=connector, options_set=keys)
    previous = tokens[-2] if len(tokens) >= 2 else ""
    if previous == "=" and len(tokens) >= 3 and _unquote(tokens[-3]) == "connector":
        return SqlContext("connector", **common)
    if previous in ("(", ","):
        return SqlContext("option", **common, **options)
    return SqlContext("none", **common, **options)


def _with_clause(tokens: list[str]) -> list[str] | None:
    """The tokens after the open ``WITH (`` the cursor is in, or None."""
    opened: list[int] = []
    for index, token in enumerate(tokens):
        if token == "(":
            opened.append(index)
        elif token == ")" and opened:
            opened.pop()
    if opened and opened[-1] > 0 and _upper(tokens[opened[-1] - 1]) == "WITH":
        return tokens[opened[-1] + 1:]
    return None


def _with_connector(clause: list[str]) -> str | None:
    for index in range(len(clause) - 2):
        if _unquote(clause[index]) == "connector" and clause[index + 1] == "=" \
                and clause[index + 2][:1] == "'" and _closed(clause[index + 2]):
            return _unquote(clause[index + 2])
    return None


def _name_at(tokens: list[str], index: int) -> tuple[tuple[str, ...], int]:
    """The dotted name starting at ``index`` (unquoted parts) and the index after it."""
    parts: list[str] = []
    while index < len(tokens) and _is_name(tokens[index]):
        parts.append(_unquote(tokens[index]))
        if index + 2 < len(tokens) and tokens[index + 1] == "." and _is_name(tokens[index + 2]):
            index += 2
            continue
        index += 1
        break
    return tuple(parts), index


def _is_name(token: str) -> bool:
    if token[:1] == "`":
        return True
    return (token[:1].isalpha() or token[:1] == "_") and _upper(token) not in RESERVED


def _relations(tokens: list[str]) -> tuple[Relation, ...]:
    found: list[Relation] = []
    clause = ""
    calls: list[str] = []  # the function each open parenthesis belongs to
    for index, token in enumerate(tokens):
        word = _upper(token)
        if token == "(":
            calls.append(_upper(tokens[index - 1]) if index else "")
            continue
        if token == ")":
            if calls:
                calls.pop()
            continue
        if word in _CLAUSES:
            clause = word
        window = word == "TABLE" and bool(calls) and calls[-1] in _WINDOW_FUNCTIONS
        starts = word in ("FROM", "JOIN") or (token == "," and clause == "FROM") or window
        if not starts:
            continue
        name, after = _name_at(tokens, index + 1)
        if not name:
            continue
        alias = None
        if after < len(tokens) and _upper(tokens[after]) == "AS":
            after += 1
        if after < len(tokens) and _is_name(tokens[after]):
            alias = _unquote(tokens[after])
        found.append(Relation(name, alias, window))
    return tuple(found)


def _declared(tokens: list[str]) -> tuple[str, ...]:
    """The column names of ``CREATE [TEMPORARY] TABLE name (...)``, as far as written."""
    words = [_upper(token) for token in tokens[:4]]
    if not words or words[0] != "CREATE" or "TABLE" not in words:
        return ()
    try:
        opened = tokens.index("(")
    except ValueError:
        return ()
    names, depth = [], 0
    for index in range(opened, len(tokens)):
        token = tokens[index]
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
            if depth == 0:
                break
        if depth == 1 and token in "(," and index + 1 < len(tokens) \
                and _is_name(tokens[index + 1]):
            names.append(_unquote(tokens[index + 1]))
    return tuple(names)
