"""Checked exercises: an answer's rows against the expected ones, said in a few lines a
student reads ("✗ hourly tips: 2 rows missing, 1 extra row" and examples of each), never
a DataFrame diff. :func:`compare` is the pure comparison; :func:`check` reads the answer
(a DataFrame, a query's handle), prints the verdict and raises :class:`CheckFailed` on a
wrong answer, so a headless run (``flink-notebook run``, a test) fails."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from IPython.core.error import UsageError

from flink_notebook.display.words import plural
from flink_notebook.teaching.answers import final_rows
from flink_notebook.teaching.rows import Closeness, Row, align_text, canonical_rows, shown

#: Rows compared one by one when they missed each other by bucket (close floats on either
#: side of a rounding edge), and pairs weighed as "different": bounds that keep a check of
#: a large wrong answer quick.
_PAIRWISE = 250_000
#: The names of columns that only lists of tuples gave (shown without a name).
_UNNAMED = "\0column "


class CheckFailed(AssertionError):
    """An answer that is not the expected one; its text says what differs."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this in place of a traceback: in a notebook a wrong answer reads as
        # a note, while the cell still fails (a headless run stops there).
        return str(self).splitlines()


@dataclass(frozen=True)
class Verdict:
    """What :func:`compare` found: ``ok``, and the lines that say so."""

    ok: bool
    message: str

    def __str__(self) -> str:
        return self.message


def check(result: Any, expected: Any, *, name: str | None = None,
          ordered: bool | None = None, tolerance: float = 1e-6, decimals: int | None = None,
          timeout: float = 60.0) -> None:
    """Check an answer: print "✓ name: N rows, as expected", or raise :class:`CheckFailed`
    saying which rows are missing, extra or different.

    ``result``: a DataFrame, a list of tuples or dicts, or a query's job handle
    (``%%flink_sql --detached -o name``), whose final table is checked: the check waits up
    to ``timeout`` seconds for the query to end (a streaming exercise is checked over a
    bounded replay). ``expected``: a DataFrame, or a list of tuples (in the answer's column
    order) or of dicts. Rows are compared in any order unless ``ordered`` (None: ordered when
    the handle's query has an ORDER BY its plan shows: rows that tie on it may come in
    any order); floats equal within ``tolerance`` (relative or absolute), or rounded to
    ``decimals`` places if given."""
    rows, order_by = final_rows(result, timeout)
    verdict = compare(rows, expected, name=name,
                      ordered=bool(order_by) if ordered is None else ordered,
                      order_by=order_by, tolerance=tolerance, decimals=decimals)
    if _wrong_answer is not None:  # a course's test: this answer is known to be wrong
        if verdict.ok:
            raise CheckFailed(f"✗ the wrong answer to {_wrong_answer} passed its check: "
                              "the check cannot tell it from the solution")
        print(f"wrong answer to {_wrong_answer}, as its check says:\n{verdict.message}")
        return
    if not verdict.ok:
        raise CheckFailed(verdict.message)
    print(verdict.message)


#: The exercise whose known wrong answer the next checks see (None: a student's answer).
_wrong_answer: str | None = None


def expect_wrong(exercise: str | None) -> None:
    """From now on, checks see the known wrong answer to ``exercise`` (None: no longer): a
    failing check prints its verdict instead of failing the cell, and a passing one fails
    it. How a course's test proves each check catches its typical mistake in the same run
    as the solutions (:func:`flink_notebook.teaching.solutions.inject`)."""
    global _wrong_answer
    _wrong_answer = exercise


def compare(result: Any, expected: Any, *, name: str | None = None, ordered: bool = False,
            order_by: Sequence[str] = (), tolerance: float = 1e-6,
            decimals: int | None = None, examples: int = 5) -> Verdict:
    """The verdict on ``result``'s rows against ``expected``'s (each a DataFrame or a list
    of tuples or dicts), without raising: at most ``examples`` rows shown per kind.
    ``ordered``: the rows' order counts too, or only that of the ``order_by`` columns'
    values when given (rows that tie on them may come in any order)."""
    title = f"{name}: " if name else ""
    mine, theirs = _frames(result, expected)
    columns = [str(c) for c in mine.columns]
    wanted = [str(c) for c in theirs.columns]
    problem = column_problem(columns, wanted)
    if problem:
        return Verdict(False, f"✗ {title}{problem}")
    mine.columns, theirs.columns = columns, wanted
    got, want = align_text(canonical_rows(mine[wanted]), canonical_rows(theirs))
    closeness = Closeness(tolerance, decimals)
    missing, extra = unmatched(got, want, closeness)
    if not missing and not extra:
        sorted_on = [wanted.index(c) for c in order_by if c in wanted] or range(len(wanted))
        wrong_place = first_out_of_order(got, want, closeness, sorted_on) if ordered else None
        if wrong_place is None:
            return Verdict(True, f"✓ {title}{plural(len(want), 'row')}, as expected")
        at, row, expected_row = wrong_place
        return Verdict(False, f"✗ {title}the right rows in the wrong order: row {at + 1} is "
                              f"{_row(wanted, row)}, expected {_row(wanted, expected_row)}")
    return Verdict(False, _mismatch(title, wanted, got, want, missing, extra, closeness,
                                    examples))


