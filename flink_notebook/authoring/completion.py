"""What to offer at the cursor of a cell's SQL: keywords, functions, catalogs, databases,
tables and views, columns in scope (aliases included), connectors, and a connector's
option keys. Each suggestion carries its kind and, where Flink has one, its type or a
description. Pure: the catalog comes in as :class:`~flink_notebook.authoring.catalog.
CatalogCache` (or anything with its four reads)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flink_notebook.authoring.catalog import CatalogNames
from flink_notebook.authoring.keywords import KEYWORDS, quote_identifier
from flink_notebook.authoring.sql_context import Relation, SqlContext

#: A windowing TVF's rows have these columns besides its table's.
WINDOW_COLUMNS = (("window_start", "TIMESTAMP(3)"), ("window_end", "TIMESTAMP(3)"),
                  ("window_time", "TIMESTAMP(3) *ROWTIME*"))
#: Connectors PyFlink registers for its own use, not for users' tables.
_INTERNAL_CONNECTORS = re.compile(r"python-")
_HINT = re.compile(r"[A-Z][A-Z_]*(?: [A-Z][A-Z_]*)*\Z")
#: At most this many suggestions (IPython keeps 500).
LIMIT = 300


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: str  # keyword, function, catalog, database, table, view, column, connector, option
    detail: str = ""  # a column's type, an option's default and description, ...


def suggest(context: SqlContext, catalog: Any,
            hints: Callable[[str], Iterable[str]] | None = None) -> list[Suggestion]:
    """The suggestions for ``context``, best first. ``hints(statement)`` gives the keywords
    Flink's own parser expects there (``Parser.getCompletionHints``), when it can be asked."""
    found = _SUGGESTERS[context.kind](context, catalog, hints)
    prefix = context.prefix.lower()
    chosen, seen = [], set()
    for s in found:
        key = (s.text.lower(), s.kind)
        if key not in seen and s.text.lower().startswith(prefix):
            seen.add(key)
            chosen.append(_quoted(s, context))
    return chosen[:LIMIT]


def _quoted(suggestion: Suggestion, context: SqlContext) -> Suggestion:
    """Names that are not plain identifiers are written in backticks (closed after a typed
    backtick)."""
    if suggestion.kind not in ("catalog", "database", "table", "view", "column"):
        return suggestion
    text = suggestion.text
    if context.quoted:
        return Suggestion(text.replace("`", "``") + "`", suggestion.kind, suggestion.detail)
    return Suggestion(quote_identifier(text), suggestion.kind, suggestion.detail)


# -- by kind of place -----------------------------------------------------------------

def _keywords(context: SqlContext, catalog: Any, hints: Any) -> list[Suggestion]:
    """An expression or a clause: columns in scope first, then functions and keywords."""
    found = [s for relation in context.relations for s in _columns(catalog, relation)]
    expected: list[str] = []
    if hints is not None:
        try:
            expected = [h for h in hints(context.statement) if _HINT.match(h)]
        except Exception:  # the parser could not say; the static list still answers
            expected = []
    lower = context.prefix[:1].islower()
    words = [*expected, *KEYWORDS]
    found += [Suggestion(w.lower() if lower else w, "keyword") for w in words]
    every, user = catalog.functions()
    found += [Suggestion(name, "function", "user function" if name in user
                         else "built-in function") for name in every]
    return found


def _relation(context: SqlContext, catalog: Any, hints: Any) -> list[Suggestion]:
    names: CatalogNames = catalog.names()
    current_catalog, current_database = names.current
    found = _objects(names, current_catalog, current_database)
    found += [Suggestion(d.name, "database", f"database in {current_catalog}")
              for d in names.databases(current_catalog) if d.name != current_database]
    found += [Suggestion(name, "catalog", "catalog") for name in _catalogs(names)]
    return found


