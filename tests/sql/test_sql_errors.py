"""Short error messages and SQL errors located in the cell.

The texts below were captured from Flink 2.3 (frames trimmed); the cluster
tests get the same errors from a real TableEnvironment.
"""

from __future__ import annotations

import re

import pytest

from flink_notebook.core.errors import (
    CODE_TOO_LARGE,
    MAX_TRACE,
    java_error_summary,
    wrap_message,
)
from flink_notebook.sql.errors import format_sql_error
from flink_notebook.sql.statements import Statement, StatementKind, split_statements

FRAMES = (
    "\tat org.apache.flink.table.planner.calcite.FlinkPlannerImpl.validate(FlinkPlanner.scala:1)\n"
    "\tat java.base/java.lang.reflect.Method.invoke(Method.java:569)\n"
)
UNKNOWN_COLUMN = (
    "An error occurred while calling o8.sqlQuery.\n"
    ": org.apache.flink.table.api.ValidationException: SQL validation failed. From line 1, "
    "column 8 to line 1, column 11: Column 'nope' not found in any table\n" + FRAMES + ""
    "Caused by: org.apache.calcite.runtime.CalciteContextException: From line 1, column 8 to "
    "line 1, column 11: Column 'nope' not found in any table\n" + FRAMES + ""
    "Caused by: org.apache.calcite.sql.validate.SqlValidatorException: Column 'nope' not found "
    "in any table\n" + FRAMES + "\t... 30 more\n"
)
PARSE_ERROR = (
    "An error occurred while calling o8.sqlQuery.\n"
    ': org.apache.flink.table.api.SqlParserException: SQL parse failed. Encountered "+ FROM" '
    'at line 1, column 23.\nWas expecting one of:\n    <EOF> \n    "AS" ...\n    "FROM" ...\n'
    + FRAMES
)
BAD_OPTION = (
    "An error occurred while calling o8.sqlQuery.\n"
    ": org.apache.flink.table.api.ValidationException: Unable to create a source for reading "
    "table 'default_catalog.default_database.b'.\n\nTable options are:\n\n'connector'='datagen'\n"
    "'number-of-row'='5'\n'fields.a.password'='hunter2'\n" + FRAMES + ""
    "Caused by: org.apache.flink.table.api.ValidationException: Unsupported options found for "
    "'datagen'.\n\nUnsupported options:\n\nfields.a.password\nnumber-of-row\n\n"
    "Supported options:\n\nconnector\nfields.a.kind\nfields.a.max\nnumber-of-rows\n"
    "rows-per-second\n" + FRAMES
)
UNKNOWN_CONNECTOR = (
    "An error occurred while calling o8.sqlQuery.\n"
    ": org.apache.flink.table.api.ValidationException: Unable to create a source for reading "
    "table 'default_catalog.default_database.c'.\n\nTable options are:\n\n'connector'='nope'\n"
    + FRAMES
    + "Caused by: org.apache.flink.table.api.ValidationException: Cannot discover a connector "
    "using option: 'connector'='nope'\n" + FRAMES + ""
    "Caused by: org.apache.flink.table.api.ValidationException: Could not find any factory for "
    "identifier 'nope' that implements 'org.apache.flink.table.factories.DynamicTableFactory' "
    "in the classpath.\n\nAvailable factory identifiers are:\n\n"
    + "".join(f"f{i}\n" for i in range(12))
    + FRAMES
)
TABLE_EXISTS = (  # as PyFlink's CatalogException-style wrappers print it: no py4j header
    "org.apache.flink.table.api.ValidationException: Could not execute CreateTable in path "
    "`default_catalog`.`default_database`.`nums`\n" + FRAMES + ""
    "Caused by: org.apache.flink.table.catalog.exceptions.TableAlreadyExistException: Table "
    "(or view) default_database.nums already exists in Catalog default_catalog.\n" + FRAMES
)
UDF_FAILURE = (
    "org.apache.flink.runtime.client.JobExecutionException: Job execution failed.\n" + FRAMES + ""
    "Caused by: java.lang.RuntimeException: Error received from SDK harness for instruction 4: "
    'Traceback (most recent call last):\n  File "<cell>", line 2, in boom\n'
    "RuntimeError: exploded in a UDF\n" + FRAMES + ""
    "\tSuppressed: java.lang.IllegalStateException: ignored\n"
)


class JavaText(Exception):
    """An exception that prints a captured Java trace, as py4j's and PyFlink's do."""


