"""Short messages from Java exceptions, and SQL errors located in the cell.

A user sees one or two lines saying what went wrong and where; the Java trace
is there only on request (``--verbose`` / ``notebook.verbose-errors``).
"""

from __future__ import annotations

import re
import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flink_notebook.sql import Statement

_HEADER = re.compile(r"^(?:Caused by: )?(?:[\w$]+\.)+([\w$]*(?:Exception|Error)): ?(.*)$")
_POSITION = re.compile(r"line (\d+), column (\d+)")
_PREFIXES = (
    re.compile(r"^SQL validation failed\. (?:From line \d+, column \d+ to line \d+, column \d+"
               r"|At line \d+, column \d+): "),
    re.compile(r"^SQL parse failed\. "),
    re.compile(r"^(?:From line \d+, column \d+ to line \d+, column \d+|At line \d+, column \d+): "),
)


def _full_text(exc: BaseException) -> str:
    # PyFlink's JavaException and py4j's Py4JJavaError both print the Java trace.
    return str(exc)


def _messages(text: str) -> list[str]:
    """Each exception's message in the chain, outermost first."""
    messages: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        header = _HEADER.match(line.strip().removeprefix(": "))
        if header:
            current = [header.group(2).strip()]
            messages.append("")
        elif current is not None and line.startswith(("\tat ", "\t... ", "    at ")):
            current = None
            continue
        elif current is not None:
            current.append(line.rstrip())
        if current is not None:
            messages[-1] = "\n".join(current).strip()
    return [m for m in messages if m]


def java_error_summary(exc: BaseException) -> tuple[str, str]:
    """(short message, full trace) for a Java exception seen through py4j/PyFlink;
    (message, Python traceback) for anything else."""
    text = _full_text(exc)
    messages = _messages(text)
    if not messages:
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return str(exc).strip() or type(exc).__name__, trace
    top, root = messages[0], messages[-1]
    python_error = _python_error(text)
    if python_error:  # a Python UDF failed: its own exception is the cause that matters
        root = python_error
    summary = _first_lines(top)
    if root != top and root not in top:
        summary += f"\n  Caused by: {_first_lines(root)}"
    return summary, text


_PY_ERROR = re.compile(r"^\s*((?:\w+\.)*\w*(?:Error|Exception|Exit)): (.+)$", re.M)


def _python_error(text: str) -> str | None:
    """The last Python exception line of a Python traceback inside a Java message."""
    if "Traceback (most recent call last)" not in text:
        return None
    tail = text[text.rindex("Traceback (most recent call last)"):]
    matches = _PY_ERROR.findall(tail)
    return f"{matches[-1][0]}: {matches[-1][1].strip()}" if matches else None


def _first_lines(message: str, count: int = 4) -> str:
    lines = [line for line in message.splitlines() if line.strip()]
    kept = []
    for line in lines[:count]:
        if line.startswith(("Was expecting", "Supported options")):
            break
        kept.append(line)
    return "\n".join(kept)


def format_sql_error(
    exc: BaseException, statement: Statement, cell: str, verbose: bool = False
) -> str:
    """The error with its line and column in the cell and that line quoted."""
    summary, trace = java_error_summary(exc)
    position = _POSITION.search(summary) or _POSITION.search(trace)
    for prefix in _PREFIXES:
        summary = prefix.sub("", summary)
    lines = cell.splitlines()
    if position:
        line = statement.line + int(position.group(1)) - 1
        column = int(position.group(2)) + (statement.column - 1 if position.group(1) == "1" else 0)
        head = f"SQL error at line {line}, column {column}: {summary}"
    else:
        line, column = statement.line, None
        head = f"SQL error in the statement at line {line}: {summary}"
    quoted = lines[line - 1] if 0 < line <= len(lines) else statement.text.splitlines()[0]
    gutter = f"{line:>4} | "
    parts = [head, gutter + quoted]
    if column is not None:
        parts.append(" " * (len(gutter) - 2) + "| " + " " * (column - 1) + "^")
    if verbose:
        parts += ["", trace]
    else:
        parts.append("(add --verbose to the magic line for the Java trace)")
    return "\n".join(parts)
