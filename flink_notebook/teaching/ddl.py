"""The SQL a data set is made of: datagen tables that count a sequence, views over them."""

from __future__ import annotations

from dataclasses import dataclass

#: rows-per-second when unpaced (datagen's own default is 10,000)
UNPACED = 100_000_000
#: the most rows a set takes: datagen's sequence keeps every number of a source in memory
MAX_ROWS = 1_000_000


@dataclass(frozen=True)
class Relation:
    """A table or view a data set creates, with its CREATE statement."""

    name: str
    kind: str  # "TABLE" or "VIEW"
    create: str

    @property
    def drop(self) -> str:
        return f"DROP TEMPORARY {self.kind} IF EXISTS {self.name}"


def in_order(relations: list[Relation]) -> list[str]:
    """DROP what an earlier run made (views before the tables they read), then CREATE."""
    return [r.drop for r in reversed(relations)] + [r.create for r in relations]


def rate(rows_per_event_second: float, speed: float | None) -> int:
    """datagen's rows-per-second (a whole number, per source subtask: the sources have
    one) for ``speed`` times real time; None: unpaced."""
    if speed is None:
        return UNPACED
    return max(1, round(rows_per_event_second * speed))


def datagen(name: str, key: str, count: int, columns: list[tuple[str, str]],
            time: str | None, delay: int, per_event_second: float, speed: float | None
            ) -> Relation:
    """A datagen table counting ``key`` from 0 to count - 1, with computed ``columns``
    and a watermark ``delay`` seconds behind the event time column ``time``."""
    parts = [f"{key} BIGINT"] + [f"{column} AS {expression}" for column, expression in columns]
    if time:
        parts.append(f"WATERMARK FOR {time} AS {time} - INTERVAL '{delay}' SECOND")
    body = ",\n  ".join(parts)
    options = {
        "connector": "datagen", f"fields.{key}.kind": "sequence",
        f"fields.{key}.start": "0", f"fields.{key}.end": str(count - 1),
        "scan.parallelism": "1", "rows-per-second": str(rate(per_event_second, speed)),
    }
    with_ = ",\n  ".join(f"'{k}' = '{v}'" for k, v in options.items())
    return Relation(name, "TABLE",
                    f"CREATE TEMPORARY TABLE {name} (\n  {body}\n) WITH (\n  {with_}\n)")


def view(name: str, query: str) -> Relation:
    return Relation(name, "VIEW", f"CREATE TEMPORARY VIEW {name} AS\n{query}")


def money(cents: str) -> str:
    return f"CAST(({cents}) / 100.0 AS DECIMAL(10, 2))"