def summary_of(text: str) -> str:
    return java_error_summary(JavaText(text))[0]


# --- summaries -------------------------------------------------------------------------


def test_plain_python_exception_gives_its_message_and_traceback():
    try:
        raise ValueError("bad value")
    except ValueError as exc:
        summary, trace = java_error_summary(exc)
    assert summary == "bad value"
    assert "Traceback" in trace and "ValueError: bad value" in trace
    assert java_error_summary(KeyError())[0] == "KeyError"


def test_validation_error_is_the_message_alone():
    summary, trace = java_error_summary(JavaText(UNKNOWN_COLUMN))
    assert summary == "Column 'nope' not found in any table"
    assert trace == UNKNOWN_COLUMN


def test_parse_error_hints_at_the_expected_tokens():
    assert summary_of(PARSE_ERROR) == (
        'Syntax error at "+ FROM"\nExpected: AS, FROM or the end of the statement')


def test_bad_option_names_the_table_and_suggests_close_options():
    summary = summary_of(BAD_OPTION)
    assert summary == (
        "Unable to create a source for reading table 'default_catalog.default_database.b'.\n"
        "Unsupported options found for 'datagen'.\n"
        "Unsupported options: fields.a.password, number-of-row (did you mean number-of-rows?)"
    )


def test_option_values_never_appear_and_secrets_are_masked_in_the_trace():
    summary, trace = java_error_summary(JavaText(BAD_OPTION))
    assert "hunter2" not in summary and "hunter2" not in trace
    assert "'fields.a.password'='********'" in trace
    assert "'number-of-row'='5'" in trace  # not a secret: the trace keeps it


def test_long_lists_are_cut_and_class_names_shortened():
    summary = summary_of(UNKNOWN_CONNECTOR)
    assert summary.splitlines() == [
        "Unable to create a source for reading table 'default_catalog.default_database.c'.",
        "Could not find any factory for identifier 'nope' that implements "
        "'DynamicTableFactory' in the classpath.",
        "Available factory identifiers are: f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, and 2 more",
    ]


def test_generic_wrapper_gives_way_to_the_root_cause():
    assert summary_of(TABLE_EXISTS) == (
        "Table (or view) default_database.nums already exists in Catalog default_catalog."
    )


def test_python_udf_failure_shows_the_python_exception():
    assert summary_of(UDF_FAILURE) == "RuntimeError: exploded in a UDF"


def test_jdk_exceptions_keep_their_class_name():
    text = (
        "org.apache.flink.util.FlinkException: Job execution failed.\n"
        "Caused by: java.io.FileNotFoundException: /data/x.csv (No such file or directory)\n"
        "Caused by: java.lang.NullPointerException\n"
    )
    assert summary_of(text) == "NullPointerException"
    assert summary_of(text.rsplit("Caused by", 1)[0]) == (
        "FileNotFoundException: /data/x.csv (No such file or directory)"
    )


def test_a_trace_that_cannot_be_printed_is_still_summarized():
    class Broken(Exception):
        def __str__(self):
            raise RuntimeError("gateway gone")

    summary, _ = java_error_summary(Broken("x"))
    assert "Broken" in summary


# --- located errors --------------------------------------------------------------------


def test_error_on_a_later_line_points_into_the_cell():
    cell = "SELECT 1;\n\n  SELECT nope\n  FROM nums"
    statement = split_statements(cell)[1]
    message = format_sql_error(JavaText(UNKNOWN_COLUMN), statement, cell)
    assert message.splitlines() == [
        "SQL error at line 3, column 10: Column 'nope' not found in any table",
        "   3 |   SELECT nope",
        "     |          ^",
        "(add --verbose to the magic line for the Java trace)",
    ]


def test_caret_keeps_the_tabs_of_the_quoted_line():
    cell = "SELECT\tnope FROM nums"
    [statement] = split_statements(cell)
    message = format_sql_error(JavaText(UNKNOWN_COLUMN), statement, cell)
    assert message.splitlines()[2] == "     | " + "      \t^"


def test_no_position_quotes_the_statements_first_line_without_caret():
    cell = "CREATE TABLE b (a INT) WITH ('connector' = 'datagen');\nSELECT *\nFROM b"
    statement = split_statements(cell)[1]
    message = format_sql_error(JavaText(TABLE_EXISTS), statement, cell)
    assert message.splitlines()[:3] == [  # wrapped at words, "UsageError: " before it
        "SQL error in the statement at line 2: Table (or view) default_database.nums already",
        "  exists in Catalog default_catalog.",
        "   2 | SELECT *",
    ]
    assert "^" not in message


