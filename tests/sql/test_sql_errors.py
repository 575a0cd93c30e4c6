"""Short error messages and SQL errors located in the cell.

The texts below were captured from Flink 2.3 (frames trimmed); the cluster
tests get the same errors from a real TableEnvironment.
"""

from __future__ import annotations

import re

import pytest

from flink_notebook.core.errors import CODE_TOO_LARGE, MAX_TRACE, java_error_summary
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
        'Syntax error at "+ FROM"\nExpected: "AS", "FROM" or the end of the statement')


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
    assert message.splitlines()[:2] == [
        "SQL error in the statement at line 2: Table (or view) default_database.nums already "
        "exists in Catalog default_catalog.",
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
    assert message.splitlines()[0].endswith(" more characters)")
    assert message.splitlines()[2] == "     |            ^"


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
        assert lines[2] == "   2 | WITH ('password' = ********, 'b' = x)"
        assert lines[3].index("^") == lines[2].index("********")
