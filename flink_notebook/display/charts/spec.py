"""What a chart plots: its kind and which columns go on x, y and color, checked against
the query's columns before the job starts. Pure logic: no charting library needed."""

from __future__ import annotations

from dataclasses import dataclass

from IPython.core.error import UsageError

KINDS = ("line", "bar", "area", "scatter", "heatmap")
_CHANNELS = ("x", "y", "color")

NUMERIC = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE", "DECIMAL"})
TEMPORAL = frozenset({"TIMESTAMP_WITHOUT_TIME_ZONE", "TIMESTAMP_WITH_LOCAL_TIME_ZONE",
                      "TIMESTAMP_WITH_TIME_ZONE", "DATE"})


@dataclass(frozen=True)
class ChartSpec:
    """``kind`` of chart with the columns on ``x`` and ``y``, and ``color`` if any (a
    heatmap's color is its value: a numeric column)."""

    kind: str
    x: str
    y: str
    color: str | None = None

    @classmethod
    def parse(cls, words: list[str]) -> ChartSpec:
        """From ``--chart line x=window_end y=cnt color=user``'s words."""
        if not words:
            raise UsageError(f"--chart needs a kind ({', '.join(KINDS)}) and x=COLUMN y=COLUMN.")
        kind, *assignments = words
        if "=" in kind:
            raise UsageError(f"--chart starts with its kind: {', '.join(KINDS)}; "
                             f"e.g. --chart line x=window_end y=cnt.")
        channels: dict[str, str] = {}
        for word in assignments:
            name, sep, column = word.partition("=")
            if not sep or name not in _CHANNELS or not column:
                raise UsageError(f"--chart takes x=COLUMN, y=COLUMN and color=COLUMN, "
                                 f"got {word!r}.")
            channels[name] = column
        return cls.of(kind, **channels)

    @classmethod
    def of(cls, kind: str, x: str | None = None, y: str | None = None,
           color: str | None = None) -> ChartSpec:
        """Checked for its kind and for naming x and y (and a heatmap's color)."""
        if kind not in KINDS:
            raise UsageError(f"No chart kind {kind!r}; the kinds are {', '.join(KINDS)}.")
        missing = [name for name, value in (("x", x), ("y", y)) if not value]
        if kind == "heatmap" and not color:
            missing.append("color")
        if missing:
            what = "=COLUMN, ".join(missing) + "=COLUMN"
            raise UsageError(f"A {kind} chart needs {what}"
                             + (" (a heatmap's color is its numeric value)."
                                if kind == "heatmap" else "."))
        return cls(kind, x, y, color)  # type: ignore[arg-type]

    @property
    def value(self) -> str:
        """The numeric column: y, or a heatmap's color."""
        return self.color if self.kind == "heatmap" else self.y  # type: ignore[return-value]

    def columns(self) -> list[str]:
        return [c for c in (self.x, self.y, self.color) if c]

    def check(self, columns: list[str], roots: list[str]) -> None:
        """Raise a UsageError if a channel names a column the query lacks (listing its
        columns) or the value column is not numeric (listing the numeric ones).
        ``roots``: each column's Flink type root (``INTEGER``, ``TIMESTAMP_...``)."""
        listed = ", ".join(columns)
        for name, column in (("x", self.x), ("y", self.y), ("color", self.color)):
            if column and column not in columns:
                raise UsageError(f"--chart {name}={column}: the query has no column "
                                 f"{column!r}; its columns are {listed}.")
        types = dict(zip(columns, roots))
        if types.get(self.value) not in NUMERIC:
            numeric = [c for c in columns if types.get(c) in NUMERIC]
            channel = "color" if self.kind == "heatmap" else "y"
            if not numeric:
                raise UsageError(f"--chart {channel}={self.value}: a chart plots a number, "
                                 f"and the query has no numeric column ({listed}).")
            raise UsageError(f"--chart {channel}={self.value}: {self.value!r} is not a number "
                             f"({types.get(self.value)}); the numeric columns are "
                             f"{', '.join(numeric)}.")

    def describe(self) -> str:
        """A line for the terminal: ``line chart of cnt by window_end, per user``."""
        if self.kind == "heatmap":
            return f"heatmap of {self.color} by {self.x} and {self.y}"
        text = f"{self.kind} chart of {self.y} by {self.x}"
        return text + (f", per {self.color}" if self.color else "")