def test_verbose_appends_the_trace():
    statement = Statement("SELECT nope", 1, 1, StatementKind.QUERY)
    quiet = format_sql_error(JavaText(UNKNOWN_COLUMN), statement, "SELECT nope")
    loud = format_sql_error(JavaText(UNKNOWN_COLUMN), statement, "SELECT nope", verbose=True)
    assert "org.apache" not in quiet
    assert loud.startswith(quiet.rsplit("\n", 1)[0])
    assert "\tat org.apache.flink.table.planner" in loud


def test_python_error_in_sql_has_no_position():
    statement = Statement("SELECT 1", 1, 1, StatementKind.QUERY)
    message = format_sql_error(ValueError("boom"), statement, "SELECT 1")
    assert message.startswith("SQL error in the statement at line 1: boom\n   1 | SELECT 1")


# --- bounded sizes ---------------------------------------------------------------------

HALF = "x" * 5_000_000


def parse_error(message: str) -> JavaText:
    """A parse error as Flink 2.3 words it."""
    return JavaText(
        "An error occurred while calling o8.executeSql.\n"
        f": org.apache.flink.table.api.SqlParserException: SQL parse failed. {message}\n"
        'Was expecting one of:\n    "LATERAL" ...\n    <IDENTIFIER> ...\n    \n' + FRAMES
        + f"Caused by: org.apache.calcite.sql.parser.SqlParseException: {message}\n" + FRAMES)


def test_a_10_mb_line_is_quoted_around_the_caret_in_a_few_kb():
    cell = f"SELECT '{HALF}' FROM WHERE '{HALF}'"
    column = cell.index("WHERE") + 1
    [statement] = split_statements(cell)
    error = parse_error(f"Incorrect syntax near the keyword 'WHERE' at line 1, column {column}.")
    message = format_sql_error(error, statement, cell)
    assert len(message) < 2_000
    lines = message.splitlines()
    assert lines[0] == f"SQL error at line 1, column {column}: Incorrect syntax near the " \
        "keyword 'WHERE'"
    quoted, caret = lines[1], lines[2]
    assert quoted.startswith("   1 | …xxx") and quoted.endswith("xxx…")
    assert quoted[caret.index("^"):].startswith("WHERE 'xxx")


def test_a_huge_token_in_the_message_is_cut_and_says_how_much():
    cell = f"SELECT 1 + '{HALF}' x"
    [statement] = split_statements(cell)
    error = parse_error(f"Encountered \"'{HALF}' x\" at line 1, column 12.")
    message = format_sql_error(error, statement, cell)
    assert len(message) < 2_000
    head, more, quoted, caret = message.splitlines()[:4]
    assert (head, more) == ("SQL error at line 1, column 12: Syntax error at",
                            "  \"'" + "x" * 38 + "… (4,999,966 more characters)")
    assert caret == "     |            ^"


def test_a_verbose_trace_is_capped_and_says_how_much_was_cut():
    statement = Statement("SELECT nope", 1, 1, StatementKind.QUERY)
    error = parse_error(f"Incorrect syntax near '{HALF}' at line 1, column 8.")
    message = format_sql_error(error, statement, "SELECT nope", verbose=True)
    assert len(message) <= MAX_TRACE + 2_000
    assert "\tat org.apache.flink.table.planner" in message
    assert re.search(r"… \(4,99\d,\d{3} more characters\)", message)
    long_trace = JavaText(UNKNOWN_COLUMN.replace("\t... 30 more\n", FRAMES * 2_000))
    assert java_error_summary(long_trace)[1].endswith(" more characters of the trace cut)")


CODE_SPLITTER_FAILED = (  # a 1 MB VALUES list, Flink 2.3 (frames and generated code cut)
    "An error occurred while calling o8.executeSql.\n"
    ": java.lang.RuntimeException: JavaCodeSplitter failed. This is a bug. Please file an "
    "issue.\n" + FRAMES
    + "Caused by: java.lang.OutOfMemoryError: Java heap space\n" + FRAMES
)


def test_a_statement_too_large_for_the_code_generator_says_so_in_a_line():
    summary = summary_of(CODE_SPLITTER_FAILED)
    assert summary == CODE_TOO_LARGE
    assert "bug" not in summary and "\n" not in summary


