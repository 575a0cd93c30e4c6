"""SQL-client-style scripts (tests/sql/scripts/*.q), run statement by statement through %%flink_sql
against the real embedded Flink, each output compared with what the script expects.

A script is statements (ending with ``;`` at the end of a line; ``EXECUTE STATEMENT SET``
with its ``END;``), each followed by its expected output and a marker line:

* ``!ok``: the result, a ``col | col`` header and rows as Flink prints values (a job's
  result is ``job <final state>``, a statement with nothing to return ``(nothing)``);
* ``!contains``: every expected line appears in the result or in what the cell showed;
* ``!error``: the cell raises; its message (wrapping at words undone) starts as the first
  expected line, and each other expected line starts a later line, in order.

Lines starting with ``#`` outside a statement are comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from flink_notebook.display.values import flink_string

pytestmark = pytest.mark.cluster

SCRIPTS = sorted((Path(__file__).parent / "scripts").glob("*.q"))
MARKERS = ("!ok", "!contains", "!error")


@dataclass
class Case:
    statement: str
    expected: list[str]
    marker: str
    line: int  # where the statement starts in the script


def read_script(path: Path) -> list[Case]:
    cases, statement, expected, start = [], None, [], 0
    for number, raw in enumerate(path.read_text().split("\n"), 1):
        line = raw.rstrip()
        if statement is None:
            if not line or line.startswith("#"):
                continue
            statement, start = [line], number
            continue
        if not _complete(statement):
            statement.append(line)
            continue
        if line in MARKERS:
            cases.append(Case("\n".join(statement), expected, line, start))
            statement, expected = None, []
        else:
            expected.append(line)
    assert statement is None, f"{path.name}: the statement at line {start} has no marker"
    return cases


def _complete(statement: list[str]) -> bool:
    """A statement ends with ';' at the end of a line; a statement set with its END;."""
    if statement[0].upper().startswith("EXECUTE STATEMENT SET"):
        return statement[-1].strip().upper() == "END;"
    return statement[-1].endswith(";")


#: A line our error messages wrapped at a word (two spaces, then the text goes on); not a
#: quoted line of the cell (``   1 | ...``) or its caret (``     | ^``).
_GOES_ON = re.compile(r"^  (?! |\d+ \|)\S")


def unwrapped(message: str) -> list[str]:
    """The lines of an error message as it was before wrapping at 100 columns."""
    lines: list[str] = []
    for line in message.split("\n"):
        if lines and _GOES_ON.match(line):
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return lines


def said_in_order(expected: list[str], got: list[str]) -> bool:
    """The error's first line starts as the script's first expected line, and each other
    expected line starts one of the lines after, in order (the cell's quoted line and its
    caret may come between)."""
    if not expected or not got or not got[0].startswith(expected[0]):
        return False
    rest = iter(got[1:])
    return all(any(line.startswith(start) for line in rest) for start in expected[1:])


def canonical(value) -> list[str]:
    if isinstance(value, pd.DataFrame):
        lines = [" | ".join(str(c) for c in value.columns)]
        lines += [" | ".join(flink_string(v) for v in row)
                  for row in value.itertuples(index=False)]
        return lines
    if value is None:
        return ["(nothing)"]
    return [f"job {value.wait(120)}"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_sql_client_script(shell, script):
    failures = []
    for case in read_script(script):
        shell.user_ns.pop("_q", None)
        try:
            with capture_output() as captured:
                shell.run_cell_magic("flink_sql", "-o _q", case.statement)
        except UsageError as error:
            got = unwrapped(str(error))
            ok = case.marker == "!error" and said_in_order(case.expected, got)
        else:
            got = canonical(shell.user_ns.get("_q"))
            if case.marker == "!ok":
                ok = got == case.expected
            else:
                shown = "\n".join(got + [captured.stdout] + [
                    o.data.get("text/plain", "") for o in captured.outputs])
                ok = case.marker == "!contains" and all(e in shown for e in case.expected)
        if not ok:
            failures.append(f"{script.name}:{case.line}: {case.statement}\n"
                            f"  expected ({case.marker}): {case.expected}\n  got: {got}")
    assert not failures, "\n".join(failures)
