"""How a magic's line is split and read: as a shell would, quotes grouping words and
removed, a backslash kept (pure: no Flink)."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from flink_notebook.cells.notebook import Notebook
from flink_notebook.magics.options import cell_arguments, cell_request, parse_options, split_line


@cell_arguments
def cell(line: str, cell: str) -> None:
    """A magic with the cell options, as %%flink_sql and %%flink have them."""


def request(line: str):
    return cell_request(parse_options(cell, line))


@pytest.mark.parametrize("line, words", [
    ("--name 'my job' -o out", ["--name", "my job", "-o", "out"]),
    ("-D pipeline.name='a b' -D \"k=v w\"", ["-D", "pipeline.name=a b", "-D", "k=v w"]),
    (r"--from-savepoint C:\savepoints\sp-1", ["--from-savepoint", r"C:\savepoints\sp-1"]),
    ("--template \"<h2 class='n'>{total}</h2>\"", ["--template", "<h2 class='n'>{total}</h2>"]),
    ("-D a=#not-a-comment", ["-D", "a=#not-a-comment"]),
    ("", []),
])
def test_a_line_is_split_as_a_shell_does_but_keeps_backslashes(line, words):
    assert split_line(line) == words


def test_quoted_values_reach_the_configuration_without_their_quotes():
    made = request("--name 'my job' -D 'execution.target=remote' -D rest.address='h'")
    assert made.options["pipeline.name"] == "my job"
    assert made.options["execution.target"] == "remote"  # not the key "'execution.target"
    assert made.options["rest.address"] == "h"
    card = request("--mode single --template '<b>{n}</b> rows'")
    assert card.template == "<b>{n}</b> rows"


def test_an_unclosed_quote_is_a_short_error_naming_the_line():
    with pytest.raises(UsageError, match="A quote is not closed in the options: --name 'my"):
        request("--name 'my job")


def test_an_unknown_option_is_a_usage_error():
    with pytest.raises(UsageError, match="unrecognized arguments: --nope"):
        request("--nope")


def test_flink_config_reads_quoted_values(shell):
    shell.run_line_magic("flink_config", "pipeline.name='a b'")
    configuration = Notebook.current().configuration
    try:
        assert configuration.get("pipeline.name") == "a b"
    finally:
        configuration.unset("pipeline.name")


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "soon"])
def test_a_timeout_is_a_positive_number_of_seconds(value):
    with pytest.raises(UsageError, match=f"--timeout: expects a positive number of seconds, "
                                         f"got '{value}'") as refused:
        request(f"--timeout {value}")
    assert "\n" not in str(refused.value)


def test_a_valid_timeout_reaches_the_request():
    assert request("--timeout 2.5").timeout == 2.5


def test_our_errors_are_said_in_one_line_not_as_a_traceback(shell, capsys):
    """IPython says a UsageError in one line only when its type is exactly UsageError; the
    subclasses code branches on (here Unreachable) reach the notebook as one."""
    from flink_notebook.core.errors import Unreachable

    result = shell.run_cell("%%flink_sql --target remote -D rest.address=127.0.0.1 "
                            "-D rest.port=1\nSELECT 1")

    error = result.error_in_exec
    assert type(error) is UsageError and str(error).startswith("Cannot reach the Flink")
    said = capsys.readouterr()
    assert "Traceback" not in said.out + said.err and Unreachable.__name__ not in said.out
    assert said.err.startswith("UsageError: Cannot reach the Flink cluster at")