# --- real Flink ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def t_env():
    from pyflink.table import EnvironmentSettings, TableEnvironment

    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.execute_sql(
        "CREATE TABLE nums (k INT, s STRING) WITH ('connector'='datagen','number-of-rows'='5')"
    )
    env.execute_sql("CREATE TABLE sink (a INT) WITH ('connector'='blackhole')")
    return env


def error_for(t_env, cell: str, verbose: bool = False) -> str:
    """Run the cell's statements as the SQL cell does, up to the first error."""
    for statement in split_statements(cell):
        try:
            if statement.kind is StatementKind.QUERY:
                t_env.sql_query(statement.text)
            else:
                t_env.execute_sql(statement.text)
        except Exception as exc:
            return format_sql_error(exc, statement, cell, verbose)
    raise AssertionError("the cell ran without an error")


def caret_target(message: str, cell: str) -> str:
    """The cell text from the caret's line and column on."""
    lines = message.splitlines()
    at = next(i for i, text in enumerate(lines) if re.match(r"^ +\d+ \| ", text))
    quoted, caret = lines[at], lines[at + 1]
    line = int(quoted.split("|")[0])
    assert quoted == f"{line:>4} | " + cell.split("\n")[line - 1]
    column = caret.index("^") - caret.index("|") - 1
    return cell.split("\n")[line - 1][column - 1 :]


def assert_short(message: str) -> None:
    assert "org.apache" not in message
    assert not any(line.lstrip().startswith("at ") for line in message.splitlines())
    assert "Caused by" not in message


@pytest.mark.cluster
def test_real_unknown_column_in_the_second_statement(t_env):
    cell = "SELECT k FROM nums;\n-- now a typo\n   SELECT s,\n      nope FROM nums"
    message = error_for(t_env, cell)
    assert message.startswith("SQL error at line 4, column 7: Column 'nope' not found in any table")
    assert caret_target(message, cell).startswith("nope FROM")
    assert_short(message)


@pytest.mark.cluster
def test_real_unknown_table_mid_line(t_env):
    cell = "SELECT 1; SELECT * FROM missing_t"
    message = error_for(t_env, cell)
    assert message.startswith("SQL error at line 1, column 25: Object 'missing_t' not found")
    assert caret_target(message, cell) == "missing_t"
    assert_short(message)


@pytest.mark.cluster
def test_real_parse_error(t_env):
    cell = "SELECT 1;\nSELECT k\n  + FROM nums"
    message = error_for(t_env, cell)
    assert message.startswith('SQL error at line 3, column 3: Syntax error at "+ FROM"')
    assert caret_target(message, cell).startswith("+ FROM nums")
    assert "Was expecting" not in message
    assert_short(message)


@pytest.mark.cluster
def test_real_type_mismatch(t_env):
    cell = "SELECT k FROM nums;\n  SELECT k + TRUE FROM nums"
    message = error_for(t_env, cell)
    assert message.startswith("SQL error at line 2, column 10: Cannot apply '+'")
    assert caret_target(message, cell).startswith("k + TRUE")
    assert_short(message)


@pytest.mark.cluster
def test_real_bad_option_in_with(t_env):
    cell = (
        "CREATE TEMPORARY TABLE b (a INT) WITH (\n  'connector' = 'datagen',\n"
        "  'number-of-row' = '5', 'password' = 'hunter2');\nSELECT *\n  FROM b"
    )
    message = error_for(t_env, cell)
    assert message.startswith("SQL error in the statement at line 4: Unable to create a source")
    assert "Unsupported options: number-of-row, password (did you mean number-of-rows?)" in message
    assert "   4 | SELECT *" in message
    assert "Supported options" not in message
    assert_short(message)
    assert "hunter2" not in error_for(t_env, "SELECT * FROM b", verbose=True)


@pytest.mark.cluster
def test_real_insert_type_mismatch(t_env):
    message = error_for(t_env, "SELECT 1;\nINSERT INTO sink SELECT s FROM nums")
    assert message.startswith("SQL error in the statement at line 2: Column types of query")
    assert "Incompatible types for sink column 'a'" in message
    assert_short(message)


