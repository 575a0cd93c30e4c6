"""The command line: `flink-notebook run` on a notebook, --version, bad paths."""

from __future__ import annotations

import io
import subprocess
import sys

import nbformat

from flink_notebook import __version__
from flink_notebook.cli import main
from flink_notebook.runner import run_notebook


def notebook(tmp_path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


def test_run_prints_a_line_per_cell_and_stops_at_an_error(tmp_path):
    path = notebook(tmp_path, "print('hello')",
                    "import pandas as pd\npd.DataFrame({'a': [1, 2, 3]})", "1/0", "print('never')")
    out = io.StringIO()
    assert run_notebook(path, stream=out, output=tmp_path / "done.ipynb") == 1
    text = out.getvalue()
    assert "printed 'hello'" in text
    assert "table of 3 rows" in text
    assert "error: ZeroDivisionError: division by zero" in text
    assert "never" not in text
    assert (tmp_path / "done.ipynb").is_file()


def test_cli_exit_codes(tmp_path, capsys):
    assert main(["run", str(tmp_path / "missing.ipynb")]) == 2
    assert "No notebook at" in capsys.readouterr().err
    path = notebook(tmp_path, "x = 1")
    done = subprocess.run([sys.executable, "-m", "flink_notebook", "run", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all cells ran" in done.stdout


def test_version():
    done = subprocess.run([sys.executable, "-m", "flink_notebook", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == f"flink-notebook {__version__}"
