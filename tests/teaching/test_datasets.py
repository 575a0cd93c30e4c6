"""Example data sets (``%flink_dataset``): the SQL they are made of (pure), and on a
cluster, their rows: the same for a seed on every run (a digest written here), other for
another seed; rides that end, late sensor readings."""

from __future__ import annotations

import hashlib
import re
import time

import pytest
from IPython.core.error import UsageError

from flink_notebook.cells.notebook import Notebook
from flink_notebook.teaching.datasets import SETS, dataset, listing, statements
from flink_notebook.teaching.ddl import UNPACED, rate
from flink_notebook.teaching.loading import dataset_list, parse_speed


def created(sql: list[str]) -> list[str]:
    return [s.split()[3] for s in sql if s.startswith("CREATE TEMPORARY")]


@pytest.mark.parametrize("name", list(SETS))
def test_a_set_drops_then_creates_its_tables(name):
    sql = statements(name, rows=50)
    made = created(sql)
    assert set(SETS[name].tables) <= set(made)
    drops = [s.split()[-1] for s in sql if s.startswith("DROP TEMPORARY")]
    assert sorted(drops) == sorted(made)
    assert sql.index(next(s for s in sql if s.startswith("CREATE"))) == len(drops)
    # every table counts a bounded sequence with one source subtask
    for table in (s for s in sql if s.startswith("CREATE TEMPORARY TABLE")):
        assert "'scan.parallelism' = '1'" in table and ".kind' = 'sequence'" in table


def test_the_seed_changes_the_rows_and_only_the_seed_does():
    for name in SETS:
        assert statements(name, seed=7, rows=100) == statements(name, seed=7, rows=100)
        assert statements(name, seed=7, rows=100) != statements(name, seed=8, rows=100)
        assert "MD5(CONCAT('8/" in "\n".join(statements(name, seed=8, rows=100))


def test_rows_bound_the_sequence_and_speed_paces_it():
    rides = "\n".join(statements("taxi", rows=123, speed=60))
    assert "'fields.ride_id.end' = '122'" in rides
    assert "'rows-per-second' = '10'" in rides  # a ride start every 6 s, 60 times faster
    unpaced = "\n".join(statements("taxi", rows=123))
    assert f"'rows-per-second' = '{UNPACED}'" in unpaced
    assert rate(10, 0.01) == 1  # datagen paces in whole rows per second
    assert parse_speed("fast") is None and parse_speed("2.5") == 2.5


def test_event_time_comes_from_the_sequence_not_the_clock():
    sql = "\n".join(s for name in SETS for s in statements(name, rows=10))
    assert "TIMESTAMPADD(SECOND" in sql and "WATERMARK FOR" in sql
    assert not re.search(r"CURRENT_|NOW\(|RAND|PROCTIME|LOCALTIMESTAMP", sql)


def test_a_wrong_name_lists_the_sets_in_a_line(shell):
    with pytest.raises(ValueError, match="No data set 'taxis': choose one of taxi, sensors, "
                                         "shop, clicks."):
        dataset("taxis")
    with pytest.raises(UsageError) as error:
        shell.run_line_magic("flink_dataset", "taxis")
    assert "\n" not in str(error.value) and "taxi, sensors, shop, clicks" in str(error.value)
    for line, said in (("taxi --rows 0", "--rows takes 1 to"),
                       ("taxi --speed slow", "--speed takes a number above 0")):
        with pytest.raises(UsageError, match=said):
            shell.run_line_magic("flink_dataset", line)


def test_no_name_lists_the_sets_and_their_tables(shell):
    shown = shell.run_line_magic("flink_dataset", "")
    assert list(shown["set"]) == list(SETS) == [row[0] for row in listing()]
    assert "taxi_rides, taxi_fares" in shown.to_string()  # the text form
    frame = dataset_list()
    assert "rides (a start and an end event each) and their fares" in frame._repr_html_()
    frame.loc[0, "about"] = "<b>x</b>"
    assert "&lt;b&gt;x&lt;/b&gt;" in frame._repr_html_()


# --- on a cluster: the rows --------------------------------------------------------------

SMALL = {"taxi": 40, "sensors": 300, "shop": 30, "clicks": 400}
#: sha256 of each table's rows (sorted CSV lines) for seed 1 and SMALL rows
DIGESTS = {
    "taxi_rides": "853a6141143febe87e6323e7775ed01ce42acc08a29f58a174e64e1cdb9e2060",
    "taxi_fares": "0b9a96bb87f14beb82c8311b09e2745dac3d7c962c88e1cdf167dddab002e979",
    "sensor_readings": "0d5cf5af890e658304333c6e4cedc6ec22583bcf23053c6d8a13fe0e3794dde7",
    "shop_orders": "d65266f95e38d11597c27b78f9ace4a7a89207ced792677dfb9e6dca21d50eac",
    "shop_order_lines": "6d51917ad46f11ade62c6fd256c2d259713b7ab8e4fdd2abac112337178f3ec3",
    "shop_shipments": "fd3bee9ad8002496eec084aac4a893599104079ec61f272447c57155a428f6b5",
    "shop_products": "4454338e443b510967bd0c5f31a6671109315aaf01c51c6724e0a66bf96ef538",
    "shop_product_changes": "e82b717efec18e4d70e8c0744f5665d8e3254c0b256e5db8f55ebc4194584fb6",
    "clicks_page_views": "c6ce4c5af1f604fb63634f9f028585385d34ca49d91fa96db016e224886011c1",
    "clicks_users": "1412aa8dfe7b1b988f9053211890be1204f153eef2748bb9eb1eeaf21f2d87ac",
    "late readings dropped by a window":
        "0d6c60a0e80b6c3185e726d268bf250c7fe4191f29e91d38177d683d4995a11e",
}