@pytest.mark.cluster
def test_real_error_inside_sql_client_statement_set(t_env):
    cell = (
        "SELECT 1;\nBEGIN STATEMENT SET; INSERT INTO sink SELECT k FROM nums;\n"
        "INSERT INTO sink SELECT nope FROM nums;\nEND;"
    )
    message = error_for(t_env, cell)  # Flink parsed the rewritten set and validated it
    assert message.startswith("SQL error at line 3, column 25: Column 'nope' not found")
    assert caret_target(message, cell).startswith("nope FROM")
    inline = "BEGIN STATEMENT SET; INSERT INTO sink SELECT nope FROM nums; END;"
    assert caret_target(error_for(t_env, inline), inline).startswith("nope FROM")


@pytest.mark.cluster
def test_real_column_after_an_emoji_counts_characters(t_env):
    cell = "SELECT '\U0001f600 \U0001f600', nope FROM nums"
    assert caret_target(error_for(t_env, cell), cell).startswith("nope FROM")


@pytest.mark.cluster
def test_real_pyflink_wrapped_exception(t_env):
    from pyflink.util.exceptions import CatalogException

    with pytest.raises(CatalogException) as error:
        t_env.execute_sql("USE CATALOG nowhere")
    summary, trace = java_error_summary(error.value)
    assert summary == "A catalog with name [nowhere] does not exist."
    assert "\tat org.apache.flink" in trace
    assert "nowhere" in error_for(t_env, "USE CATALOG nowhere")


@pytest.mark.cluster
def test_real_verbose_adds_the_java_trace(t_env):
    message = error_for(t_env, "SELECT * FROM missing_t", verbose=True)
    assert message.startswith("SQL error at line 1, column 15: Object 'missing_t' not found")
    assert "\tat org.apache.flink" in message


TOO_LARGE = (  # a bounded query's rows read through REST, its last answer over the limit
    "java.lang.RuntimeException: Failed to fetch next result\n" + FRAMES + ""
    "Caused by: java.io.IOException: Failed to fetch job execution result\n" + FRAMES + ""
    "Caused by: org.apache.flink.shaded.netty4.io.netty.handler.codec.TooLongFrameException: "
    "Response entity too large: DefaultHttpResponse(decodeResult: success, version: HTTP/1.1)\n"
    "HTTP/1.1 200 OK\ncontent-type: application/json; charset=UTF-8\n"
    "set-cookie: proxy-session=s3cr3t-cookie\naccess-control-allow-origin: *\n" + FRAMES
)


def test_an_answer_over_the_rest_limit_names_the_option_and_no_header_is_shown():
    summary, trace = java_error_summary(JavaText(TOO_LARGE))
    assert "Response entity too large: the cluster's answer is over " \
           "rest.client.max-content-length" in summary
    assert "HTTP/1.1" not in summary and "content-type" not in summary
    assert "s3cr3t-cookie" not in summary and "s3cr3t-cookie" not in trace
    assert "set-cookie: ********" in trace and "DefaultHttpResponse" in trace


@pytest.mark.cluster
def test_real_10_mb_statement_with_a_syntax_error_gives_a_short_error_with_a_caret(shell):
    from IPython.core.error import UsageError

    cell = f"SELECT '{HALF}' AS a FROM WHERE '{HALF}'"
    with pytest.raises(UsageError) as caught:
        shell.run_cell_magic("flink_sql", "", cell)
    message = str(caught.value)
    assert len(message) < 4_000
    assert message.startswith(f"SQL error at line 1, column {cell.index('WHERE') + 1}: ")
    lines = message.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("   1 | "))
    quoted, caret = lines[at], lines[at + 1]
    assert quoted[caret.index("^"):].startswith("WHERE 'xxx"), message
    shell.run_cell_magic("flink_sql", "-o after", "SELECT 1 AS x")  # the kernel goes on
    assert shell.user_ns["after"]["x"].tolist() == [1]


def test_the_quoted_line_and_the_message_are_masked_and_the_caret_still_points():
    """A secret Calcite quotes (an unquoted value) and the line under the caret: masked, and
    the caret under the same token of the masked line."""
    cell = "CREATE TABLE t (a INT)\nWITH ('password' = hunter2x15, 'b' = x)"
    statement = split_statements(cell)[0]
    error = JavaText(
        "An error occurred while calling o8.executeSql.\n"
        ": org.apache.flink.table.api.SqlParserException: SQL parse failed. Encountered "
        '"hunter2x15" at line 2, column 20.\nWas expecting one of:\n    <QUOTED_STRING> ...\n'
        + FRAMES)
    for verbose in (False, True):
        message = format_sql_error(error, statement, cell, verbose)
        assert "hunter2x15" not in message
        lines = message.splitlines()
        assert lines[0] == 'SQL error at line 2, column 20: Syntax error at "********"'
        assert lines[1] == "   2 | WITH ('password' = ********, 'b' = x)"
        assert lines[2].index("^") == lines[1].index("********")


