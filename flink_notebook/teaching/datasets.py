"""Example data sets for lessons, each a few related temporary tables made from Flink's
datagen connector: ``%flink_dataset taxi``.

A table counts a sequence (datagen's ``sequence`` kind: bounded, one source subtask)
and computes every other column from that number and the seed
(:mod:`flink_notebook.teaching.sql_values`), its event time included, so a seed gives
the same rows, times and query results on every run. ``rows-per-second`` paces the
count; it does not change what is counted. These modules only write the SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flink_notebook.teaching import clicks, sensors, shop, taxi
from flink_notebook.teaching.ddl import MAX_ROWS, Relation, in_order


@dataclass(frozen=True)
class DataSet:
    name: str
    about: str
    tables: tuple[str, ...]  # what lessons read, in the listing's order
    unit: str  # what --rows counts
    default_rows: int
    build: Callable[[int, int, float | None], list[Relation]]  # seed, rows, speed


SETS: dict[str, DataSet] = {s.name: s for s in (
    DataSet("taxi", "rides (a start and an end event each) and their fares",
            ("taxi_rides", "taxi_fares"), "rides", 10_000, taxi.build),
    DataSet("sensors", "readings, some out of order and some late",
            ("sensor_readings",), "readings", 100_000, sensors.build),
    DataSet("shop", "orders, their lines, shipments, products whose prices change",
            ("shop_orders", "shop_order_lines", "shop_shipments", "shop_products",
             "shop_product_changes"), "orders", 10_000, shop.build),
    DataSet("clicks", "page views of users, in sessions",
            ("clicks_page_views", "clicks_users"), "page view slots", 100_000, clicks.build),
)}


def dataset(name: str) -> DataSet:
    """The set called ``name``; a ValueError naming the sets when there is none."""
    found = SETS.get(name.strip().lower())
    if found is None:
        raise ValueError(f"No data set {name!r}: choose one of {', '.join(SETS)}.")
    return found


def relations(name: str, seed: int = 1, rows: int | None = None,
              speed: float | None = None) -> list[Relation]:
    """The set's tables and views, each after those it reads; a ValueError for a wrong
    name, row count or speed."""
    chosen = dataset(name)
    rows = chosen.default_rows if rows is None else rows
    if not 1 <= rows <= MAX_ROWS:
        raise ValueError(f"--rows takes 1 to {MAX_ROWS:,}, got {rows}.")
    if speed is not None and not speed > 0:
        raise ValueError(f"--speed takes a number above 0 (or fast), got {speed}.")
    return chosen.build(int(seed), rows, speed)


def statements(name: str, seed: int = 1, rows: int | None = None,
               speed: float | None = None) -> list[str]:
    """The set's DROP (of what an earlier call made) and CREATE statements, in order."""
    return in_order(relations(name, seed, rows, speed))


def listing() -> list[tuple[str, str, str, str]]:
    """(set, tables, what --rows counts and its default, about) for each set."""
    return [(s.name, ", ".join(s.tables), f"{s.default_rows:,} {s.unit}", s.about)
            for s in SETS.values()]

