"""A view's rows table: its HTML and text, the order an updating result keeps, and what
it says about rows not drawn. Fakes for the drawing; one test on real Flink for the order
an updating GROUP BY keeps between polls."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest
from waiting import until

from flink_notebook.display.renderers.snapshot import html_snapshot, text_snapshot
from flink_notebook.display.rows_table import in_order, rows_html, rows_text
from flink_notebook.display.view import JobView
from flink_notebook.engine.result_mode import ResultMode, RowOrder
from flink_notebook.engine.results import ColumnType

INT, TEXT = ColumnType("INTEGER"), ColumnType("VARCHAR")


def view_of(rows: pd.DataFrame, mode: ResultMode | None = None, types=None,
            order: RowOrder | None = None, in_view: int = 0, truncated: bool = False
            ) -> JobView:
    result = None if mode is None else SimpleNamespace(mode=mode, types=types,
                                                       order=order or RowOrder())
    job = SimpleNamespace(name="q", job_id="a" * 32, web_url="http://127.0.0.1:1/",
                          duration=1.0, query_result=result)
    view = JobView(job)
    view.state, view.rows, view.in_view, view.truncated = "RUNNING", rows, in_view, truncated
    return view


def cells(page: str, tag: str = "td") -> list[tuple[str, str]]:
    """(text-align, text) of each cell of ``tag``."""
    return re.findall(rf"<{tag} style='[^']*text-align:(\w+)[^']*'>(.*?)</{tag}>", page)


def test_numbers_are_right_aligned_under_right_aligned_headings_and_text_left():
    rows = pd.DataFrame({"user": ["ann", "bob"], "n": [3, 137]})
    page = rows_html(view_of(rows, ResultMode.ALL, [TEXT, INT]))
    assert cells(page, "th") == [("left", "user"), ("right", "n")]
    assert cells(page) == [("left", "ann"), ("right", "3"), ("left", "bob"), ("right", "137")]
    assert "padding:" in page and "var(--jp-border-color2, #ddd)" in page
    assert page.count("var(--jp-layout-color2, #f5f5f5)") == 1  # zebra: every other row
    # Without Flink's types (a fake, a DataFrame from elsewhere) pandas' dtypes decide.
    assert cells(rows_html(view_of(rows)), "th") == [("left", "user"), ("right", "n")]


def test_values_and_column_names_are_escaped():
    rows = pd.DataFrame({"<i>c</i>": ["<b>bold</b>", "<script>x</script>"]})
    page = rows_html(view_of(rows, ResultMode.ALL, [TEXT]))
    assert "<b>" not in page and "<script>" not in page and "<i>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "&lt;i&gt;c&lt;/i&gt;" in page


def test_text_aligns_numbers_right_and_text_left():
    rows = pd.DataFrame({"user": ["ann", "christine"], "n": [3, 137]})
    assert rows_text(view_of(rows, ResultMode.ALL, [TEXT, INT])).splitlines() == [
        "user         n", "ann          3", "christine  137"]


def test_a_long_result_draws_a_bounded_number_of_rows_and_says_where_the_rest_is():
    rows = pd.DataFrame({"n": range(120)})
    page = rows_html(view_of(rows, ResultMode.ALL, [INT]), max_rows=50)
    assert len(cells(page)) == 50 and cells(page)[0] == ("right", "0")
    assert "max-height:" in page and "overflow:auto" in page
    assert "70 more rows: the DataFrame the cell returns has all 120 (-o NAME" in page
    one = rows_text(view_of(rows.head(21), ResultMode.ALL, [INT]))
    assert "\n1 more row: " in one and "rows" not in one.splitlines()[-1].split(":")[0]
    assert "more row" not in rows_text(view_of(rows.head(20), ResultMode.ALL, [INT]))


def test_a_stream_draws_its_newest_rows_and_counts_those_kept_in_the_jvm():
    rows = pd.DataFrame({"n": range(200)})  # the page a running append view reads
    view = view_of(rows, ResultMode.APPEND, [INT], in_view=1000, truncated=True)
    page = rows_html(view, max_rows=50)
    assert [text for _, text in cells(page)] == [str(n) for n in range(150, 200)]
    assert "950 more rows before these" in page
    assert "(older rows dropped: notebook.max-rows)" in page
    assert "(older rows dropped: notebook.max-rows)" in text_snapshot(view)


def test_an_updating_result_keeps_each_key_in_its_place_when_values_change():
    # The JVM's buffer moves a row to its end when it changes: two refreshes of one table.
    first = pd.DataFrame({"n": [5, 1, 7], "k": ["b", "c", "a"]})
    second = pd.DataFrame({"n": [5, 2, 9], "k": ["b", "c", "a"]}).iloc[[2, 0, 1]]
    drawn = []
    for rows in (first, second):
        view = view_of(rows, ResultMode.UPDATE, [INT, TEXT], RowOrder(key=(1,)))
        drawn.append([text for _, text in cells(html_snapshot(view))][1::2])
    assert drawn == [["a", "b", "c"], ["a", "b", "c"]]
    # Its ORDER BY leads (ties by key), NULLs where Flink puts them.
    rows = pd.DataFrame({"n": [5, None, 9, 5], "k": ["b", "d", "a", "c"]})
    by_n = RowOrder(sort=((0, False, False),), key=(1,))
    assert in_order(view_of(rows, ResultMode.UPDATE, None, by_n))["k"].tolist() == \
        ["a", "b", "c", "d"]
    # No key known: by the columns from the first; values that do not compare by strings.
    rows = pd.DataFrame({"k": ["b", "a", "a"], "m": [{"x": 1}, {"x": 2}, {"x": 1}]})
    assert in_order(view_of(rows, ResultMode.UPDATE))["m"].tolist() == \
        [{"x": 1}, {"x": 2}, {"x": 1}]


def test_append_only_results_and_changelogs_keep_their_arrival_order():
    rows = pd.DataFrame({"n": [3, 1, 2]})
    for mode in (ResultMode.APPEND, ResultMode.ALL):
        assert in_order(view_of(rows, mode, [INT]))["n"].tolist() == [3, 1, 2]
    log = pd.DataFrame({"op": ["+I", "-U", "+U"], "n": [3, 3, 4]})
    page = rows_html(view_of(log, ResultMode.CHANGELOG, [INT]))
    assert cells(page) == [("left", "+I"), ("right", "3"), ("left", "-U"), ("right", "3"),
                           ("left", "+U"), ("right", "4")]


STREAM = """
CREATE TEMPORARY TABLE IF NOT EXISTS rows_table_ticks (k INT, v INT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '200',
  'fields.k.min' = '1', 'fields.k.max' = '30', 'fields.v.min' = '1', 'fields.v.max' = '9');