# --- syntax errors said better (issue 32) ----------------------------------------------

NON_QUERY = (  # SELEC 1, Flink 2.3: no position, no expected tokens
    "An error occurred while calling o8.sqlQuery.\n"
    ": org.apache.flink.table.api.SqlParserException: SQL parse failed. Non-query expression "
    "encountered in illegal context\n" + FRAMES
    + "Caused by: org.apache.calcite.sql.parser.SqlParseException: Non-query expression "
    "encountered in illegal context\n" + FRAMES
    + "Caused by: org.apache.calcite.runtime.CalciteException: Non-query expression "
    "encountered in illegal context\n" + FRAMES
)


def encountered(token: str, line: int, column: int, *expected: str) -> JavaText:
    """A parse error as Flink 2.3 words it, with Calcite's whole listing."""
    listing = "".join(f"    {token} ...\n" if not token.startswith("<EOF") else f"    {token} \n"
                      for token in expected)
    message = (f'Encountered "{token}" at line {line}, column {column}.\n'
               f"Was expecting one of:\n{listing}    \n")
    return JavaText(
        "An error occurred while calling o8.sqlQuery.\n"
        f": org.apache.flink.table.api.SqlParserException: SQL parse failed. {message}"
        + FRAMES + f"Caused by: org.apache.calcite.sql.parser.SqlParseException: {message}"
        + FRAMES)


#: What Flink 2.3 expects after SELECT * FRM (FRM read as an alias), in its order.
AFTER_ALIAS = ('<EOF>', '"EXCEPT"', '"FETCH"', '"FROM"', '"INTERSECT"', '"LIMIT"',
               '"OFFSET"', '"ORDER"', '"MINUS"', '"UNION"', '";"', '","')


def test_a_statement_that_starts_with_no_statement_word_is_named_with_a_caret_and_a_guess():
    cell = "SELEC 1"
    [statement] = split_statements(cell)
    assert format_sql_error(JavaText(NON_QUERY), statement, cell).splitlines() == [
        "SQL error at line 1, column 1: SELEC is not a statement: did you mean SELECT?",
        "   1 | SELEC 1",
        "     | ^",
        "Expected: SELECT, INSERT, CREATE, WITH, SHOW, …",
        "(add --verbose to the magic line for the Java trace)",
    ]
    cell = "foo bar"
    [statement] = split_statements(cell)
    assert format_sql_error(JavaText(NON_QUERY), statement, cell).splitlines()[:3] == [
        "SQL error at line 1, column 1: foo is not a statement",
        "   1 | foo bar",
        "     | ^",
    ]


def test_a_misspelt_query_word_after_a_statement_word_is_found():
    cell = "EXPLAIN SELEC 1"
    [statement] = split_statements(cell)
    message = format_sql_error(JavaText(NON_QUERY), statement, cell)
    assert message.splitlines()[:4] == [
        "SQL error at line 1, column 9: SELEC is not a keyword: did you mean SELECT?",
        "   1 | EXPLAIN SELEC 1",
        "     |         ^",
        "Expected: SELECT, WITH or VALUES",
    ]


def test_a_misspelt_keyword_before_the_spot_gets_the_caret_and_the_keyword():
    cell = "SELECT * FRM t"
    [statement] = split_statements(cell)
    error = encountered("t", 1, 14, *AFTER_ALIAS)
    assert format_sql_error(error, statement, cell).splitlines() == [
        "SQL error at line 1, column 10: FRM is not a keyword: did you mean FROM?",
        "   1 | SELECT * FRM t",
        "     |          ^",
        "Expected: FROM, ORDER, LIMIT, OFFSET, UNION, …",
        "(add --verbose to the magic line for the Java trace)",
    ]


def test_the_line_is_the_cells_after_comments_blank_lines_and_other_statements():
    cell = "-- totals\n\n/* then */ SELECT a,\n  b FRM t;\nSELECT 2"
    statement = split_statements(cell)[0]
    error = encountered("t", 2, 9, *AFTER_ALIAS)  # line 2 of the statement's text
    lines = format_sql_error(error, statement, cell).splitlines()
    assert lines[:3] == [
        "SQL error at line 4, column 5: FRM is not a keyword: did you mean FROM?",
        "   4 |   b FRM t;",
        "     |     ^",
    ]
    cell = "SELECT 1;\n-- a typo below\nSELEC\n  2"
    statement = split_statements(cell)[1]
    assert format_sql_error(JavaText(NON_QUERY), statement, cell).splitlines()[:3] == [
        "SQL error at line 3, column 1: SELEC is not a statement: did you mean SELECT?",
        "   3 | SELEC",
        "     | ^",
    ]


