"""The teaching notebooks run headless, start to end, and teach what they say they do.

Each notebook runs in a fresh kernel through ``flink-notebook run``'s runner; the
assertions read what its cells printed.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import nbformat
import pytest
from saved_views import ended_views_that_disagree

from flink_notebook.cli.run import run_notebook

pytestmark = pytest.mark.cluster

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"


def execute(name: str, tmp_path: Path) -> str:
    """Run the notebook; return the text of all its outputs. Fails with the runner's log."""
    log, done = io.StringIO(), tmp_path / name
    assert run_notebook(NOTEBOOKS / name, output=done, stream=log) == 0, log.getvalue()
    parts, notebook = [], nbformat.read(done, as_version=4)
    # Each ended view says so everywhere: no graph box or operator row still RUNNING.
    assert not ended_views_that_disagree(notebook), name
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(str(output.get("text", "")))
            parts.extend(str(v) for v in output.get("data", {}).values())
    return "\n".join(parts)


def test_streaming_sql(tmp_path):
    text = execute("02-streaming-sql.ipynb", tmp_path)
    assert "*ROWTIME*" in text  # the event-time attribute
    assert "6 tumbling windows, clicks per window: [10]" in text
    assert "13 hopping windows holding 120 clicks" in text
    assert "the last 10 clicks of user 1 are kept" in text  # append view, --max-rows 10
    assert "5 users, one row each" in text  # update view: retractions applied
    assert "row kinds seen: ['+U', '-U']" in text  # changelog view
    assert "CANCELED" in text  # the live queries ended by --timeout
    # The windows' and the per-user bar charts, kept as static SVG in the saved outputs.
    assert text.count("<div class='flink-chart'><svg") >= 4
    assert "bar chart of clicks by window_start: 6 points, clicks 10 to 10" in text
    # nbconvert's HTML draws the saved widget state: each chart's Output holds its SVG.
    from nbconvert import HTMLExporter

    page, _ = HTMLExporter().from_filename(str(tmp_path / "02-streaming-sql.ipynb"))
    assert len(re.findall(r'"image\\?/svg\+xml": "<svg', page)) >= 4  # "/" may be escaped


def test_python_api(tmp_path):
    text = execute("03-python-api.ipynb", tmp_path)
    assert "{'large': 2, 'small': 4}" in text  # the Python UDF, called from SQL
    assert "of 200 readings are above 20" in text  # a SQL table read in Python
    assert "top words: to=4, be=2, not=2" in text  # DataStream word count, queried in SQL
    assert "doubling FINISHED" in text  # env.execute through the executor


def test_executors(tmp_path):
    text = execute("04-executors.ipynb", tmp_path)
    assert "target: local | attached: True | parallelism: 2" in text
    assert "per-job  a dedicated local Flink cluster per job" in text
    assert "500 sales in 4 regions, computed on a dedicated cluster" in text  # per-job attached
    assert "status: FINISHED" in text  # the detached per-job job, stopped with a savepoint
    assert "counts continued from the savepoint: True" in text
    # A detached handle comes back once Flink accepted the job: it may not run yet.
    assert re.search(r"(INITIALIZING|CREATED|RUNNING) -> CANCELED", text), text
    assert "500 sales counted on the session cluster" in text  # %flink_cluster + remote
    assert "cancelled through the attached handle: CANCELED" in text  # %flink_attach
    assert "Stopped cluster-" in text


def test_lesson_windows(tmp_path):
    text = execute("05-lesson-windows.ipynb", tmp_path)
    for exercise in ("exercise 1: 6 rows", "exercise 2: 12 rows", "exercise 3: 7 rows"):
        assert f"✓ {exercise}, as expected" in text  # teaching.check, then %flink_check
    # The wrong answer's verdict, shown without stopping the run.
    assert "✗ exercise 1 (first three windows only): 3 rows missing (expected 6 rows, " \
           "your result has 3)\n  missing: (window_start=2024-03-01 08:" in text
    assert "windows closed in 12 seconds" in text  # the live stream's windows
    assert "bar chart of rides by window_end" in text  # drawn while the watermark closed them
    assert "bar chart of revenue by window_start, per zone" in text
