"""SQL files: ``%%flink_sql -f FILE`` and ``%flink_sql_file FILE`` run one as the SQL
client's ``-f`` does, and ``notebook.init-sql`` names files run before the session's first
cell, as ``sql-client.sh -i`` does. A file's errors name the file and its line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from flink_notebook.cells.request import CellRequest
from flink_notebook.cells.sql import run_sql_cell

if TYPE_CHECKING:
    from flink_notebook.cells.notebook import Notebook


def read_sql_file(path: str) -> str:
    """The file's text; a UsageError naming the file when it is missing or not UTF-8 (and
    where: line and column)."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise UsageError(f"No SQL file at {path!r} (relative paths start in {Path.cwd()}).")
    data = file.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1  # in bytes
        raise UsageError(
            f"{path} is not UTF-8 text: line {line}, column {column} holds byte "
            f"0x{data[exc.start]:02x}. Save it as UTF-8.") from None


def run_sql_file(notebook: Notebook, path: str, request: CellRequest) -> Any:
    """Run the file's statements as a cell's; return what ``-o`` binds."""
    return run_sql_cell(notebook, read_sql_file(path), request, None, source=path)


def run_init_sql(notebook: Notebook) -> None:
    """Run the ``notebook.init-sql`` files not run yet in this kernel (each once, in
    order). Their statements' output is not shown, a line per file is; an error is shown
    naming the file and line, and the session goes on, as the SQL client's does."""
    paths = [p.strip() for p in str(notebook.configuration.get("notebook.init-sql") or "")
             .split(",") if p.strip()]
    for path in paths:
        if path in notebook.init_sql_run:
            continue
        notebook.init_sql_run.add(path)
        try:
            with capture_output(display=True):
                run_sql_file(notebook, path, CellRequest())
        except UsageError as error:
            print(f"notebook.init-sql: {error}", file=sys.stderr)
        else:
            print(f"notebook.init-sql: ran {path}")