def test_expected_tokens_are_the_most_used_few_then_an_ellipsis():
    error = encountered("a", 1, 22, "<EOF>", '"CROSS"', '"EXCEPT"', '"FETCH"', '"FULL"',
                        '"GROUP"', '"HAVING"', '"INNER"', '"INTERSECT"', '"JOIN"', '"LEFT"',
                        '"LIMIT"', '"ORDER"', '"WHERE"', '"WINDOW"', '"("', '";"', '","')
    cell = "SELECT * FROM t WHER a > 1"
    [statement] = split_statements(cell)
    lines = format_sql_error(error, statement, cell).splitlines()
    assert lines[0] == "SQL error at line 1, column 17: WHER is not a keyword: did you mean WHERE?"
    assert lines[3] == "Expected: WHERE, GROUP, ORDER, HAVING, LIMIT, …"
    # No word to guess from: Flink's message, the most used first, identifiers as one.
    cell = "SELECT a FROM t GROUP a"
    [statement] = split_statements(cell)
    lines = format_sql_error(encountered("a", 1, 23, '"BY"'), statement, cell).splitlines()
    assert lines[0] == 'SQL error at line 1, column 23: Syntax error at "a"'
    assert lines[3] == "Expected: BY"
    identifiers = ("<IDENTIFIER>", "<QUOTED_IDENTIFIER>", "<BACK_QUOTED_IDENTIFIER>")
    summary = summary_of(encountered("+", 1, 10, *identifiers, '"ABS"', '"ARRAY"', '"CASE"',
                                     '"CAST"', '"NULL"', '"SELECT"', "<EOF>"))
    assert summary.splitlines()[1] == "Expected: an identifier, ABS, ARRAY, CASE, CAST, …"


LONG_CAUSE = (
    "An error occurred while calling o8.executeSql.\n"
    ": org.apache.flink.table.api.ValidationException: Unable to create a source for reading "
    "table 'default_catalog.default_database.a_table_with_a_rather_long_name_indeed'. The "
    "ArithmeticException happened because %flink_config said something-hyphenated-and-long "
    "about /a/path/that/is/long/enough/to/matter/when/wrapped.csv at the very end.\n" + FRAMES
)


def test_long_messages_are_wrapped_at_words_and_no_word_is_split():
    cell = "SELECT *\n  FROM a_table_with_a_rather_long_name_indeed"
    [statement] = split_statements(cell)
    message = format_sql_error(JavaText(LONG_CAUSE), statement, cell)
    lines = message.splitlines()
    assert len(lines[0]) + len("UsageError: ") <= 100
    assert all(len(line) <= 100 for line in lines)
    words = set(message.split())
    said = LONG_CAUSE.split("ValidationException: ", 1)[1].split("\n", 1)[0]
    assert [word for word in said.split() if word not in words] == []  # each one whole
    assert lines[-2] == "   1 | SELECT *"  # the quoted line is not part of any wrap


def test_a_quoted_line_and_its_caret_are_never_wrapped():
    cell = "SELECT " + ", ".join(f"column_{i}" for i in range(6)) + " nope_missing FROM t"
    [statement] = split_statements(cell)
    column = cell.index("nope") + 1
    error = JavaText(UNKNOWN_COLUMN.replace("line 1, column 8 to line 1, column 11",
                                            f"line 1, column {column} to line 1, column 99"))
    lines = format_sql_error(error, statement, cell).splitlines()
    assert lines[1] == f"   1 | {cell}"
    assert lines[1][lines[2].index("^"):].startswith("nope_missing")
    # However long (a quoted line is cut to fit; a caret line never is): kept whole.
    quoted = f"  12 | {'x ' * 80}"
    caret = f"     | {' ' * 150}^"
    text = f"head\n{quoted}\n{caret}\n{'word ' * 40}"
    wrapped = wrap_message(text).splitlines()
    assert wrapped[1:3] == [quoted, caret]
    assert len(wrapped) > 4 and all(len(line) <= 100 for line in wrapped[3:])


