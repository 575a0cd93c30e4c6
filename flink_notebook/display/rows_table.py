"""A view's rows as a table, in HTML and in text: what reads like a DataFrame in
JupyterLab (a header row, padding, numbers right-aligned, the theme's colours with
fallbacks for a saved notebook read without JupyterLab's CSS), and as aligned columns in
a terminal. Values are shown as Flink prints them (:func:`~.values.shown`) and
HTML-escaped.

An updating result is drawn in a stable order, so a refresh never reshuffles its rows:
by its ORDER BY, then its key, then its columns from the first
(:class:`~flink_notebook.engine.result_mode.RowOrder`; the JVM's buffer moves a row to its
end when it changes). Append-only results and changelogs keep their arrival order.

At most ``max_rows`` rows are drawn (the first; a stream's newest, for an append-only or
changelog view), in a box that scrolls; a line says how many more there are and where
they are. Rows the result no longer keeps (``notebook.max-rows``) are said to be dropped.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from flink_notebook.display.values import flink_string, shown
from flink_notebook.engine.result_mode import ResultMode, RowOrder

if TYPE_CHECKING:
    from flink_notebook.display.view import JobView

#: Rows drawn as HTML (a box about 15 rows high scrolls through them) and as text.
HTML_ROWS = 50
TEXT_ROWS = 20
#: A value's characters shown in text (the rest is cut, with an ellipsis).
TEXT_WIDTH = 60
DROPPED = "(older rows dropped: notebook.max-rows)"
_NUMERIC = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE", "DECIMAL"}

_BOX = ("max-height:26em;overflow:auto;margin:4px 0;display:inline-block;max-width:100%;"
        "border:1px solid var(--jp-border-color2, #ddd)")
_TABLE = ("border-collapse:collapse;border:none;margin:0;font-size:12px;"
          "font-variant-numeric:tabular-nums;color:var(--jp-ui-font-color1, inherit);"
          "background:var(--jp-layout-color0, transparent)")
_HEAD = ("padding:4px 10px;text-align:{};font-weight:bold;white-space:nowrap;"
         "position:sticky;top:0;background:var(--jp-layout-color1, #fff);"
         # a shadow, not a border: a collapsed border scrolls away from a sticky heading
         "border:none;box-shadow:inset 0 -1px 0 var(--jp-border-color1, #bbb)")
_CELL = "padding:3px 10px;text-align:{};border:none"
_NUMBER = _CELL + ";white-space:nowrap"
_ZEBRA = "background:var(--jp-layout-color2, #f5f5f5)"
_NOTE = "color:var(--jp-ui-font-color2, #616161);font-size:12px;margin:2px 0"


def rows_html(view: JobView, max_rows: int = HTML_ROWS) -> str:
    """The rows as a styled, scrolling HTML table, with what was not drawn said below."""
    frame, numeric, notes = _drawn(view, max_rows)
    esc = html.escape

    def align(i: int) -> str:
        return "right" if numeric[i] else "left"

    head = "".join(f"<th style='{_HEAD.format(align(i))}'>{esc(str(name))}</th>"
                   for i, name in enumerate(frame.columns))
    styles = [(_NUMBER if numeric[i] else _CELL).format(align(i))
              for i in range(frame.shape[1])]
    body = "".join(
        ("<tr style='" + _ZEBRA + "'>" if n % 2 else "<tr>")
        + "".join(f"<td style='{styles[i]}'>{esc(str(value))}</td>"
                  for i, value in enumerate(values)) + "</tr>"
        for n, values in enumerate(frame.itertuples(index=False, name=None)))
    table = (f"<div class='flink-rows' style='{_BOX}'><table class='flink-rows-table' "
             f"style='{_TABLE}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
             f"</table></div>")
    return "\n".join([table, *(f"<div class='flink-note' style='{_NOTE}'>{esc(note)}</div>"
                               for note in notes)])


def rows_text(view: JobView, max_rows: int = TEXT_ROWS) -> str:
    """The rows as aligned columns (numbers to the right), with what was not drawn."""
    frame, numeric, notes = _drawn(view, max_rows)
    cells = [[_cut(str(name)) for name in frame.columns]]
    cells += [[_cut(str(value)) for value in values]
              for values in frame.itertuples(index=False, name=None)]
    widths = [max(len(row[i]) for row in cells) for i in range(frame.shape[1])]
    lines = ["  ".join(cell.rjust(width) if numeric[i] else cell.ljust(width)
                       for i, (cell, width) in enumerate(zip(row, widths))).rstrip()
             for row in cells]
    return "\n".join(lines + notes)


def in_order(view: JobView) -> pd.DataFrame:
    """The view's rows in the order they are drawn: an updating result's sorted by its
    ORDER BY, key and columns (each row keeps its place as values change), other
    results' as they came."""
    rows, result = view.rows, view.result
    if rows is None or result is None or result.mode is not ResultMode.UPDATE or len(rows) < 2:
        return rows
    order = getattr(result, "order", None) or RowOrder()
    keys = list(order.sort)
    for index in (*(order.key or ()), *range(rows.shape[1])):
        if index < rows.shape[1] and all(index != k[0] for k in keys):
            keys.append((index, True, True))
    frame = rows.reset_index(drop=True)
    for index, ascending, nulls_first in reversed(keys):  # stable sorts, last key first
        column = _comparable(frame.iloc[:, index])
        frame = frame.loc[column.sort_values(
            ascending=ascending, kind="stable",
            na_position="first" if nulls_first else "last").index]
    return frame.reset_index(drop=True)


def _drawn(view: JobView, max_rows: int) -> tuple[pd.DataFrame, list[bool], list[str]]:
    """The rows drawn (as Flink's strings), which columns are numbers, and the notes
    below them."""
    rows = in_order(view)
    result = view.result
    mode = getattr(result, "mode", None)
    newest = mode in (ResultMode.APPEND, ResultMode.CHANGELOG)  # a stream's log: its end
    part = rows.tail(max_rows) if newest else rows.head(max_rows)
    types = getattr(result, "types", None)
    frame = shown(part, types, len(part))
    numeric = _numeric(part, types)
    notes = []
    total = max(len(rows), view.in_view)
    more = total - len(part)
    if more > 0:
        where = " before these" if newest else ""
        notes.append(f"{more:,} more row{'' if more == 1 else 's'}{where}: the DataFrame the "
                     f"cell returns has all {total:,} (-o NAME keeps it; job.to_pandas() "
                     f"for a detached job)")
    if view.truncated:
        notes.append(DROPPED)
    return frame, numeric, notes


def _numeric(frame: pd.DataFrame, types: list | None) -> list[bool]:
    """Which columns hold numbers: by Flink's type when known, else by pandas' dtype
    (a changelog's ``op`` column, in front of the typed ones, is text)."""
    offset = frame.shape[1] - len(types) if types else frame.shape[1]
    numeric = []
    for i in range(frame.shape[1]):
        if types and i >= offset:
            numeric.append(types[i - offset].root in _NUMERIC)
        else:
            dtype = frame.dtypes.iloc[i]
            numeric.append(pd.api.types.is_numeric_dtype(dtype)
                           and not pd.api.types.is_bool_dtype(dtype))
    return numeric


def _comparable(column: pd.Series) -> pd.Series:
    """The column if its values sort among themselves, else their strings as Flink prints
    them (a ROW, a MAP, values of mixed kinds)."""
    try:
        column.sort_values(kind="stable")
        return column
    except TypeError:
        return column.map(flink_string)


def _cut(text: str) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= TEXT_WIDTH else text[:TEXT_WIDTH - 1] + "…"
