"""Splitting and reading %%flink_sql cells (pure logic)."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from flink_notebook.sql import (
    StatementKind,
    parse_reset,
    parse_set,
    split_statements,
    substitute,
)

CELL = """-- a comment; with a semicolon
CREATE TABLE t (a INT) WITH ('x' = 'a;b');
/* block; comment */ SELECT `a;` FROM t;

BEGIN STATEMENT SET;
INSERT INTO a SELECT 1;
INSERT INTO b SELECT 2;
END;
EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END;
SET 'a.b' = 'it''s';
SHOW TABLES; DESC t; EXPLAIN SELECT 1; RESET; WITH x AS (SELECT 1) SELECT * FROM x;
INSERT OVERWRITE t SELECT 1; VALUES (1); USE CATALOG c; -- trailing comment only
"""


def test_split_respects_strings_identifiers_comments_and_blocks():
    statements = split_statements(CELL)
    assert [s.kind for s in statements] == [
        StatementKind.DDL, StatementKind.QUERY, StatementKind.STATEMENT_SET,
        StatementKind.STATEMENT_SET, StatementKind.SET, StatementKind.SHOW,
        StatementKind.DESCRIBE, StatementKind.EXPLAIN, StatementKind.RESET,
        StatementKind.QUERY, StatementKind.INSERT, StatementKind.QUERY, StatementKind.DDL,
    ]
    assert statements[0].text == "CREATE TABLE t (a INT) WITH ('x' = 'a;b')"
    assert statements[1].text == "SELECT `a;` FROM t"


def test_statements_know_their_line_and_column():
    statements = split_statements(CELL)
    assert (statements[0].line, statements[0].column) == (2, 1)
    assert (statements[1].line, statements[1].column) == (3, 22)
    assert statements[2].line == 5


def test_sql_client_statement_set_becomes_execute_statement_set():
    block = split_statements(CELL)[2]
    assert block.text.startswith("EXECUTE STATEMENT SET BEGIN")
    assert block.text.endswith("END")
    assert "INSERT INTO a SELECT 1;" in block.text and "INSERT INTO b SELECT 2;" in block.text


def test_comment_only_cell_has_no_statements():
    assert split_statements("-- nothing\n/* here; */\n  ;\n") == []


def test_set_and_reset_forms():
    [quoted, bare, listing] = split_statements("SET 'a.b' = 'it''s'; SET x.y = 4; SET")
    assert parse_set(quoted) == ("a.b", "it's")
    assert parse_set(bare) == ("x.y", "4")
    assert parse_set(listing) is None
    [one, every] = split_statements("RESET 'a.b'; RESET")
    assert parse_reset(one) == "a.b" and parse_reset(every) is None
    with pytest.raises(UsageError):
        parse_set(split_statements("SET = 3")[0])


def test_substitution():
    class Obj:
        limit = 7

    out = substitute("SELECT {n}, '{{x}}', '{\"a\": 1}' LIMIT {o.limit}", {"n": 5, "o": Obj()})
    assert out == "SELECT 5, '{x}', '{\"a\": 1}' LIMIT 7"


def test_unknown_variable_is_a_usage_error():
    with pytest.raises(UsageError) as error:
        substitute("SELECT {nme}", {"name": 1})
    assert "{nme}" in str(error.value) and "{{" in str(error.value)


def test_substitution_keeps_lines():
    cell = "SELECT\n{a}\nFROM t"
    assert substitute(cell, {"a": "x,\ny"}).count("\n") >= cell.count("\n")