# --- a runtime failure is said once ----------------------------------------------------

ZEROS = ("CREATE TEMPORARY TABLE zeros (k INT) WITH ('connector' = 'datagen', "
         "'number-of-rows' = '3', 'fields.k.min' = '0', 'fields.k.max' = '0')")


@pytest.mark.cluster
def test_a_job_that_fails_at_run_time_is_said_once_in_the_cells_outputs(tmp_path):
    """Issue 32: the job's view said why it failed, and the cell's error said it again. In a
    kernel, as JupyterLab runs it (the widget view, IPython's UsageError on stderr): the
    view says why, the error points at it, and a headless run's summary says why."""
    import io

    import nbformat

    from flink_notebook.cli.run import run_notebook

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in (
        "%load_ext flink_notebook", f"%%flink_sql\n{ZEROS}",
        "%%flink_sql\nSELECT 10 / k AS q FROM zeros")]
    path = tmp_path / "fails.ipynb"
    nbformat.write(notebook, path)
    out = io.StringIO()
    assert run_notebook(path, stream=out, output=tmp_path / "done.ipynb") == 1
    summary = next(line for line in out.getvalue().splitlines() if line.startswith("[ 3]"))
    assert re.search(r"error: UsageError: Job SELECT 10 / k AS q FROM zeros \([0-9a-f]{32}\) "
                     r"failed: ArithmeticException: / by zero$", summary), summary
    outputs = nbformat.read(tmp_path / "done.ipynb", as_version=4).cells[2].outputs
    said = [output.get("text", "") + output.get("evalue", "")
            + output.get("data", {}).get("text/plain", "") for output in outputs]
    assert sum(text.count("/ by zero") for text in said) == 1, said  # the view's
    error = next(text for text in said if text.startswith("UsageError: "))
    assert "see its view above" in " ".join(error.split()) and "by zero" not in error
    assert all(len(line) <= 100 for line in error.splitlines())  # IPython's prefix too


def test_a_failed_jobs_error_points_at_its_view_and_gives_the_trace_when_asked():
    from flink_notebook.core.errors import first_line, job_failed

    label = f"INSERT INTO sink SELECT 10 / k FROM zeros ({'3f2a' * 8})"
    quiet = str(job_failed(label, "java.lang.ArithmeticException: / by zero\n\tat X.y(X.java:1)"))
    assert first_line(quiet) == (f"Job {label} failed: see its view above (add --verbose to the "
                                 "magic line for the Java trace).")
    assert "by zero" not in quiet and all(len(line) <= 100 for line in quiet.splitlines())
    loud = str(job_failed(label, "java.lang.ArithmeticException: / by zero\n\tat X.y(X.java:1)",
                          verbose=True))
    assert first_line(loud) == f"Job {label} failed: see its view above."
    assert loud.endswith("\n\njava.lang.ArithmeticException: / by zero\n\tat X.y(X.java:1)")


def test_show_with_a_word_it_does_not_take_names_the_word_and_what_show_takes():
    """Calcite points at SHOW and lists what an expression may start with."""
    error = JavaText(
        "An error occurred while calling o8.executeSql.\n"
        ": org.apache.flink.table.api.SqlParserException: SQL parse failed. Incorrect syntax "
        "near the keyword 'SHOW' at line 1, column 1.\nWas expecting one of:\n"
        '    "ABS" ...\n    "ARRAY" ...\n    <IDENTIFIER> ...\n    \n' + FRAMES)
    cell = "SELECT 1;\nSHOW DATABSES"
    statement = split_statements(cell)[1]
    assert format_sql_error(error, statement, cell).splitlines()[:4] == [
        "SQL error at line 2, column 6: SHOW DATABSES is not a statement: did you mean DATABASES?",
        "   2 | SHOW DATABSES",
        "     |      ^",
        "Expected: TABLES, DATABASES, CATALOGS, FUNCTIONS, VIEWS, …",
    ]


def test_a_parse_error_without_a_position_keeps_flinks_message_at_the_statements_start():
    error = JavaText(NON_QUERY.replace("Non-query expression encountered in illegal context",
                                      "Something else went wrong"))
    cell = "SELECT 1;\n  SELECT SELEC 2"
    statement = split_statements(cell)[1]
    assert format_sql_error(error, statement, cell).splitlines()[:3] == [
        "SQL error at line 2, column 3: Something else went wrong",
        "   2 |   SELECT SELEC 2",
        "     |   ^",
    ]
