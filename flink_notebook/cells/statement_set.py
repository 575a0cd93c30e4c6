"""The SQL client's statement set across cells: ``BEGIN STATEMENT SET;`` in one cell,
INSERTs in the next ones, ``END;`` runs them as one job.

The open set is the notebook's (``notebook.statement_set``: the INSERTs so far, or None).
Each INSERT is checked by Flink's parser when it is added, so its error points at its own
cell; only INSERT statements go in, as in the client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from IPython.core.error import UsageError

from flink_notebook.display.notes import note
from flink_notebook.engine.internals import parser
from flink_notebook.sql.statements import Statement, StatementKind

if TYPE_CHECKING:
    from flink_notebook.cells.notebook import Notebook


EMPTY = "The statement set was empty: nothing to run."


def describe_open_set(notebook: Notebook) -> str | None:
    """What ``%flink_config`` and the cells say about an open set; None when none is."""
    if notebook.statement_set is None:
        return None
    count = len(notebook.statement_set)
    return (f"A statement set is open with {count} INSERT statement{'s' * (count != 1)}: "
            "END; runs them as one job.")


def begin(notebook: Notebook) -> None:
    if notebook.statement_set is not None:
        raise UsageError(describe_open_set(notebook).replace(
            "A statement set is open", "A statement set is already open"))
    notebook.statement_set = []
    note("Statement set open: INSERT statements go into it until END;")


def add(notebook: Notebook, statement: Statement) -> None:
    if statement.kind is not StatementKind.INSERT:
        raise UsageError(f"Only INSERT statements go into a statement set; "
                         f"{statement.first_line!r} is not one. "
                         f"{describe_open_set(notebook)}")
    parser(notebook.session.t_env).parse(statement.text)  # its error points here
    notebook.statement_set.append(statement)
    note(f"Added to the statement set. {describe_open_set(notebook)}")


def end(notebook: Notebook, closing: Statement) -> Statement | None:
    """The statement set to run (closed either way); None when it was empty."""
    if notebook.statement_set is None:
        raise UsageError("No statement set to submit: END; closes a set opened with "
                         "BEGIN STATEMENT SET;")
    inserts, notebook.statement_set = notebook.statement_set, None
    if not inserts:
        note(EMPTY)
        return None
    text = "EXECUTE STATEMENT SET BEGIN\n" + "".join(f"{s.text};\n" for s in inserts) + "END"
    return Statement(text, closing.line, closing.column, StatementKind.STATEMENT_SET)

