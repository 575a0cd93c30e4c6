"""Charts and cards of real streams on the embedded cluster: the options checked before a
job starts, the live widget's data and message rate, the static SVG of the final state,
and ``job.chart()`` on a handle."""

from __future__ import annotations

import pytest
from handles import added_since, jobs_now
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output
from waiting import until

from flink_notebook.cells.notebook import Notebook
from flink_notebook.display.poller import JobPoller

pytestmark = pytest.mark.cluster

TICKS = """
CREATE TEMPORARY TABLE IF NOT EXISTS chart_ticks (k INT, amount DOUBLE, s STRING,
  ts AS LOCALTIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.k.min' = '1', 'fields.k.max' = '5', 'fields.amount.min' = '1',
  'fields.amount.max' = '9', 'fields.s.length' = '3')
"""


@pytest.fixture(scope="module")
def ticks(shell):
    shell.run_cell_magic("flink_sql", "", TICKS)


@pytest.mark.parametrize("line, says", [
    ("--chart bar x=nope y=cnt", "the query has no column 'nope'; its columns are k, cnt"),
    ("--chart pie x=k y=cnt", "the kinds are line, bar, area, scatter, heatmap"),
    ("--chart bar x=k y=s", "'s' is not a number (VARCHAR); the numeric columns are k, cnt"),
    ("--mode single --template '{total}'", "--template names {total}"),
    ("--template '{cnt}'", "add --mode single"),
])
def test_bad_chart_options_fail_before_a_job_starts(shell, ticks, line, says):
    before = jobs_now()
    with pytest.raises(UsageError) as raised:
        shell.run_cell_magic("flink_sql", line,
                             "SELECT k, COUNT(*) AS cnt, MAX(s) AS s FROM chart_ticks GROUP BY k")
    assert says in str(raised.value)
    assert added_since(before) == []


def test_a_chart_on_an_insert_says_it_needs_a_query(shell, ticks):
    with pytest.raises(UsageError, match="draws a query's rows; this cell's insert"):
        shell.run_cell_magic("flink_sql", "--chart bar x=k y=k",
                             "INSERT INTO chart_sink SELECT k FROM chart_ticks")


def test_the_live_chart_of_an_updating_query_redraws_its_table_within_the_message_budget(
        shell, ticks):
    from flink_notebook.display.renderers.widget import WidgetRenderer

    shell.run_cell_magic("flink_sql", "--detached -o j --chart bar x=k y=cnt",
                         "SELECT k, COUNT(*) AS cnt FROM chart_ticks GROUP BY k")
    job = shell.user_ns["j"]
    try:
        poller = JobPoller(job, look=Notebook.current().look_of(job))  # the cell's chart
        renderer = WidgetRenderer(poller)
        live = renderer.live
        assert live is not None and renderer.box.children[1] is live.widget
        sent: list = []
        live.widget.comm.send = lambda *a, **k: sent.append(k or a)
        renderer.show()
        counts = []

        def tick() -> bool:
            poller.poll()
            renderer.update()
            counts.append(sum(row["cnt"] for row in live._sent))
            return len(counts) >= 4 and counts[-1] > counts[0] > 0

        until(tick, "the chart's counts growing while the job runs", every=0.3)
        assert {row["k"] for row in live._sent} <= {1, 2, 3, 4, 5}
        assert len(live._sent) <= 5  # the current table: retractions applied
        assert 0 < len(sent) <= len(counts)  # at most one message per redraw
        assert max(len(str(message)) for message in sent) < 4096  # a small spec and 5 rows
    finally:
        job.cancel()
    until(lambda: poller.poll().ended, "the view ending")
    renderer.close()
    from flink_notebook.display.renderers.snapshot import html_snapshot

    assert "<div class='flink-chart'><svg" in html_snapshot(poller.view)  # the saved state


def test_an_attached_chart_keeps_its_final_state_as_svg_in_the_output(shell, ticks):
    with capture_output() as captured:
        shell.run_cell_magic(
            "flink_sql", "--timeout 3 -o rows --chart line x=window_end y=cnt color=k "
                         "-D notebook.renderer=html",
            "SELECT window_end, k, COUNT(*) AS cnt FROM TABLE(TUMBLE(TABLE chart_ticks, "
            "DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end, k")
    final = captured.outputs[-1].data["text/html"]
    assert "CANCELED" in final and "<div class='flink-chart'><svg" in final
    assert 'class="marks"' in final and "line chart" not in final.split("<svg")[0]
    assert len(shell.user_ns["rows"])  # the rows are still bound


def test_a_single_value_card_updates_and_escapes_values(shell, ticks):
    with capture_output() as captured:
        shell.run_cell_magic(
            "flink_sql", "--timeout 3 -o one --mode single -D notebook.renderer=html "
                         "--template '<h2>{total:,}</h2> rows, max {top}'",
            "SELECT COUNT(*) AS total, '<b>' || MAX(s) AS top FROM chart_ticks")
    final = captured.outputs[-1].data["text/html"]
    total = int(shell.user_ns["one"]["total"].iloc[-1])
    assert f"<div class='flink-card'><h2>{total:,}</h2> rows, max &lt;b&gt;" in final
    assert "<table" not in final.split("flink-card")[1]  # the card, not the table
    updates = [o for o in captured.outputs if o.update]
    assert len({o.data["text/html"].split("flink-card")[-1] for o in updates}) >= 2


