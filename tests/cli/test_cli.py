"""The command line: `flink-notebook run`, --version, sub-commands, bad paths."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from flink_notebook import __version__
from flink_notebook.cli import main


def flink_notebook(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "flink_notebook", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_run_in_the_notebooks_folder_and_save_it(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "data.txt").write_text("from the notebook's folder\n")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("print(open('data.txt').read())")]
    nbformat.write(notebook, folder / "tiny.ipynb")

    done = flink_notebook("run", "work/tiny.ipynb", "--output", "out.ipynb", cwd=tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    assert 'stdout: "from the notebook\'s folder"' in done.stdout
    assert done.stdout.splitlines()[-1].startswith("tiny.ipynb: 1 code cells, all cells ran, ")
    assert done.stderr == ""  # no kernel chatter
    saved = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert saved.cells[0].outputs[0]["text"] == "from the notebook's folder\n\n"


def test_a_missing_notebook_exits_2_saying_so(tmp_path, capsys):
    assert main(["run", str(tmp_path / "missing.ipynb")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("flink-notebook: No notebook at ")
    assert "missing.ipynb" in err
    assert "Traceback" not in err


def test_version():
    done = flink_notebook("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"flink-notebook {__version__}"


def test_sub_commands(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    usage = capsys.readouterr().out
    assert "{run,lab,cluster,deploy,class-archive}" in usage
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    assert "required: command" in capsys.readouterr().err
