"""SQL errors located in the cell: the line and column Flink reports, the cell's own line
quoted with a caret under the spot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flink_notebook.core.errors import position_in_statement
from flink_notebook.core.secrets import mask_at, mask_text

if TYPE_CHECKING:
    from flink_notebook.sql.statements import Statement


def format_sql_error(
    exc: BaseException, statement: Statement, cell: str, verbose: bool = False,
    source: str | None = None,
) -> str:
    """The error of ``statement`` with its position in the cell and that line quoted.

    ::

        SQL error at line 3, column 8: Column 'x' not found in any table
          3 | SELECT x FROM t
            |        ^

    Without a position Flink reported, the statement's first line is quoted
    without a caret. ``verbose`` appends the full Java trace. ``source`` names the file
    the statements came from (``SQL error at init.sql, line 3, ...``). Secret values are
    masked throughout, the quoted line's too (its caret still under the spot).
    """
    summary, trace, position = position_in_statement(exc)
    summary, trace = mask_text(summary, statement.secrets), mask_text(trace, statement.secrets)
    lines = cell.split("\n")
    where = f"{source}, " if source else ""
    if position:
        line, column = statement.cell_position(*position)
        head = f"SQL error at {where}line {line}, column {column}: {summary}"
    else:
        line, column = statement.line, None
        head = f"SQL error in the statement at {where}line {line}: {summary}"
    if 0 < line <= len(lines):
        quoted, at = mask_at(lines[line - 1].rstrip(), (column or 1) - 1, statement.secrets)
        column = None if column is None else at + 1
    else:
        quoted = statement.first_line
    quoted, before_caret = _window(quoted, column)
    gutter = f"{line:>4} | "
    parts = [head, gutter + quoted]
    if column is not None:
        # Tabs stay tabs so the caret lines up however wide the display draws them.
        indent = "".join(char if char == "\t" else " " for char in before_caret)
        parts.append(" " * (len(gutter) - 2) + "| " + indent + "^")
    if verbose:
        parts += ["", trace]
    else:
        parts.append("(add --verbose to the magic line for the Java trace)")
    return "\n".join(parts)


#: The most characters of a line quoted under an error; a longer line is quoted around
#: the caret, with "…" where it was cut.
QUOTED_WIDTH = 120


def _window(quoted: str, column: int | None) -> tuple[str, str]:
    """(what to quote of the line, what of it comes before the caret's column)."""
    at = min(max((column or 1) - 1, 0), len(quoted))
    if len(quoted) <= QUOTED_WIDTH:
        return quoted, quoted[:at]
    start = max(0, min(at - QUOTED_WIDTH // 2, len(quoted) - QUOTED_WIDTH))
    end = start + QUOTED_WIDTH
    head = "…" if start else ""
    return head + quoted[start:end] + ("…" if end < len(quoted) else ""), head + quoted[start:at]