def test_job_chart_on_a_handle_follows_a_detached_job_then_ends(shell, ticks):
    from flink_notebook.display.monitor import ClusterMonitor

    with capture_output() as captured:
        shell.run_cell_magic("flink_sql", "--detached -o h -D notebook.renderer=html",
                             "SELECT k, SUM(amount) AS total FROM chart_ticks GROUP BY k")
        job = shell.user_ns["h"]
        try:
            with pytest.raises(UsageError, match="no column 'x'"):
                job.chart("bar", x="x", y="total")
            job.chart("bar", x="k", y="total")
            charts = lambda: [o for o in captured.outputs  # noqa: E731
                              if "flink-chart" in o.data.get("text/html", "")
                              and "flink-job-status" not in o.data.get("text/html", "")]
            until(lambda: len(charts()) >= 3, "the chart redrawn while the job runs")
        finally:
            job.cancel()
        until(lambda: not ClusterMonitor.for_url(job.rest.url, 0.3).running,
              "the monitor stopping")
    assert charts()[-1].data["text/plain"].startswith("bar chart of total by k: ")


def test_a_flink_cell_charts_the_table_it_ends_with_and_says_when_there_is_none(
        shell, ticks, capsys):
    with capture_output() as captured:
        shell.run_cell_magic(
            "flink", "--timeout 2 -o by_k --chart bar x=k y=cnt -D notebook.renderer=html",
            't_env.sql_query("SELECT k, COUNT(*) AS cnt FROM chart_ticks GROUP BY k")')
    assert "<div class='flink-chart'><svg" in captured.outputs[-1].data["text/html"]
    assert set(shell.user_ns["by_k"]["k"]) <= {1, 2, 3, 4, 5}
    with pytest.raises(UsageError, match="no column 'nope'"):
        shell.run_cell_magic("flink", "--chart bar x=nope y=cnt",
                             't_env.sql_query("SELECT k, COUNT(*) AS cnt FROM chart_ticks '
                             'GROUP BY k")')
    shell.run_cell_magic("flink", "--chart bar x=k y=cnt", "x = 1")
    assert "this cell ended with none; job.chart(...)" in capsys.readouterr().err


def _fails(*args):
    raise ValueError("the charting library said no\nwith a long trace")


def test_a_chart_that_cannot_be_made_fails_before_its_job_starts(shell, ticks, monkeypatch):
    from flink_notebook.display.charts import vega

    monkeypatch.setattr(vega, "vega_lite", _fails)
    before = jobs_now()
    with pytest.raises(UsageError, match=r"^--chart: the chart could not be drawn \(the "
                                         r"charting library said no\)\.$"):
        shell.run_cell_magic("flink_sql", "--chart bar x=k y=cnt",
                             "SELECT k, COUNT(*) AS cnt FROM chart_ticks GROUP BY k")
    assert added_since(before) == []


def test_a_chart_failing_while_its_job_runs_cancels_the_job(shell, ticks, monkeypatch):
    from flink_notebook.display.charts import vega

    monkeypatch.setattr(vega, "svg", _fails)  # drawn while the job runs, not checked before
    before = jobs_now()
    with pytest.raises(UsageError, match=r"could not be drawn \(the charting library said "
                                         r"no\)\. The job was cancelled\.$"):
        shell.run_cell_magic("flink_sql", "--chart bar x=k y=cnt -D notebook.renderer=html",
                             "SELECT k, COUNT(*) AS cnt FROM chart_ticks GROUP BY k")
    [job] = added_since(before)
    try:
        assert until(lambda: job.is_terminal and job.status(), "the job ending") == "CANCELED"
    finally:
        if not job.is_terminal:
            job.cancel()


def test_a_bounded_querys_chart_draws_every_window_however_far_apart(shell):
    # Lesson 05, exercise 2: four 15-minute windows of 2024, more than notebook.chart-window
    # (300 s) apart; the chart drew only the newest.
    with capture_output() as captured:
        shell.run_cell_magic(
            "flink_sql", "-o four --chart bar x=w y=cnt -D notebook.renderer=html",
            "SELECT w, CAST(n AS BIGINT) AS cnt FROM (VALUES "
            "(TIMESTAMP '2024-03-01 08:00:00', 3), (TIMESTAMP '2024-03-01 08:15:00', 5), "
            "(TIMESTAMP '2024-03-01 08:30:00', 2), (TIMESTAMP '2024-03-01 08:45:00', 4)"
            ") AS t(w, n)")
    final = captured.outputs[-1]
    assert "<div class='flink-chart'><svg" in final.data["text/html"]
    assert "the chart shows" not in final.data["text/html"]
    assert "bar chart of cnt by w: 4 points" in final.data["text/plain"]
