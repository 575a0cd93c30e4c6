"""``%flink_dataset``: a data set's tables created in the session's table environment
(the one ``%%flink_sql`` cells use), and the list of the sets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from IPython.core.error import UsageError

from flink_notebook.cells.sql import sql_errors
from flink_notebook.core.errors import first_line, java_error_summary
from flink_notebook.display.notes import note
from flink_notebook.teaching.datasets import dataset, listing, relations
from flink_notebook.teaching.ddl import in_order

if TYPE_CHECKING:
    from flink_notebook.engine.session import FlinkSession


def parse_speed(text: str | float | None) -> float | None:
    """``fast`` (or nothing): unpaced, None; else a number above 0."""
    if text is None or str(text).strip().lower() == "fast":
        return None
    try:
        speed = float(text)
    except ValueError:
        raise UsageError(f"--speed takes a number above 0 (times real time) or fast, "
                         f"got {text!r}.") from None
    if not speed > 0 or speed == float("inf"):
        raise UsageError(f"--speed takes a number above 0 (times real time) or fast, "
                         f"got {text!r}.")
    return speed


def create_dataset(session: FlinkSession, name: str, seed: int = 1, rows: int | None = None,
                   speed: str | float | None = None) -> None:
    """Create the set's temporary tables and views (replacing those an earlier call made)
    and say so in a line."""
    pace = parse_speed(speed)
    try:
        chosen = dataset(name)
        made = relations(chosen.name, seed, rows, pace)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    session.ensure_started()
    for statement in in_order(made):
        try:
            session.t_env.execute_sql(statement)
        except sql_errors() as exc:
            raise UsageError(f"Could not create the {chosen.name} data set: "
                             f"{first_line(java_error_summary(exc)[0])}") from None
    count = chosen.default_rows if rows is None else rows
    paced = "unpaced" if pace is None else f"{pace:g} times real time"
    helpers = [r.name for r in made if r.name not in chosen.tables]
    sources = f" and their sources {', '.join(helpers)}" if helpers else ""
    note(f"{chosen.name}: created {', '.join(chosen.tables)}{sources} "
         f"({count:,} {chosen.unit}, seed {seed}, {paced}).")


class _Listing(pd.DataFrame):
    """The list of sets: a DataFrame whose HTML shows every word (pandas' own cuts a cell
    at 50 characters, mid-description) and no row numbers; escaped, as pandas does."""

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame  # what is made from it is a plain DataFrame

    def _repr_html_(self) -> str:
        return self.to_html(index=False, escape=True)


def dataset_list() -> pd.DataFrame:
    """The sets, their tables and sizes: a table (pandas escapes it in HTML)."""
    return _Listing(listing(), columns=["set", "tables", "default --rows", "about"])
