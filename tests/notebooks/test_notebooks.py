"""The shipped notebooks run headless, start to end, and produce what they promise."""

from __future__ import annotations

import io
from pathlib import Path

import nbformat
import pytest
from saved_views import ended_views, ended_views_that_disagree

from flink_notebook.cli.run import run_notebook

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"


def outputs_text(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(str(output.get("text", "")))
            parts.extend(str(v) for v in output.get("data", {}).values())
    return "\n".join(parts)


@pytest.mark.cluster
def test_quickstart(tmp_path):
    out, done = io.StringIO(), tmp_path / "quickstart.ipynb"
    assert run_notebook(NOTEBOOKS / "01-quickstart.ipynb", stream=out, output=done) == 0, (
        out.getvalue()
    )
    notebook = nbformat.read(done, as_version=4)
    text = outputs_text(notebook)
    assert "FINISHED" in text  # the bounded query
    # Each ended view says so everywhere: no graph box or operator row still RUNNING.
    assert ended_views(notebook) >= 2 and not ended_views_that_disagree(notebook)
    assert "CANCELED" in text  # the live query stopped by --timeout, the detached job
    assert "all cells ran" in out.getvalue()


def test_notebooks_are_stored_without_outputs():
    for path in NOTEBOOKS.glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name
