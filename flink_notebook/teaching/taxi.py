"""``taxi``: rides (a start and an end event each) and their fares, for the Learn Flink
exercises: cleansing rides, joining rides and fares, hourly tips, rides longer than two
hours (about 8% of them, more when --rows is under a thousand)."""

from __future__ import annotations

from flink_notebook.teaching.ddl import Relation, datagen, money, view
from flink_notebook.teaching.sql_values import at, chance, pick, shuffled, whole_blocks

RIDE_EVERY = 6  # seconds between ride starts, on average
RIDE_BLOCK = 720  # rides whose ends are shuffled together: 72 minutes of starts
#: a ride's end comes this long after the start of its block's slot: 5 to ~150 minutes
RIDE_BASE = RIDE_BLOCK * RIDE_EVERY + 300


def _ride_start(seed: int, ride: str) -> str:
    return at(f"{ride} * {RIDE_EVERY} + {pick(seed, 'start', ride, 20)}")


def build(seed: int, rides: int, speed: float | None) -> list[Relation]:
    per_second = 1 / RIDE_EVERY
    starts = datagen("taxi_ride_starts", "ride_id", rides,
                     [("event_time", _ride_start(seed, "ride_id"))],
                     "event_time", 30, per_second, speed)
    ride = shuffled(seed, "ride-end", "end_id", RIDE_BLOCK)
    ends = datagen("taxi_ride_ends", "end_id", whole_blocks(rides, RIDE_BLOCK), [
        ("ride_id", ride),
        ("event_time", at(f"{RIDE_BASE} + end_id * {RIDE_EVERY} + "
                          f"{pick(seed, 'end', 'end_id', 20)}")),
    ], "event_time", 30, per_second, speed)

    def micro(salt: str, low: int, span: int) -> str:  # a coordinate in millionths
        return f"CAST({low} + {pick(seed, salt, 'ride_id', span)} AS DOUBLE) / 1000000"

    away = chance(seed, "away", "ride_id", 0.04)  # ends outside New York City
    rides_view = view("taxi_rides", f"""SELECT ride_id, is_start, event_time,
  {micro('start-lon', -74030000, 280000)} AS start_lon,
  {micro('start-lat', 40580000, 300000)} AS start_lat,
  CASE WHEN {away} THEN {micro('away-lon', -75200000, 500000)}
       ELSE {micro('end-lon', -74030000, 280000)} END AS end_lon,
  CASE WHEN {away} THEN {micro('away-lat', 39900000, 500000)}
       ELSE {micro('end-lat', 40580000, 300000)} END AS end_lat,
  CAST(1 + {pick(seed, 'passengers', 'ride_id', 4)} AS SMALLINT) AS passenger_cnt,
  {_taxi_id(seed)} AS taxi_id,
  {_driver_id(seed)} AS driver_id
FROM (
  SELECT ride_id, TRUE AS is_start, event_time FROM taxi_ride_starts
  UNION ALL
  SELECT ride_id, FALSE AS is_start, event_time FROM taxi_ride_ends WHERE ride_id < {rides}
)""")
    fare = f"250 + {pick(seed, 'fare', 'ride_id', 4500)}"
    card = chance(seed, "card", "ride_id", 0.7)
    tip = f"CASE WHEN {card} THEN ({fare}) * {pick(seed, 'tip', 'ride_id', 26)} / 100 ELSE 0 END"
    tolls = f"CASE WHEN {chance(seed, 'tolls', 'ride_id', 0.1)} THEN 694 ELSE 0 END"
    fares = datagen("taxi_fares", "ride_id", rides, [
        ("taxi_id", _taxi_id(seed)), ("driver_id", _driver_id(seed)),
        ("event_time", _ride_start(seed, "ride_id")),
        ("payment_type", f"CASE WHEN {card} THEN 'CARD' ELSE 'CASH' END"),
        ("tip", money(tip)), ("tolls", money(tolls)),
        ("total_fare", money(f"{fare} + {tip} + {tolls}")),
    ], "event_time", 30, per_second, speed)
    return [starts, ends, rides_view, fares]


def _taxi_id(seed: int) -> str:
    return f"CAST(2013000000 + {pick(seed, 'taxi', 'ride_id', 400)} AS BIGINT)"


def _driver_id(seed: int) -> str:
    return f"CAST(2013000000 + {pick(seed, 'driver', 'ride_id', 400)} AS BIGINT)"
