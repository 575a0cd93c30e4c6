"""Files cells read: SQL files for ``-f``, ``%flink_sql_file`` and ``notebook.init-sql``,
and ``%flink_run``'s program (pure: a file that cannot be read stops before any Flink)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from IPython.core.error import UsageError

from flink_notebook.cells.scripts import read_sql_file, run_init_sql
from flink_notebook.core.config import Configuration


@pytest.fixture
def latin1(tmp_path):
    path = tmp_path / "caf\u00e9.sql"
    path.write_bytes("SELECT 1;\n-- caf\u00e9\nSELECT 2;\n".encode("latin-1"))
    return path


def test_a_file_that_is_not_utf8_is_one_line_naming_it_and_where(latin1):
    with pytest.raises(UsageError) as refused:
        read_sql_file(str(latin1))
    message = str(refused.value)
    assert message == (f"{latin1} is not UTF-8 text: line 2, column 7 holds byte 0xe9. "
                       "Save it as UTF-8.")


def test_a_non_utf8_init_sql_file_is_reported_and_the_session_goes_on(latin1, tmp_path,
                                                                        capsys):
    missing = tmp_path / "missing.sql"
    session = SimpleNamespace(init_sql_run=set(), configuration=Configuration(
        {"notebook": {"notebook.init-sql": f"{latin1},{missing}"}}))
    run_init_sql(session)  # does not raise: the user's cell runs on
    err = capsys.readouterr().err
    assert f"notebook.init-sql: {latin1} is not UTF-8 text: line 2" in err
    assert f"notebook.init-sql: No SQL file at '{missing}'" in err  # the next file is tried


def test_a_program_that_is_not_utf8_is_a_syntax_error_naming_its_line(tmp_path):
    """As ``python program.py`` says it (a coding cookie is honoured), not a
    UnicodeDecodeError from reading the file."""
    from flink_notebook.cells.python import _exec_program

    program = tmp_path / "job.py"
    program.write_bytes('x = 1\ns = "caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(SyntaxError) as refused:
        _exec_program(str(program), [])
    assert (refused.value.filename, refused.value.lineno) == (str(program), 2)
    assert "can't decode byte 0xe9" in refused.value.msg
    program.write_bytes('# -*- coding: latin-1 -*-\nimport sys\nsys.exit("caf\u00e9")\n'
                        .encode("latin-1"))
    assert _exec_program(str(program), []) == "caf\u00e9"


@pytest.mark.cluster
def test_flink_run_runs_a_program_with_a_coding_cookie(shell, tmp_path):
    """The program's text kept for its errors is read as Python reads it (its coding
    cookie): a latin-1 program runs, not a UnicodeDecodeError before it starts."""
    program = tmp_path / "latin1_program.py"
    program.write_bytes('# -*- coding: latin-1 -*-\n# caf\u00e9\nDONE = True\n'
                        .encode("latin-1"))
    shell.run_line_magic("flink_run", str(program))  # raises on the old code
