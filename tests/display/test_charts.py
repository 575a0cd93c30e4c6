"""Charts and single-value cards: which columns they plot, the rows they keep, escaping,
the static SVG and the live widget's messages. Pure logic: no Flink (the real streams are
in tests/display/test_charts_live.py)."""

from __future__ import annotations

import html
from types import SimpleNamespace

import pandas as pd
import pytest
from IPython.core.error import UsageError

from flink_notebook.display.card import card_html, card_text, check_template
from flink_notebook.display.charts.data import chart_frame, records
from flink_notebook.display.charts.drawing import drawing_for
from flink_notebook.display.charts.spec import KINDS, ChartSpec
from flink_notebook.display.charts.vega import svg, vega_lite
from flink_notebook.display.view import JobView, Look

ROOTS = {"w": "TIMESTAMP_WITHOUT_TIME_ZONE", "cnt": "BIGINT", "user": "VARCHAR",
         "amount": "DECIMAL"}
COLUMNS, TYPES = list(ROOTS), list(ROOTS.values())


def frame(n: int = 6) -> pd.DataFrame:
    return pd.DataFrame({
        "w": pd.date_range("2026-01-01 10:00", periods=n, freq="min"),
        "cnt": range(1, n + 1),
        "user": ["a", "b"] * (n // 2) + ["a"] * (n % 2),
        "amount": [1.5] * n,
    })


def test_parse_reads_kind_and_channels():
    spec = ChartSpec.parse(["line", "x=w", "y=cnt", "color=user"])
    assert spec == ChartSpec("line", "w", "cnt", "user")
    assert spec.describe() == "line chart of cnt by w, per user"


@pytest.mark.parametrize("words, says", [
    (["pie", "x=w", "y=cnt"], "the kinds are line, bar, area, scatter, heatmap"),
    (["x=w", "y=cnt"], "starts with its kind"),
    (["line", "x=w"], "needs y=COLUMN"),
    (["line", "x=w", "y=cnt", "size=k"], "takes x=COLUMN, y=COLUMN and color=COLUMN"),
    (["heatmap", "x=w", "y=user"], "needs color=COLUMN (a heatmap's color is its numeric"),
    ([], "needs a kind"),
])
def test_bad_chart_options_say_what_to_write(words, says):
    with pytest.raises(UsageError, match=None) as raised:
        ChartSpec.parse(words)
    assert says in str(raised.value)


def test_a_column_the_query_lacks_lists_its_columns():
    with pytest.raises(UsageError) as raised:
        ChartSpec("line", "window_end", "cnt").check(COLUMNS, TYPES)
    assert str(raised.value) == ("--chart x=window_end: the query has no column 'window_end'; "
                                 "its columns are w, cnt, user, amount.")


def test_a_value_that_is_not_a_number_names_the_numeric_columns():
    with pytest.raises(UsageError) as raised:
        ChartSpec("bar", "w", "user").check(COLUMNS, TYPES)
    assert "'user' is not a number (VARCHAR); the numeric columns are cnt, amount" in str(
        raised.value)
    with pytest.raises(UsageError) as raised:
        ChartSpec("bar", "a", "b").check(["a", "b"], ["VARCHAR", "DATE"])
    assert "the query has no numeric column (a, b)" in str(raised.value)
    ChartSpec("heatmap", "w", "user", "cnt").check(COLUMNS, TYPES)  # its value is color


def test_a_time_axis_keeps_its_window_and_at_most_max_rows():
    spec = ChartSpec("line", "w", "cnt")
    part = chart_frame(spec, frame(10), ROOTS, window=180)
    assert list(part["cnt"]) == [7, 8, 9, 10]  # 10:06 .. 10:09, three minutes back
    assert list(chart_frame(spec, frame(10), ROOTS, max_rows=2)["cnt"]) == [9, 10]
    assert len(chart_frame(spec, frame(10), ROOTS)) == 10  # 0: the whole table


def test_records_are_json_safe_and_times_keep_the_tables_wall_clock():
    zoned = frame(2)
    zoned["w"] = zoned["w"].dt.tz_localize("Europe/Berlin")
    zoned["amount"] = [None, 2.5]
    part = chart_frame(ChartSpec("line", "w", "amount", "user"), zoned,
                       {**ROOTS, "w": "TIMESTAMP_WITH_LOCAL_TIME_ZONE"})
    assert records(part) == [{"w": "2026-01-01T10:01:00.000000Z", "amount": 2.5, "user": "b"}]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_draws_an_svg_without_a_browser(kind):
    spec = ChartSpec(kind, "w", "user", "cnt") if kind == "heatmap" else ChartSpec(
        kind, "w", "cnt", "user")
    drawn = svg(vega_lite(spec, ROOTS, records(chart_frame(spec, frame(), ROOTS))))
    assert drawn.startswith("<svg") and "class=\"marks\"" in drawn
    assert drawn.count("<path") + drawn.count("<rect") > 2


def test_values_in_a_chart_are_escaped():
    hostile = frame(2).assign(user=["<script>alert(1)</script>", "<b>x</b>"])
    spec = ChartSpec("bar", "w", "cnt", "user")
    drawn = svg(vega_lite(spec, ROOTS, records(chart_frame(spec, hostile, ROOTS))))
    assert "<script>" not in drawn and "<b>" not in drawn
    assert "&lt;script&gt;" in drawn


def test_a_card_escapes_values_after_formatting_them():
    row = {"total": 12345, "rate": 3.14159, "name": "<img src=x onerror=alert(1)>"}
    out = card_html("<h2>{total:,}</h2> orders, {rate:.1f}/s by {name}", row)
    assert out == ("<div class='flink-card'><h2>12,345</h2> orders, 3.1/s by "
                   "&lt;img src=x onerror=alert(1)&gt;</div>")
    assert card_text("<h2>{total}</h2> orders", row) == "12345  orders"
    assert card_html("{total}", {"total": None}) == "<div class='flink-card'></div>"


def test_a_template_naming_an_unknown_column_says_which():
    with pytest.raises(UsageError) as raised:
        check_template("<h2>{totl}</h2>", ["total", "rate"])
    assert str(raised.value) == ("--template names {totl}, and the query has no column "
                                 "'totl'; its columns are total, rate.")
    with pytest.raises(UsageError, match="format"):
        card_html("{name:.1f}", {"name": "text"})


def _view(rows: pd.DataFrame, look: Look, whole: bool = False) -> JobView:
    """A view of a live stream's newest rows, or (``whole``) of a bounded query's answer."""
    result = SimpleNamespace(columns=COLUMNS, types=[SimpleNamespace(root=r) for r in TYPES],
                             max_rows=1000, mode=None, whole=whole)
    job = SimpleNamespace(query_result=result, look=look)
    return JobView(job, rows=rows, look=look)  # type: ignore[arg-type]


def _windows(start: str, every: str) -> pd.DataFrame:
    """Four windows' counts, long past (lesson 05's rides are from March 2024)."""
    return pd.DataFrame({"w": pd.date_range(start, periods=4, freq=every), "cnt": [3, 5, 2, 4],
                         "user": ["a"] * 4, "amount": [1.0] * 4})


def test_a_stream_in_the_past_keeps_the_window_back_from_its_newest_time():
    look = Look(chart=ChartSpec("bar", "w", "cnt"), window=300, max_rows=1000)
    recent = _windows("2024-03-01 08:00", "90s")  # 08:00 .. 08:04:30, within 300 s
    assert list(drawing_for(_view(recent, look)).part()["cnt"]) == [3, 5, 2, 4]
    older = pd.concat([_windows("2024-03-01 07:00", "min").head(2), recent])
    assert list(drawing_for(_view(older, look)).part()["cnt"]) == [3, 5, 2, 4]


def test_a_bounded_answer_is_drawn_whole_past_the_chart_window():
    # Lesson 05, exercise 2: four 15-minute windows, further apart than notebook.chart-window.
    look = Look(chart=ChartSpec("bar", "w", "cnt"), window=300, max_rows=1000)
    rows = _windows("2024-03-01 08:00", "15min")
    assert list(drawing_for(_view(rows, look, whole=True)).part()["cnt"]) == [3, 5, 2, 4]
    assert list(drawing_for(_view(rows, look)).part()["cnt"]) == [4]  # a stream slides on


def test_a_drawing_says_when_it_shows_fewer_rows_than_the_result_has():
    view = _view(frame(10), Look(chart=ChartSpec("line", "w", "cnt"), window=0, max_rows=4))
    drawing = drawing_for(view)
    assert len(drawing.part()) == 4
    assert drawing.note().startswith("the chart shows 4 of 10 rows")
    assert drawing.summary() == "line chart of cnt by w: 4 points, cnt 7 to 10"


def test_the_live_widget_sends_the_chart_only_when_its_rows_changed():
    from flink_notebook.display.charts.vega import MIMETYPE
    from flink_notebook.display.charts.widget import LiveChart

    view = _view(frame(4), Look(chart=ChartSpec("bar", "w", "cnt"), max_rows=1000))
    live = LiveChart(drawing_for(view))
    sent = []
    live.widget.comm.send = lambda *a, **k: sent.append(k or a)
    assert not live.update()  # nothing changed: nothing sent
    view.rows, view.version = frame(5), view.version + 1
    assert live.update()
    assert len(sent) == 1
    [output] = live.widget.outputs
    assert output["data"][MIMETYPE]["$schema"].endswith("/v5.json")  # what frontends render
    assert output["data"][MIMETYPE]["datasets"]["rows"][-1]["f1"] == 5.0  # f1: cnt, the y
    assert output["metadata"][MIMETYPE]["embed_options"]["renderer"] == "svg"
    assert "image/svg+xml" not in output["data"]  # made once, at the end
    assert live.update(final=True) and "<svg" in live.widget.outputs[0]["data"]["image/svg+xml"]
    assert not live.update(final=True)


def test_without_altair_a_chart_says_what_to_install(monkeypatch):
    import sys

    from flink_notebook.display.charts import require_altair

    monkeypatch.setitem(sys.modules, "altair", None)  # import altair raises ImportError
    with pytest.raises(UsageError) as raised:
        require_altair()
    assert "pip install 'flink-notebook[charts]'" in str(raised.value)


def test_the_terminal_gets_a_line_and_zeppelin_its_table_not_the_chart():
    import io

    from flink_notebook.display.renderers.snapshot import text_snapshot
    from flink_notebook.display.renderers.zeppelin import ZeppelinRenderer

    view = _view(frame(4), Look(chart=ChartSpec("bar", "w", "cnt"), max_rows=1000))
    view.job.name, view.job.job_id, view.job.web_url, view.job.duration = "j", "1", "u", 1.0
    view.job.query_result.types = [SimpleNamespace(root=r, precision=None) for r in TYPES]
    assert text_snapshot(view).splitlines()[-1] == "bar chart of cnt by w: 4 points, cnt 1 to 4"
    out = io.StringIO()
    ZeppelinRenderer(view, out).close()
    assert "%table w\tcnt\tuser\tamount" in out.getvalue()
    assert "flink-chart" not in out.getvalue()  # Zeppelin's own charts apply to %table


def test_a_value_the_templates_format_does_not_take_is_said_in_the_card_not_raised():
    from flink_notebook.display.renderers.snapshot import details_html

    view = _view(frame(2), Look(template="{user:.1f} {cnt}"))
    assert "does not take the format &#x27;.1f&#x27;" in details_html(view)
    view.look = Look(template="<b>{cnt}</b> of {user}")
    assert "<div class='flink-card'><b>2</b> of b</div>" in details_html(view)


@pytest.mark.parametrize("name", ["a.b", "a:b", "a[0]", "a\\b", "a:b:quantitative"])
@pytest.mark.parametrize("kind", ["scatter", "bar"])
def test_a_column_name_with_fields_punctuation_draws_its_points(name, kind):
    """Vega-Lite reads ``a.b`` as a nested field and altair's shorthand ``a:b`` as a type:
    the names are escaped, so the points are drawn from the columns as named."""
    import re

    roots = {name: "INTEGER", "c": "BIGINT"}
    spec = ChartSpec(kind, name, "c")
    rows = records(chart_frame(spec, pd.DataFrame({name: [1, 2], "c": [3, 4]}), roots))
    drawn = svg(vega_lite(spec, roots, rows))
    marks = re.findall(r'aria-roledescription="(?:point|bar)"', drawn)
    assert len(marks) == 2
    labels = re.findall(r'aria-label="([^"]*: 1; [^"]*)"', drawn)  # what a tooltip reads
    assert len(labels) == 1 and html.escape(f"{name}: 1", quote=False) in labels[0]
    assert "c: 3" in labels[0]
    assert re.search(r"titled '([^']*)'", drawn).group(1) == html.escape(name, quote=False)


def test_a_chart_that_cannot_be_drawn_cancels_the_followed_job_with_one_line(monkeypatch):
    from flink_notebook.core.config import Configuration
    from flink_notebook.display import follow as following
    from flink_notebook.display.charts import vega

    view = _view(frame(3), Look(chart=ChartSpec("line", "w", "cnt"), max_rows=1000))
    view.job.name, view.job.job_id, view.job.web_url, view.job.duration = "j", "1", "u", 1.0
    view.job.query_result.types = [SimpleNamespace(root=r, precision=None) for r in TYPES]
    view.job.printed = None
    cancelled = []
    poller = SimpleNamespace(view=view, poll=lambda: view,
                             cancel=lambda: cancelled.append(True) or view)
    monkeypatch.setattr(following, "poller_for", lambda job, configuration, look: poller)

    def broken(*args):
        raise ValueError("altair could not read it\nand a long trace")

    monkeypatch.setattr(vega, "vega_lite", broken)
    with pytest.raises(UsageError) as raised:
        following.follow(view.job, Configuration({"notebook": {"notebook.renderer": "html"}}),
                         look=view.look)
    assert str(raised.value) == ("--chart: the chart could not be drawn (altair could not "
                                 "read it). The job was cancelled.")
    assert cancelled == [True]  # not left running, holding a slot
