"""Secrets never reach a saved notebook: a notebook that sets, shows and trips over secret
options is executed headless as a user would (``flink-notebook run``), and the file it saves
holds the mask, never a value."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

pytestmark = pytest.mark.cluster

TABLE_SECRET = "hunter2-in-ddl"
SET_SECRET = "jaas-in-set"
CELL_SECRET = "token-in-cell-option"


def test_a_saved_notebook_holds_no_secret_value(tmp_path):
    cells = (
        "%load_ext flink_notebook",
        "%%flink_sql\nCREATE TEMPORARY TABLE creds (a INT) WITH ('connector' = 'datagen', "
        f"'number-of-rows' = '3', 'password' = '{TABLE_SECRET}')",
        "%%flink_sql\nSHOW CREATE TABLE creds",
        f"%%flink_sql\nSET 'properties.sasl.jaas.config' = '{SET_SECRET}'",
        "%%flink_sql -o options\nSET;",
        "options[options['key'] == 'properties.sasl.jaas.config']",
        "%flink_config",
        # datagen has no 'password' option: the error names the key, never the value
        f"%%flink_sql -D rest.auth.token={CELL_SECRET}\nSELECT * FROM creds",
    )
    path = tmp_path / "secrets.ipynb"
    nbformat.write(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in cells]), path)
    saved = tmp_path / "saved.ipynb"
    done = subprocess.run([sys.executable, "-m", "flink_notebook", "run", str(path),
                           "--output", str(saved)], capture_output=True, text=True, timeout=600)
    log = done.stdout + done.stderr
    assert done.returncode == 1 and "stopped at cell 8 of 8" in log, log
    notebook = nbformat.read(saved, 4)
    outputs = "".join(str(cell.get("outputs", "")) for cell in notebook.cells)
    assert "Unsupported options" in outputs and "password" in outputs  # the error was shown
    assert "'password' = '********'" in outputs  # SHOW CREATE TABLE, as the gateway shows it
    assert outputs.count("********") >= 3  # SET's echo, SET;'s listing, the form and table
    for cell in notebook.cells:  # the sources are the user's own; all else is ours
        cell.source = ""
    everything_else = nbformat.writes(notebook)  # outputs, widget state, metadata
    for secret in (SET_SECRET, TABLE_SECRET, CELL_SECRET):
        assert secret in saved.read_text()  # the sources were saved as written
        assert secret not in everything_else