def _mismatch(title: str, columns: list[str], got: list[Row], want: list[Row],
              missing: list[Row], extra: list[Row], closeness: Closeness,
              examples: int) -> str:
    """What is wrong with the rows: a line of counts, then examples of each kind."""
    different = pair_up(missing, extra, got, want, closeness)
    paired_missing = {id(m) for m, _ in different}
    paired_extra = {id(e) for _, e in different}
    missing = [row for row in missing if id(row) not in paired_missing]
    extra = [row for row in extra if id(row) not in paired_extra]
    counts = [text for count, text in (
        (len(missing), f"{plural(len(missing), 'row')} missing"),
        (len(extra), plural(len(extra), "extra row")),
        (len(different), f"{plural(len(different), 'row')} different"),
    ) if count]
    lines = [f"✗ {title}{', '.join(counts)} (expected {plural(len(want), 'row')}, "
             f"your result has {len(got):,})"]
    if different:
        lines.append("  different: " + _some([_difference(columns, m, e, closeness)
                                                for m, e in different], examples, "; "))
    if missing:
        lines.append("  missing: " + _some([_row(columns, r) for r in missing], examples))
    if extra:
        lines.append("  extra: " + _some([_row(columns, r) for r in extra], examples))
    return "\n".join(lines)


def column_problem(have: Sequence[str], want: Sequence[str]) -> str | None:
    """The answer's columns against the expected ones, in one line (None when they are the
    same, in any order): a column named in another case is said to be named wrongly, a
    name given twice is said first."""
    twice = sorted({c for c in have if list(have).count(c) > 1})
    if twice:
        return f"{'column' if len(twice) == 1 else 'columns'} {', '.join(twice)} more than " \
               "once: give each column its own name (AS ...)"
    missing = [c for c in want if c not in have]
    extra = [c for c in have if c not in want]
    if not missing and not extra:
        return None
    parts = []
    for column in list(missing):
        other = next((c for c in extra if c.lower() == column.lower()), None)
        if other is not None:
            parts.append(f"column {other} should be named {column}")
            missing.remove(column)
            extra.remove(other)
    if missing:
        parts.append(f"{'column' if len(missing) == 1 else 'columns'} "
                     f"{', '.join(missing)} missing")
    if extra:
        parts.append(f"extra {'column' if len(extra) == 1 else 'columns'} {', '.join(extra)}")
    return f"{'; '.join(parts)} (expected columns: {', '.join(want)})"


def unmatched(got: list[Row], want: list[Row], closeness: Closeness
              ) -> tuple[list[Row], list[Row]]:
    """The expected rows the answer lacks and the answer's rows not expected, each in its
    own order; rows count as often as they occur."""
    buckets: dict[Any, list[tuple[int, Row]]] = defaultdict(list)
    for index, row in enumerate(want):
        buckets[_bucket(row, closeness)].append((index, row))
    extra = []
    for row in got:
        candidates = buckets.get(_bucket(row, closeness), [])
        hit = next((i for i, (_, c) in enumerate(candidates) if _same(row, c, closeness)), None)
        if hit is None:
            extra.append(row)
        else:
            candidates.pop(hit)
    left = sorted((entry for entries in buckets.values() for entry in entries),
                  key=lambda entry: entry[0])
    missing = [row for _, row in left]
    if missing and extra and len(missing) * len(extra) <= _PAIRWISE:
        for row in list(extra):  # close floats rounded to different buckets
            hit = next((i for i, m in enumerate(missing) if _same(row, m, closeness)), None)
            if hit is not None:
                missing.pop(hit)
                extra.remove(row)
    return missing, extra


