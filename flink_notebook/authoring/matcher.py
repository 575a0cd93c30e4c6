"""Completion in ``%%flink_sql`` cells (and in ``execute_sql("...")`` strings) through
IPython's matcher API v2, so Jupyter's ``complete_request`` answers it in every frontend.

A matcher sees the whole cell and the cursor. Its suggestions carry their kind as IPython's
``type``. IPython's simple completions have no ``signature``, so the completer's
``completions()`` is wrapped to add ours (a column's type, an option's description): that
is what a kernel's reply gives as ``signature``."""

from __future__ import annotations

import logging
import threading
from typing import Any

from flink_notebook.authoring.catalog import CatalogCache
from flink_notebook.authoring.completion import Suggestion, suggest
from flink_notebook.authoring.sql_context import cell_sql, sql_at
from flink_notebook.engine.internals import parser

MATCHER_ID = "flink_notebook.sql"
log = logging.getLogger(__name__)


class SqlCompleter:
    """The kernel's SQL completion: a matcher, the catalog cache it reads, and the hook
    that drops the cache after each cell (a cell may have changed the catalog)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.catalog = CatalogCache(session)
        self._details: dict[str, str] = {}  # text -> signature, of the last answer
        self._fragment = ""  # what the last answer replaces
        self._in_sql = False  # whether the last request's cursor was in SQL
        self._warming: threading.Thread | None = None

    # -- IPython's side -------------------------------------------------------------
    def register(self, shell: Any) -> None:
        from IPython.core.completer import context_matcher

        completer = shell.Completer
        if any(getattr(m, "matcher_identifier", None) == MATCHER_ID
               for m in completer.custom_matchers):
            return

        def match(context: Any) -> dict:  # a function: IPython marks it with attributes
            return self.match(context)

        matcher = context_matcher(identifier=MATCHER_ID)(match)
        matcher.completer = self  # type: ignore[attr-defined]  # for tests and benchmarks
        completer.custom_matchers.insert(0, matcher)
        plain = completer.completions

        def completions(text: str, offset: int):
            """Ours get their signature; in SQL, only ours are given (IPython lets other
            matchers answer where ours has nothing, with magics and Python names)."""
            self._in_sql = False
            for completion in plain(text, offset):
                if getattr(completion, "_origin", None) == MATCHER_ID:
                    completion.signature = self._details.get(completion.text, "")
                    yield completion
                elif not self._in_sql:
                    yield completion

        completer.completions = completions
        shell.events.register("post_run_cell", self.after_cell)
        self.warm()

    def match(self, context: Any) -> dict:
        from IPython.core.completer import SimpleCompletion

        lines = context.full_text.split("\n")
        cursor = sum(len(line) + 1 for line in lines[: context.cursor_line]) \
            + context.cursor_position
        suggestions = self.complete(context.full_text, cursor)
        self._in_sql = suggestions is not None
        if suggestions is None:
            return {"completions": [], "suppress": False}
        self._details = {s.text: s.detail for s in suggestions}
        return {
            "completions": [SimpleCompletion(s.text, type=s.kind) for s in suggestions],
            "matched_fragment": self._fragment,
            "suppress": True,  # Python's names are no use in SQL
            "ordered": True,
        }

    def after_cell(self, result: Any = None) -> None:
        """A cell may have changed the catalog (DDL, ADD JAR, Python code): read it again on
        the next completion, warmed in the background."""
        source = getattr(getattr(result, "info", None), "raw_cell", "") or ""
        self.catalog.drop(connectors="JAR" in source.upper())
        self.warm()

    # -- ours ------------------------------------------------------------------------
    def complete(self, cell: str, cursor: int) -> list[Suggestion] | None:
        """The suggestions at ``cursor`` of ``cell``, or None when it is not in SQL."""
        found = cell_sql(cell, cursor)
        if found is None:
            return None
        sql, offset = found
        context = sql_at(sql, offset)
        self._fragment = context.prefix
        return suggest(context, self.catalog, self._hints if self.catalog.ready else None)

    def _hints(self, statement: str) -> list[str]:
        """The keywords Flink's parser expects at the end of ``statement``."""
        hints = parser(self.session.t_env).getCompletionHints
        return list(hints(statement, len(statement)))

    def warm(self) -> None:
        """Read the catalog in the background once Java runs, so the first completion is
        quick (compiling the reader takes about half a second)."""
        if self._warming is not None and self._warming.is_alive():
            return

        def read() -> None:
            self.session.wait_started()
            try:
                if self.catalog.ready:
                    self.catalog.names()
                    self.catalog.functions()
                    self.catalog.connectors()
            except Exception:  # noqa: BLE001 - completion reads again when asked
                log.debug("reading the catalog in the background failed", exc_info=True)

        self._warming = threading.Thread(target=read, name="flink-notebook-catalog",
                                         daemon=True)
        self._warming.start()
