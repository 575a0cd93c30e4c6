"""``%%flink_deploy`` and ``%flink_deploy`` refuse what they cannot do in one line, before
Flink starts."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError


@pytest.mark.parametrize(("line", "cell", "said"), [
    ("orders", "CREATE TABLE t (n INT) WITH ('connector'='datagen')",
     "%%flink_deploy needs one INSERT or statement set in the cell (BEGIN STATEMENT SET; ... "
     "END; for several), found 0."),
    ("orders", "INSERT INTO a SELECT 1; INSERT INTO b SELECT 2",
     "%%flink_deploy needs one INSERT or statement set in the cell (BEGIN STATEMENT SET; ... "
     "END; for several), found 2."),
    ("orders", "INSERT INTO a SELECT 1;\nSELECT 1",
     "%%flink_deploy runs one INSERT or statement set (with the CREATE and SET statements it "
     "needs); line 2 is 'SELECT 1'."),
    ("../orders", "INSERT INTO a SELECT 1",
     "A deployment's name is letters, digits, '_', '.' and '-' (at most 64, starting with a "
     "letter or digit), got '../orders'."),
    ("a b", "INSERT INTO a SELECT 1", "%%flink_deploy NAME [--target per-job|remote]: one name."),
])
def test_a_cell_it_cannot_deploy_is_one_line(shell, line, cell, said):
    with pytest.raises(UsageError) as raised:
        shell.run_cell_magic("flink_deploy", line, cell)
    assert str(raised.value) == said


def test_a_target_other_than_per_job_or_remote_is_refused(shell):
    with pytest.raises(UsageError, match="invalid choice: 'local'"):
        shell.run_cell_magic("flink_deploy", "orders --target local", "INSERT INTO a SELECT 1")


@pytest.mark.parametrize("line", ["", "lst", "show", "stop", "list x", "show a b"])
def test_a_line_it_does_not_know_says_the_usage(shell, line):
    with pytest.raises(UsageError) as raised:
        shell.run_line_magic("flink_deploy", line)
    assert "list | show NAME | stop NAME [--savepoint]" in str(raised.value) or \
        "the following arguments are required" in str(raised.value)


def test_allow_state_loss_goes_with_upgrade(shell):
    with pytest.raises(UsageError, match=r"^--allow-state-loss goes with --upgrade\.$"):
        shell.run_cell_magic("flink_deploy", "orders --allow-state-loss",
                             "INSERT INTO a SELECT 1")


@pytest.mark.parametrize(("run", "line"), [
    ("cell", "no_such_one --upgrade"),
    ("line", "rollback no_such_one"),
    ("line", "history no_such_one"),
])
def test_a_name_that_does_not_exist_lists_the_names(shell, run, line):
    with pytest.raises(UsageError, match=r"^No deployment named 'no_such_one' \(known: "):
        if run == "cell":
            shell.run_cell_magic("flink_deploy", line, "INSERT INTO a SELECT 1")
        else:
            shell.run_line_magic("flink_deploy", line)


@pytest.mark.parametrize("action", ["upgrade", "rollback"])
def test_upgrade_and_rollback_on_the_command_line_say_to_use_the_notebook(action, capsys):
    from flink_notebook.cli import main

    assert main(["deploy", action, "orders"]) == 2
    said = capsys.readouterr().err.strip()
    assert said.startswith(f"deploy {action} runs in a notebook") and "\n" not in said
