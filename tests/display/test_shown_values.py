"""Values as Flink prints them in the views, and the DataFrame's dtypes (pure logic: Arrow
tables built here, as the JVM's ResultBuffer sends them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from flink_notebook.display.values import NULL, flink_string, shown
from flink_notebook.engine.results import ColumnType, to_pandas

TS3 = ColumnType("TIMESTAMP_WITHOUT_TIME_ZONE", 3)
LTZ3 = ColumnType("TIMESTAMP_WITH_LOCAL_TIME_ZONE", 3)


def test_values_are_shown_as_the_sql_client_shows_them():
    stamp = pd.Timestamp("2021-04-13 20:12:11.123")
    assert flink_string(stamp, TS3) == "2021-04-13 20:12:11.123"
    assert flink_string(pd.Timestamp("2021-04-13 20:12:11"), TS3) == "2021-04-13 20:12:11.000"
    assert flink_string(stamp, ColumnType("TIMESTAMP_WITHOUT_TIME_ZONE", 0)) == (
        "2021-04-13 20:12:11")
    assert flink_string(stamp, ColumnType("TIMESTAMP_WITHOUT_TIME_ZONE", 6)) == (
        "2021-04-13 20:12:11.123000")
    assert flink_string(Decimal("1.500")) == "1.500"
    assert [flink_string(v) for v in (None, float("nan"), pd.NA, pd.NaT)] == [NULL] * 4
    assert flink_string(True) == "TRUE" and flink_string(False) == "FALSE"
    assert flink_string(b"x\n") == "x'780a'"
    assert flink_string({"a": 1, "b": "x"}) == "(1, x)"
    assert flink_string([1, None]) == "[1, <NULL>]"
    assert flink_string([("k", 1)], ColumnType("MAP")) == "{k=1}"
    assert flink_string(dt.date(2021, 1, 2)) == "2021-01-02"
    assert flink_string(dt.time(10, 11, 12)) == "10:11:12"
    assert flink_string("<b>") == "<b>"  # escaping is the HTML renderer's job


@pytest.mark.parametrize("last_use", [False, True], ids=["kept", "last-use"])
def test_a_dataframe_keeps_nullable_integers_and_local_zoned_instants(last_use):
    """The same frame whether the Arrow rows are kept or freed as they convert (a bounded
    result's final DataFrame is made with ``last_use``)."""
    table = pa.table({"n": pa.array([1, None], pa.int32()), "m": pa.array([1, 2], pa.int64()),
                      "k": pa.array([3, 4], pa.int64()), "s": pa.array(["a", None]),
                      "ltz": pa.array([1000, 2000], pa.timestamp("ms"))})
    frame = to_pandas(table, ["n", "m", "k", "s", "ltz"],
                      [ColumnType("INTEGER"), ColumnType("BIGINT"), ColumnType("BIGINT"),
                       ColumnType("STRING"), LTZ3], "Asia/Shanghai", last_use)
    assert list(frame.columns) == ["n", "m", "k", "s", "ltz"]
    assert frame["k"].tolist() == [3, 4] and frame["s"].tolist() == ["a", None]
    assert str(frame["n"].dtype) == "Int32" and frame["n"].isna().tolist() == [False, True]
    assert str(frame["m"].dtype) == "int64"  # no NULLs: numpy's
    assert frame["ltz"][0] == pd.Timestamp("1970-01-01 08:00:01", tz="Asia/Shanghai")
    assert flink_string(frame["ltz"][0], LTZ3) == "1970-01-01 08:00:01.000"


def test_only_the_rows_a_view_draws_are_formatted_and_pandas_still_elides_the_rest():
    frame = pd.DataFrame({"op": ["+I"] * 100, "x": [None] + list(range(99))})
    view = shown(frame, [ColumnType("INTEGER")], 10)
    assert len(view) == 12 and view["op"].tolist() == ["+I"] * 12  # op stays as it is
    assert view["x"].iloc[0] == NULL
    html = view.to_html(max_rows=10, index=False)
    assert "..." in html and "<NULL>" not in html and "&lt;NULL&gt;" in html