"""


@pytest.mark.cluster
def test_an_updating_group_by_draws_its_keys_in_the_same_order_on_consecutive_polls(shell):
    from flink_notebook.display.poller import JobPoller

    shell.run_cell_magic("flink_sql", "", STREAM)
    shell.run_cell_magic("flink_sql", "--detached -o grouped --name rows-table-order",
                         "SELECT SUM(v) AS total, k FROM rows_table_ticks GROUP BY k")
    job = shell.user_ns["grouped"]
    try:
        assert job.query_result.mode is ResultMode.UPDATE
        assert job.query_result.order == RowOrder(key=(1,))  # k, read from the plan
        poller = JobPoller(job)

        def drawn_when(ready) -> tuple[list[str], list[str]]:
            """The keys and sums drawn by the next poll that makes ``ready`` true."""
            def poll():
                found = cells(rows_html(poller.poll(), max_rows=100))
                keys, sums = [t for _, t in found[1::2]], [t for _, t in found[::2]]
                return (keys, sums) if ready(keys, sums) else None
            return until(poll, "a poll with every key and new sums")

        keys, sums = drawn_when(lambda keys, _: len(keys) == 30)
        assert keys == [str(k) for k in range(1, 31)]
        for _ in range(2):  # the next polls that bring new sums draw the keys where they were
            keys, sums = drawn_when(lambda keys, new, old=sums: len(keys) == 30 and new != old)
            assert keys == [str(k) for k in range(1, 31)]
    finally:
        job.cancel()


@pytest.mark.cluster
def test_the_order_and_key_are_read_from_the_querys_plan(shell):
    from pyflink.table.expressions import col

    from flink_notebook.engine.query_plan import row_order
    from flink_notebook.engine.session import FlinkSession

    shell.run_cell_magic("flink_sql", "", STREAM)
    t_env = FlinkSession.current().t_env

    def order(sql: str) -> RowOrder:
        return row_order(t_env.sql_query(sql))

    grouped = "FROM rows_table_ticks GROUP BY k"
    assert order(f"SELECT k, COUNT(*) AS n {grouped}") == RowOrder(key=(0,))
    assert order(f"SELECT k, COUNT(*) AS n {grouped} ORDER BY n DESC, k LIMIT 5") == \
        RowOrder(sort=((1, False, False), (0, True, True)), key=(0,))
    # An ORDER BY column not selected: the order is known up to it, the key is not.
    assert order(f"SELECT COUNT(*) AS n {grouped} ORDER BY k LIMIT 5") == RowOrder()
    assert order("SELECT k, v FROM rows_table_ticks") == RowOrder()  # no key
    table = t_env.from_path("rows_table_ticks").group_by(col("k")).select(
        col("v").sum.alias("total"), col("k"))
    assert row_order(table) == RowOrder(key=(1,))  # the Table API's plan too


def test_a_plan_that_cannot_be_read_leaves_the_order_unknown_and_a_bug_of_ours_raises(
        monkeypatch):
    from flink_notebook.engine import query_plan

    def unreadable(table):
        raise AttributeError("a plan of another shape")

    monkeypatch.setattr(query_plan, "_logical_plan", unreadable)
    assert query_plan.row_order(object()) == RowOrder()

    def broken(table):
        raise NameError("a bug")

    monkeypatch.setattr(query_plan, "_logical_plan", broken)
    with pytest.raises(NameError):
        query_plan.row_order(object())