def pair_up(missing: list[Row], extra: list[Row], got: list[Row], want: list[Row],
            closeness: Closeness) -> list[tuple[Row, Row]]:
    """Missing and extra rows that are one row with wrong values: they agree on at least
    half of the columns, and those columns pick out that one row on both sides (a key, as
    a window's start is), so rows that only share a count are not taken for each other."""
    width = len(want[0]) if want else 0
    if width < 2 or len(missing) * len(extra) > _PAIRWISE:
        return []
    counts: dict[tuple[int, ...], tuple[Counter, Counter]] = {}

    def unique(columns: tuple[int, ...], row: Row) -> bool:
        if columns not in counts:
            counts[columns] = tuple(  # type: ignore[assignment]
                Counter(_bucket(tuple(r[i] for i in columns), closeness) for r in rows)
                for rows in (want, got))
        key = _bucket(tuple(row[i] for i in columns), closeness)
        return all(counter[key] == 1 for counter in counts[columns])

    pairs, used = [], set()
    for m in missing:
        best, best_columns = None, ()
        for e in extra:
            if id(e) in used:
                continue
            columns = tuple(i for i in range(width) if closeness.same(m[i], e[i]))
            if len(columns) > len(best_columns):
                best, best_columns = e, columns
        if best is not None and 2 * len(best_columns) >= width and unique(best_columns, m):
            pairs.append((m, best))
            used.add(id(best))
    return pairs


def first_out_of_order(got: list[Row], want: list[Row], closeness: Closeness,
                       columns: Sequence[int]) -> tuple[int, Row, Row] | None:
    """The first place where the answer's row is not the expected one in ``columns`` (the
    same rows, in another order)."""
    for at, (row, expected) in enumerate(zip(got, want)):
        if not all(closeness.same(row[i], expected[i]) for i in columns):
            return at, row, expected
    return None


def _frames(result: Any, expected: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both sides as DataFrames: lists of tuples take the other side's column names, or
    none (then rows are shown as plain tuples)."""
    if _is_tuples(result) and not _is_tuples(expected):
        theirs = _frame(expected, "expected")
        return _frame(result, "result", [str(c) for c in theirs.columns]), theirs
    if _is_tuples(result):
        width = len(next(iter(result), None) or next(iter(expected), None) or ())
        return (_frame(result, "result", _unnamed(width)),
                _frame(expected, "expected", _unnamed(width)))
    mine = _frame(result, "result")
    return mine, _frame(expected, "expected", [str(c) for c in mine.columns])


def _frame(rows: Any, what: str, columns: Sequence[str] = ()) -> pd.DataFrame:
    """A DataFrame as it is; a list of dicts by their keys; a list of tuples in the order
    of ``columns`` (the answer's)."""
    if isinstance(rows, pd.DataFrame):
        return rows.reset_index(drop=True)
    if isinstance(rows, (list, tuple)):
        rows = list(rows)
        if not rows:
            return pd.DataFrame(columns=list(columns))
        if all(isinstance(r, dict) for r in rows):
            return pd.DataFrame.from_records(rows)
        if all(isinstance(r, (tuple, list)) for r in rows):
            widths = {len(r) for r in rows}
            if widths != {len(columns)}:
                raise UsageError(
                    f"The expected rows have {' or '.join(map(str, sorted(widths)))} values; "
                    f"the answer has {len(columns)} columns ({', '.join(columns)}).")
            return pd.DataFrame.from_records(rows, columns=columns)
    raise UsageError(f"The {what} rows must be a DataFrame or a list of tuples or dicts, "
                     f"not {type(rows).__name__}.")


def _is_tuples(rows: Any) -> bool:
    """A list of tuples (or an empty list): rows whose columns have no names."""
    return isinstance(rows, (list, tuple)) and all(isinstance(r, (tuple, list)) for r in rows)


def _unnamed(width: int) -> list[str]:
    return [f"{_UNNAMED}{i}" for i in range(width)]


def _bucket(row: Row, closeness: Closeness) -> Any:
    key = tuple(closeness.bucket(v) for v in row)
    try:
        hash(key)
    except TypeError:  # a value of a kind without a hash: its text
        return repr(key)
    return key


def _same(a: Row, b: Row, closeness: Closeness) -> bool:
    return all(closeness.same(x, y) for x, y in zip(a, b))


def _row(columns: Sequence[str], row: Row, only: Sequence[int] | None = None) -> str:
    at = range(len(row)) if only is None else only
    return "(" + ", ".join(_value(columns[i], row[i]) for i in at) + ")"


def _value(column: str, value: Any) -> str:
    return shown(value) if column.startswith(_UNNAMED) else f"{column}={shown(value)}"


def _difference(columns: Sequence[str], want: Row, got: Row, closeness: Closeness) -> str:
    """"(window_start=...) has rides=19, expected 20": the agreeing columns, then the
    others' values against the expected ones."""
    same = [i for i in range(len(want)) if closeness.same(want[i], got[i])]
    other = [i for i in range(len(want)) if i not in same]
    has = " and ".join(_value(columns[i], got[i]) for i in other)
    expected = " and ".join(shown(want[i]) for i in other)
    return f"{_row(columns, want, same)} has {has}, expected {expected}"


def _some(items: list[str], most: int, separator: str = ", ") -> str:
    """The first ``most`` items, then "and N more"."""
    shown_items = separator.join(items[:most])
    more = len(items) - most
    return f"{shown_items} and {more:,} more" if more > 0 else shown_items