def _qualified(context: SqlContext, catalog: Any, hints: Any) -> list[Suggestion]:
    names: CatalogNames = catalog.names()
    current_catalog, current_database = names.current
    qualifier = context.qualifier
    if len(qualifier) == 1:
        relation = _in_scope(context.relations, qualifier[0])
        columns = _columns(catalog, relation) if relation is not None else []
        if columns:
            return columns
    by_name = {name.lower(): name for name in _catalogs(names)}
    if len(qualifier) == 1 and qualifier[0].lower() in by_name:
        chosen = by_name[qualifier[0].lower()]
        return [Suggestion(d.name, "database", f"database in {chosen}")
                for d in names.databases(chosen)]
    if len(qualifier) == 1 and names.database(current_catalog, qualifier[0]) is not None:
        return _objects(names, current_catalog, qualifier[0])
    if len(qualifier) == 2 and qualifier[0].lower() in by_name:
        chosen = by_name[qualifier[0].lower()]
        if names.database(chosen, qualifier[1]) is not None:
            return _objects(names, chosen, qualifier[1])
    # a table written out but not (yet) in FROM: its columns
    relation = Relation(qualifier)
    return _columns(catalog, relation)


def _database(context: SqlContext, catalog: Any, hints: Any) -> list[Suggestion]:
    names: CatalogNames = catalog.names()
    current_catalog = names.current[0]
    found = [Suggestion(d.name, "database", f"database in {current_catalog}")
             for d in names.databases(current_catalog)]
    return found + [Suggestion(name, "catalog", "catalog") for name in _catalogs(names)]


def _catalog(context: SqlContext, catalog: Any, hints: Any) -> list[Suggestion]:
    return [Suggestion(name, "catalog", "catalog") for name in _catalogs(catalog.names())]


def _connector(context: SqlContext, catalog: Any, hints: Any) -> list[Suggestion]:
    found = []
    for name, connector in sorted(catalog.connectors().items()):
        if _INTERNAL_CONNECTORS.match(name):
            continue
        role = "source and sink" if connector.source and connector.sink else (
            "source" if connector.source else "sink")
        found.append(Suggestion(name, "connector", f"{role} connector"))
    return found


def _option(context: SqlContext, catalog: Any, hints: Any) -> list[Suggestion]:
    if context.connector is None:
        return [Suggestion("connector", "option", "required: the table's connector")]
    connector = catalog.connectors().get(context.connector)
    if connector is None:
        return []
    given = set(context.options_set)
    found = []
    for required in (True, False):
        for option in connector.options:
            if option.required != required:
                continue
            detail = "required" if required else "optional"
            if option.default is not None:
                detail += f", default {option.default!r}"
            if option.description:
                detail += f": {option.description}"
            keys = [option.key]
            if "#" in option.key:  # fields.#.kind: one for each column being declared
                keys = [option.key.replace("#", column) for column in context.declared] + keys
            found += [Suggestion(key, "option", detail) for key in keys if key not in given]
    return found


def _none(context: SqlContext, catalog: Any, hints: Any) -> list[Suggestion]:
    return []


_SUGGESTERS = {"keyword": _keywords, "relation": _relation, "qualified": _qualified,
               "database": _database, "catalog": _catalog, "connector": _connector,
               "option": _option, "none": _none}


# -- from the catalog ---------------------------------------------------------------------

def _catalogs(names: CatalogNames) -> list[str]:
    return sorted({*names.catalogs, *names.errors})


def _objects(names: CatalogNames, catalog: str, database: str) -> list[Suggestion]:
    found = names.database(catalog, database)
    if found is None:
        return []
    where = f"{catalog}.{database}"
    return sorted([Suggestion(t, "table", f"table in {where}") for t in found.tables]
                  + [Suggestion(v, "view", f"view in {where}") for v in found.views],
                  key=lambda s: s.text.lower())


def _in_scope(relations: tuple[Relation, ...], qualifier: str) -> Relation | None:
    """The relation an ``x.`` refers to: by alias, else by its (last) name when it has no
    alias."""
    wanted = qualifier.lower()
    for relation in relations:
        if relation.alias and relation.alias.lower() == wanted:
            return relation
    for relation in relations:
        if relation.alias is None and relation.name[-1].lower() == wanted:
            return relation
    return None


def _columns(catalog: Any, relation: Relation) -> list[Suggestion]:
    names: CatalogNames = catalog.names()
    current_catalog, current_database = names.current
    parts = relation.name
    full = {1: (current_catalog, current_database, *parts),
            2: (current_catalog, *parts), 3: parts}.get(len(parts))
    found: list[Suggestion] = []
    table = catalog.table(*full) if full is not None else None
    if table is not None and table.error is None:
        found = [Suggestion(c.name, "column", c.type) for c in table.columns]
    if relation.window:
        found += [Suggestion(name, "column", kind) for name, kind in WINDOW_COLUMNS]
    return found
