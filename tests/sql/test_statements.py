"""Reading %%flink_sql cells: splitting, kinds, SET/RESET, {var} substitution."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from flink_notebook.sql.statements import (
    Statement,
    StatementKind,
    classify,
    is_empty_set,
    parse_reset,
    parse_set,
    split_statements,
)
from flink_notebook.sql.variables import substitute

K = StatementKind


def texts(cell: str) -> list[str]:
    return [statement.text for statement in split_statements(cell)]


# --- splitting -------------------------------------------------------------------------


def test_semicolons_inside_literals_identifiers_and_comments_do_not_split():
    cell = (
        "CREATE TABLE t (a INT) WITH ('x' = 'a;b', 'y' = 'it''s; fine');\n"
        'SELECT `a;b`, "c;d" FROM t -- trailing; comment\n'
        ";/* block; comment */ SELECT 2"
    )
    assert texts(cell) == [
        "CREATE TABLE t (a INT) WITH ('x' = 'a;b', 'y' = 'it''s; fine')",
        'SELECT `a;b`, "c;d" FROM t -- trailing; comment',
        "SELECT 2",
    ]


def test_text_is_stripped_but_keeps_inner_comments():
    [statement] = split_statements("  \n  SELECT 1 /* one */\n  -- why\n  , 2  \n;  \n")
    assert statement.text == "SELECT 1 /* one */\n  -- why\n  , 2"


def test_blank_and_comment_only_pieces_are_dropped():
    assert split_statements("") == []
    assert split_statements("-- nothing\n/* here; */\n  ;\n;;") == []
    assert texts("SELECT 1;;  ; -- done") == ["SELECT 1"]


def test_last_statement_needs_no_semicolon():
    assert texts("SELECT 1;\nSELECT 2") == ["SELECT 1", "SELECT 2"]


def test_unterminated_literal_or_comment_runs_to_the_end():
    assert texts("SELECT 'a;b") == ["SELECT 'a;b"]
    assert texts("SELECT 1 /* a; b") == ["SELECT 1 /* a; b"]


def test_position_is_the_first_token_after_leading_comments():
    cell = "-- header; with a semicolon\n/* c */   SELECT 1;\n\n\tSELECT 2; SELECT 3"
    assert [(s.line, s.column) for s in split_statements(cell)] == [(2, 11), (4, 2), (4, 12)]


def test_crlf_cells_keep_line_numbers():
    statements = split_statements("SELECT 1;\r\n\r\n  SELECT 2;\r\n")
    assert [(s.text, s.line, s.column) for s in statements] == [
        ("SELECT 1", 1, 1),
        ("SELECT 2", 3, 3),
    ]


# --- statement sets --------------------------------------------------------------------

SQL_CLIENT_SET = """SELECT 0;
BEGIN STATEMENT SET;
INSERT INTO a SELECT CASE WHEN x > 1 THEN 'a;' ELSE 'b' END FROM s;
INSERT INTO b SELECT 2;
END;
SELECT 3"""


def test_execute_statement_set_is_one_statement():
    cell = "EXECUTE STATEMENT SET BEGIN\n  INSERT INTO a SELECT 1;\n  INSERT INTO b SELECT 2;\nEND;"
    [statement] = split_statements(cell + "\nSELECT 1")[:1]
    assert statement.kind is K.STATEMENT_SET
    assert statement.text == cell[:-1]


def test_a_case_end_inside_a_statement_set_does_not_close_it():
    cell = (
        "execute statement set begin insert into a select case when 1 > 0 then 1 else 0 end;"
        " insert into b select 2; end; select 1"
    )
    assert [s.kind for s in split_statements(cell)] == [K.STATEMENT_SET, K.QUERY]


def test_sql_client_statement_set_is_rewritten_in_place():
    [first, block, last] = split_statements(SQL_CLIENT_SET)
    assert (first.text, last.text, last.line) == ("SELECT 0", "SELECT 3", 6)
    assert block.kind is K.STATEMENT_SET
    assert (block.line, block.column) == (2, 1)
    # Every line of the set stays on its own line; only the opening is replaced.
    assert block.text.split("\n") == [
        "EXECUTE STATEMENT SET BEGIN",
        *SQL_CLIENT_SET.split("\n")[2:4],
        "END",
    ]


def test_rewritten_opening_on_the_same_line_maps_back_to_the_cell():
    cell = "  BEGIN STATEMENT SET; INSERT INTO a SELECT nope;\nEND;"
    [block] = split_statements(cell)
    assert block.text == "EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT nope;\nEND"
    text_column = block.text.index("nope") + 1
    line, column = block.cell_position(1, text_column)
    assert cell.split("\n")[line - 1][column - 1 :].startswith("nope;")
    assert block.cell_position(2, 1) == (2, 1)


def test_rewritten_opening_over_several_lines_keeps_lines():
    cell = "BEGIN\nSTATEMENT SET ;  INSERT INTO a SELECT nope;\nEND"
    [block] = split_statements(cell)
    assert block.text.count("\n") == cell.count("\n")
    line, column = block.cell_position(2, block.text.split("\n")[1].index("nope") + 1)
    assert (line, column) == (2, cell.split("\n")[1].index("nope") + 1)


def test_execute_statement_set_without_end_is_a_usage_error():
    with pytest.raises(UsageError, match="line 1 has no END"):
        split_statements("EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1;")


def test_a_sql_client_set_may_span_cells():
    """The opening, the INSERTs and END; may sit in different cells (as in the client)."""
    assert [s.kind for s in split_statements(
        "SELECT 1;\nBEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;")] == [
        K.QUERY, K.BEGIN_SET, K.INSERT]
    assert [s.kind for s in split_statements("INSERT INTO b SELECT 2;\n end ;")] == [
        K.INSERT, K.END_SET]
    # a second opening before any END: the first one is on its own
    assert [s.kind for s in split_statements(
        "BEGIN STATEMENT SET; BEGIN STATEMENT SET; INSERT INTO a SELECT 1; END;")] == [
        K.BEGIN_SET, K.STATEMENT_SET]


def test_an_empty_statement_set_is_one_statement_that_is_empty():
    [block] = split_statements("BEGIN STATEMENT SET;\nEND;")
    assert block.kind is K.STATEMENT_SET and is_empty_set(block)
    [full] = split_statements(SQL_CLIENT_SET)[1:2]
    assert not is_empty_set(full)


# --- positions -------------------------------------------------------------------------


def test_cell_position_offsets_only_the_first_line():
    statement = Statement("SELECT x\nFROM t", line=3, column=5, kind=K.QUERY)
    assert statement.cell_position(1, 8) == (3, 12)
    assert statement.cell_position(2, 6) == (4, 6)


def test_cell_position_counts_characters_where_flink_counts_utf16_units():
    statement = Statement("SELECT '\U0001f600\U0001f600', nope", line=1, column=1, kind=K.QUERY)
    # Flink puts `nope` at column 16: each emoji is two UTF-16 code units.
    assert statement.cell_position(1, 16) == (1, statement.text.index("nope") + 1)
    assert statement.cell_position(1, 21) == (1, len(statement.text) + 2)  # past the end


def test_first_line():
    assert split_statements("\n  SELECT a,\n b FROM t")[0].first_line == "SELECT a,"


def test_an_error_quoting_a_10_mb_line_quotes_the_start_of_it():
    [statement] = split_statements("SET 'k' = '" + "x" * 10_000_000)  # no closing quote
    with pytest.raises(UsageError) as caught:
        parse_set(statement)
    assert len(str(caught.value)) < 1_000
    assert "SET 'k' = 'xxx" in str(caught.value)
    assert "(9,999,7" in str(caught.value)  # how much more the line holds


# --- kinds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("CREATE TABLE t (a INT)", K.DDL),
        ("create temporary view v as select 1", K.DDL),
        ("DROP TABLE t", K.DDL),
        ("ALTER TABLE t RENAME TO u", K.DDL),
        ("USE CATALOG c", K.DDL),
        ("USE MODULES core", K.DDL),
        ("LOAD MODULE hive", K.DDL),
        ("UNLOAD MODULE hive", K.DDL),
        ("ADD JAR '/x.jar'", K.DDL),
        ("REMOVE JAR '/x.jar'", K.DDL),
        ("ANALYZE TABLE t COMPUTE STATISTICS", K.DDL),
        ("TRUNCATE TABLE t", K.DDL),
        ("SET 'a' = 'b'", K.SET),
        ("SET", K.SET),
        ("RESET", K.RESET),
        ("SHOW TABLES", K.SHOW),
        ("SHOW CREATE TABLE t", K.SHOW),
        ("DESCRIBE t", K.DESCRIBE),
        ("DESC t", K.DESCRIBE),
        ("EXPLAIN PLAN FOR SELECT 1", K.EXPLAIN),
        ("SELECT 1", K.QUERY),
        ("WITH x AS (SELECT 1) SELECT * FROM x", K.QUERY),
        ("VALUES (1), (2)", K.QUERY),
        ("(SELECT 1) UNION ALL (SELECT 2)", K.QUERY),
        ("INSERT INTO t SELECT 1", K.INSERT),
        ("INSERT OVERWRITE t SELECT 1", K.INSERT),
        ("EXECUTE INSERT INTO t SELECT 1", K.INSERT),
        ("EXECUTE PLAN '/p.json'", K.INSERT),
        ("COMPILE AND EXECUTE PLAN '/p.json' FOR INSERT INTO t SELECT 1", K.INSERT),
        ("EXECUTE STATEMENT SET BEGIN INSERT INTO t SELECT 1; END", K.STATEMENT_SET),
        ("COMPILE PLAN '/p.json' FOR INSERT INTO t SELECT 1", K.OTHER),
        ("CALL sys.proc()", K.OTHER),
        ("DELETE FROM t", K.OTHER),
        ("", K.OTHER),
    ],
)
def test_kinds(text, kind):
    assert classify(text) is kind


def test_kinds_skip_leading_comments():
    [statement] = split_statements("-- show me\n/* insert */ select 1")
    assert statement.kind is K.QUERY
    assert classify("/* SELECT */ -- x\n  ( ( SELECT 1 ) )") is K.QUERY


# --- SET / RESET -----------------------------------------------------------------------


def one(text: str) -> Statement:
    [statement] = split_statements(text)
    return statement


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SET 'a.b' = 'it''s'", ("a.b", "it's")),
        ("SET x.y = 4", ("x.y", "4")),
        ("set 'pipeline.name'='my job'", ("pipeline.name", "my job")),
        ("SET table.exec.mini-batch.enabled = true", ("table.exec.mini-batch.enabled", "true")),
        ("SET 'k' = ''", ("k", "")),
        ("SET k = a = b", ("k", "a = b")),
        ("SET 'k' = 'v' -- why", ("k", "v")),
        ("SET\n  'k' =\n  'v;w'", ("k", "v;w")),
        ("SET", None),
        ("set -- list them", None),
    ],
)
def test_parse_set(text, expected):
    assert parse_set(one(text)) == expected


@pytest.mark.parametrize("text", ["SET = 3", "SET 'k'", "SET k 3", "SET 'k' = 'v' x", "SET k ="])
def test_unreadable_set_is_a_usage_error(text):
    with pytest.raises(UsageError) as error:
        parse_set(one(text))
    assert type(error.value) is UsageError
    assert "SET 'key' = 'value'" in str(error.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("RESET 'a.b'", "a.b"), ("reset a.b", "a.b"), ("RESET", None), ("RESET -- all", None)],
)
def test_parse_reset(text, expected):
    assert parse_reset(one(text)) == expected


def test_unreadable_reset_is_a_usage_error():
    with pytest.raises(UsageError, match="RESET 'key'"):
        parse_reset(one("RESET a b"))


# --- substitution ----------------------------------------------------------------------


class Paths:
    out = "/tmp/out"

    class nested:  # noqa: N801 - reads like an attribute in the cell
        rows = 7


def test_substitutes_names_and_attributes_everywhere():
    namespace = {"n": 5, "p": Paths()}
    cell = (
        "SELECT {n} -- {n} rows\nFROM t /* {p.out} */ WHERE path = '{p.out}' LIMIT {p.nested.rows}"
    )
    assert substitute(cell, namespace) == (
        "SELECT 5 -- 5 rows\nFROM t /* /tmp/out */ WHERE path = '/tmp/out' LIMIT 7"
    )


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("'{{x}}'", "'{x}'"),
        ("'{{{n}}}'", "'{5}'"),
        ("'{\"a\": 1}'", "'{\"a\": 1}'"),
        ('\'{"a": {"b": 1}}\'', '\'{"a": {"b": 1}}\''),  # a bare }} is not an escape
        ('\'{{"a": {{"b": 1}}}}\'', '\'{"a": {"b": 1}}\''),
        ("{ n } {1} {n.} {.n} {}", "{ n } {1} {n.} {.n} {}"),
        ("MAP['k', 1]", "MAP['k', 1]"),
    ],
)
def test_braces_that_are_not_variables_stay(cell, expected):
    assert substitute(cell, {"n": 5}) == expected


def test_unknown_variable_is_a_usage_error():
    with pytest.raises(UsageError) as error:
        substitute("SELECT {nme}", {"name": 1})
    assert type(error.value) is UsageError
    assert str(error.value) == (
        "Unknown variable {nme} in the cell (escape literal braces as {{ }})"
    )


def test_unknown_attribute_is_a_usage_error():
    with pytest.raises(UsageError, match=r"\{p\.nope\}.*Paths has no attribute 'nope'"):
        substitute("'{p.nope}'", {"p": Paths()})


def test_substitution_keeps_every_line_where_it_is():
    cell = "SELECT {a},\n  {b}\nFROM t"
    out = substitute(cell, {"a": "x" * 20, "b": 1})
    assert out.split("\n") == ["SELECT " + "x" * 20 + ",", "  1", "FROM t"]
    with pytest.raises(UsageError, match=r"\{q\} holds several lines"):
        substitute(cell.replace("{a}", "{q}"), {"q": "SELECT 1\nFROM t", "b": 1})


# --- what Flink itself parses ----------------------------------------------------------


@pytest.fixture(scope="module")
def parser():
    from pyflink.table import EnvironmentSettings, TableEnvironment

    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.execute_sql("CREATE TABLE src (k INT) WITH ('connector' = 'datagen')")
    t_env.execute_sql("CREATE TABLE a (k INT) WITH ('connector' = 'blackhole')")
    return t_env._j_tenv.getParser()


@pytest.mark.cluster
@pytest.mark.parametrize(
    "cell",
    [
        SQL_CLIENT_SET.replace("s;", "src;").replace("INTO b", "INTO a").replace("x >", "k >"),
        "BEGIN STATEMENT SET; INSERT INTO a SELECT k FROM src; END -- done",
        "EXECUTE STATEMENT SET BEGIN\n  INSERT INTO a SELECT CASE WHEN k > 0 THEN 1 ELSE 0 END"
        " FROM src;\nEND;",
    ],
)
def test_flink_parses_every_statement_as_one_operation(parser, cell):
    statements = split_statements(cell)
    for statement in statements:
        operations = parser.parse(statement.text)
        assert operations.size() == 1
    [block] = [s for s in statements if s.kind is K.STATEMENT_SET]
    name = parser.parse(block.text).get(0).getClass().getSimpleName()
    assert name == "StatementSetOperation"


def test_plan_advice_is_read_from_explain_output():
    from flink_notebook.sql.plan_advice import advice_bundle, plan_advice

    plan = ("== Optimized Physical Plan With Advice ==\nGroupAggregate(advice=[1])\n\n"
            "advice[1]: [ADVICE] You might want to enable\n  mini-batch.\n"
            "advice[2]: [WARNING] The column <x> may be non-deterministic.\n\n"
            "== Optimized Execution Plan ==\nGroupAggregate\n")
    advice = plan_advice(plan)
    assert [(a.number, a.level, a.text) for a in advice] == [
        (1, "ADVICE", "You might want to enable mini-batch."),
        (2, "WARNING", "The column <x> may be non-deterministic.")]
    shown = advice_bundle(advice)
    assert "&lt;x&gt;" in shown["text/html"] and "font-weight:bold" in shown["text/html"]
    assert "[2] WARNING: The column <x>" in shown["text/plain"]
    assert plan_advice("No available advice...") == []


@pytest.mark.parametrize(("statement", "said"), [
    ("CREATE TEMPORARY TABLE IF NOT EXISTS b_ticks (a INT) WITH ('connector'='datagen')",
     "created temporary table b_ticks"),
    ("CREATE TABLE cat.db.`my t` (a INT)", "created table cat.db.`my t`"),
    ("CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 1", "created temporary view v"),
    ("DROP TEMPORARY SYSTEM FUNCTION IF EXISTS f", "dropped temporary system function f"),
    ("alter table a.b rename to c", "altered table a.b"),
    ("USE CATALOG c1", "using catalog c1"),
    ("USE db1", "using database db1"),
    ("USE MODULES core, hive", "using modules core, hive"),
    ("ADD JAR '/x/y.jar'", "added jar '/x/y.jar'"),
    ("REMOVE JAR '/x/y.jar'", "removed jar '/x/y.jar'"),
    ("LOAD MODULE hive", "loaded module hive"),
    ("-- a comment first\nCREATE DATABASE IF NOT EXISTS d", "created database d"),
    ("CALL system.x()", "OK"),
])
def test_a_statement_without_rows_is_confirmed_in_one_line(statement, said):
    from flink_notebook.sql.confirmations import confirmation

    assert confirmation(statement) == said