def read(shell, query: str) -> list[tuple]:
    shell.run_cell_magic("flink_sql", "-o _dataset_rows", query)
    frame = shell.user_ns.pop("_dataset_rows")
    frame = frame.to_pandas() if hasattr(frame, "to_pandas") else frame
    return [tuple(row) for row in frame.itertuples(index=False)]


def digest(rows: list[tuple]) -> str:
    lines = sorted(",".join(str(value) for value in row) for row in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def create(shell, name: str, seed: int = 1) -> None:
    shell.run_line_magic("flink_dataset", f"{name} --rows {SMALL[name]} --seed {seed}")


@pytest.mark.cluster
def test_each_set_gives_the_same_rows_for_its_seed(shell):
    found = {}
    for name in SETS:
        create(shell, name)
        for table in SETS[name].tables:
            found[table] = digest(read(shell, f"SELECT * FROM {table}"))
    found["late readings dropped by a window"] = digest(read(shell, """
        SELECT window_start, sensor_id, COUNT(*) AS n, SUM(reading) AS total
        FROM TABLE(TUMBLE(TABLE sensor_readings, DESCRIPTOR(event_time), INTERVAL '10' SECOND))
        GROUP BY window_start, window_end, sensor_id"""))
    assert found == DIGESTS


@pytest.mark.cluster
def test_the_seed_alone_decides_the_rows(shell):
    create(shell, "taxi", seed=5)
    first = read(shell, "SELECT * FROM taxi_rides")
    create(shell, "taxi", seed=5)
    assert digest(read(shell, "SELECT * FROM taxi_rides")) == digest(first)
    create(shell, "taxi", seed=6)
    assert digest(read(shell, "SELECT * FROM taxi_rides")) != digest(first)


@pytest.mark.cluster
def test_every_ride_starts_then_ends_and_some_last_over_two_hours(shell):
    create(shell, "taxi")
    rows = read(shell, "SELECT ride_id, is_start, event_time FROM taxi_rides")
    starts = {r: t for r, s, t in rows if s}
    ends = {r: t for r, s, t in rows if not s}
    assert len(rows) == 2 * SMALL["taxi"] and starts.keys() == ends.keys() == set(range(40))
    hours = [(ends[r] - starts[r]).total_seconds() / 3600 for r in starts]
    assert min(hours) > 0 and any(h > 2 for h in hours) and any(h < 2 for h in hours)


@pytest.mark.cluster
def test_some_sensor_readings_arrive_late(shell):
    create(shell, "sensors")
    rows = sorted(read(shell, "SELECT reading_id, event_time FROM sensor_readings"))
    late, newest = 0, None
    for _, at in rows:  # in the order the source emits them
        if newest is not None and (newest - at).total_seconds() > 5:
            late += 1
        newest = at if newest is None else max(newest, at)
    assert 0 < late < len(rows) * 0.15


@pytest.mark.cluster
def test_products_are_a_versioned_view_for_temporal_joins(shell):
    create(shell, "shop")
    products = read(shell, "SELECT product_id, price, updated_at FROM shop_products")
    assert sorted(p[0] for p in products) == list(range(12))  # the latest version of each
    lines = read(shell, "SELECT order_id FROM shop_order_lines")
    priced = read(shell, """SELECT l.order_id, p.price FROM shop_order_lines AS l
        JOIN shop_products FOR SYSTEM_TIME AS OF l.order_time AS p
        ON l.product_id = p.product_id""")
    assert len(priced) == len(lines) > 30 and all(price is not None for _, price in priced)


@pytest.mark.cluster
def test_speed_paces_the_rows(shell):
    """Ten readings a second of event time, at --speed 1: datagen hands out 10 rows a
    second, so 30 rows take two seconds at least (the first ten at once)."""
    shell.run_line_magic("flink_dataset", "sensors --rows 30 --speed 1")
    began = time.monotonic()
    assert len(read(shell, "SELECT * FROM sensor_readings")) == 30
    assert time.monotonic() - began >= 2.0


@pytest.mark.cluster
def test_a_set_without_late_rows_gives_the_same_windows_at_any_parallelism(shell):
    create(shell, "taxi")
    hourly = """SELECT window_start, driver_id, SUM(tip) AS tips
        FROM TABLE(TUMBLE(TABLE taxi_fares, DESCRIPTOR(event_time), INTERVAL '1' HOUR))
        GROUP BY window_start, window_end, driver_id"""
    one = read(shell, hourly)
    shell.run_cell_magic("flink_sql", "-o _dataset_rows -D parallelism.default=2", hourly)
    frame = shell.user_ns.pop("_dataset_rows")
    two = [tuple(row) for row in frame.itertuples(index=False)]
    job = Notebook.current().jobs[-1]
    assert {v["parallelism"] for v in job.rest.job(job.job_id)["vertices"]} == {1, 2}
    assert one and digest(two) == digest(one)
