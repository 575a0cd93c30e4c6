"""``sensors``: readings of ten sensors, a few seconds out of order, and a known share late."""

from __future__ import annotations

from flink_notebook.teaching.ddl import Relation, datagen
from flink_notebook.teaching.sql_values import at, chance, pick

SENSORS = 10  # each reads once a second
LATE_SHARE = 0.05  # of the readings arrive 15 to 44 s late: beyond the 5 s watermark
SENSOR_DELAY = 5


def build(seed: int, readings: int, speed: float | None) -> list[Relation]:
    second = f"reading_id / {SENSORS}"
    late = chance(seed, "late", "reading_id", LATE_SHARE)
    behind = (f"CASE WHEN {late} THEN 15 + {pick(seed, 'late-by', 'reading_id', 30)} "
              f"ELSE {pick(seed, 'jitter', 'reading_id', 3)} END")
    # A day's rise and fall (a triangle: no sine, whose last digit may differ by machine)
    # around each sensor's level, in hundredths of a degree, plus noise.
    day = f"ABS(MOD({second}, 86400) - 43200) * 600 / 43200"
    centi = (f"1500 + MOD(reading_id, {SENSORS}) * 40 + 600 - {day} + "
             f"{pick(seed, 'noise', 'reading_id', 101)} - 50")
    return [datagen("sensor_readings", "reading_id", readings, [
        ("sensor_id", f"CAST(MOD(reading_id, {SENSORS}) + 1 AS INT)"),
        ("reading", f"CAST(({centi}) / 100.0 AS DECIMAL(6, 2))"),
        ("event_time", at(f"{second} - ({behind})")),
    ], "event_time", SENSOR_DELAY, SENSORS, speed)]
